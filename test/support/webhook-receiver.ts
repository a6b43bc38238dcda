import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Client as PgClient } from 'pg';
import { Webhook } from 'standardwebhooks';
import { RUN_DATABASE_ENV } from './test-database';

/**
 * Delivery workers claim the due deliveries of the whole database, whichever account they belong to. On the
 * shared PostgreSQL test database the suites that run them (with their own WEBHOOK_ALLOW_* settings) therefore
 * take turns: this session advisory lock is held from a suite's beforeAll to its afterAll. On PGlite every app
 * has its own database: nothing to share. Resolves to the release.
 */
export async function webhookSuiteTurn(): Promise<() => Promise<void>> {
  const url = process.env[RUN_DATABASE_ENV];
  if (!url) return async () => undefined;
  const db = new PgClient({ connectionString: url });
  await db.connect();
  await db.query(`SELECT pg_advisory_lock(7231018)`);
  return async () => {
    await db.query(`SELECT pg_advisory_unlock(7231018)`).catch(() => undefined);
    await db.end();
  };
}

/** One request the receiver got, verified with the reference `standardwebhooks` package. */
export interface ReceivedDelivery {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  event: any;
  /** The secrets (by index in `secrets`) whose signature `standardwebhooks` accepted */
  verifiedWith: number[];
  /** The nth request with this webhook-id (1-based) */
  attempt: number;
  status: number;
  receivedAt: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  deliveries: ReceivedDelivery[];
  /** Secrets to verify with (set after the endpoint is created; add the new one after a rotation) */
  secrets: string[];
  /** Requests of one webhook-id that overlapped in time (should stay empty: never two attempts at once) */
  overlaps: string[];
  /** TCP connections accepted, whatever came of them */
  connections: number;
  /** Deliveries of a webhook-id, in arrival order */
  byId(id: string): ReceivedDelivery[];
  /** Resolves once `predicate` holds (checked on every delivery and every 50 ms), or rejects after `timeoutMs` */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real webhook receiver on 127.0.0.1 (a socket of its own): it verifies every request with the reference
 * `standardwebhooks` package against each of `secrets`, records it, and answers what `answer` says (200 by
 * default) after `delayMs` (a wider window to catch two attempts of one delivery at once).
 */
export async function startReceiver(
  options: {
    answer?: (d: Omit<ReceivedDelivery, 'status'>) => number;
    delayMs?: number;
    /** The delay of one request (instead of `delayMs`) */
    delayFor?: (d: Omit<ReceivedDelivery, 'status'>) => number;
    body?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<WebhookReceiver> {
  const deliveries: ReceivedDelivery[] = [];
  const inFlight = new Map<string, number>();
  const overlaps: string[] = [];
  const attempts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const receiver = {} as WebhookReceiver;
  receiver.secrets = [];
  receiver.overlaps = overlaps;
  receiver.deliveries = deliveries;
  receiver.connections = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      const headers = { 'webhook-id': id, 'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''), 'webhook-signature': String(req.headers['webhook-signature'] ?? '') };
      const verifiedWith: number[] = [];
      receiver.secrets.forEach((secret, i) => {
        try {
          new Webhook(secret).verify(body, headers);
          verifiedWith.push(i);
        } catch {
          // not signed with this one
        }
      });
      const running = inFlight.get(id) ?? 0;
      if (running > 0) overlaps.push(id);
      inFlight.set(id, running + 1);
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      let event: any = null;
      try {
        event = JSON.parse(body);
      } catch {
        // recorded as is
      }
      const partial = { id, timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'], body, event, verifiedWith, attempt, receivedAt: Date.now() };
      const status = options.answer ? options.answer(partial) : 200;
      // A request is in flight until it is answered or its connection closes (its sender died)
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
      };
      res.on('close', end);
      const timer = setTimeout(() => {
        end();
        deliveries.push({ ...partial, status });
        res.writeHead(status, { 'content-type': 'text/plain', ...options.headers }).end(options.body ?? (status >= 200 && status < 300 ? 'ok' : 'no'));
      }, options.delayFor ? options.delayFor(partial) : (options.delayMs ?? 0));
      timer.unref();
    });
  });
  server.on('connection', (socket: Socket) => {
    receiver.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.port = port;
  receiver.url = `http://127.0.0.1:${port}/hook`;
  receiver.byId = (id) => deliveries.filter((d) => d.id === id);
  receiver.waitFor = async (predicate, timeoutMs = 15_000, what = 'the expected deliveries') => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`receiver: ${what} did not arrive within ${timeoutMs} ms (got ${deliveries.length} deliveries)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  receiver.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return receiver;
}
