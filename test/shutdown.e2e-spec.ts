import { Agent, request } from 'node:http';
import { Client } from 'pg';
import { TEST_JWT_SECRET, testConfig, tokenFor } from './support/app';
import { startServer, type ServerProcess } from './support/server-process';
import { RUN_DATABASE_ENV, usingRealPostgres } from './support/test-database';
import { newEmail } from './support/builders';

const describeOnPostgres = usingRealPostgres() ? describe : describe.skip;
if (!usingRealPostgres()) console.log('shutdown: skipped (needs a PostgreSQL server that a second process can share)');

interface Outcome {
  status?: number;
  connection?: string;
  body?: any;
  error?: string;
}

function send(agent: Agent, server: ServerProcess, method: string, path: string, token: string, account?: string, body?: unknown): Promise<Outcome> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${server.url}${path}`,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(account ? { 'x-account-id': account } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, connection: String(res.headers.connection), body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(payload);
  });
}

describeOnPostgres('graceful shutdown (SIGTERM)', () => {
  it('finishes in-flight requests, never answers 5xx, closes keep-alive connections and exits 0 within 10 s', async () => {
    const server = await startServer({ DATABASE_URL: process.env[RUN_DATABASE_ENV], JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0' });
    const token = tokenFor(testConfig(), newEmail('owner'));
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    // node:http with the test's own agent throughout, never fetch: its process-wide pool would keep a connection
    // to the stopped server open, and with it the Jest worker
    const created = await send(agent, server, 'POST', '/accounts', token, undefined, { name: 'Shutdown' });
    expect(created.status).toBe(201);

    const inFlight: Promise<Outcome>[] = [];
    for (let i = 0; i < 200; i++) inFlight.push(send(agent, server, 'POST', '/members', token, created.body.id, { email: newEmail('m'), role: 'viewer' }));
    await new Promise((r) => setTimeout(r, 30));
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const outcomes = await Promise.all(inFlight);
    const code = await server.exited;
    const tookMs = Date.now() - signalledAt;
    agent.destroy();

    const answered = outcomes.filter((o) => o.status !== undefined);
    const refused = outcomes.filter((o) => o.error !== undefined);
    console.log(`shutdown: ${answered.length} answered, ${refused.length} not accepted (${[...new Set(refused.map((o) => o.error))].join(', ')}), exit ${code} after ${tookMs} ms`);
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(10000);
    expect(answered.filter((o) => o.status! >= 500)).toEqual([]);
    expect(answered.every((o) => o.status === 201)).toBe(true);
    expect(answered.length).toBeGreaterThan(0);
    // whatever was not answered was never accepted (refused, or reset while still in the accept backlog)…
    for (const o of refused) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(o.error);
    // …and nothing was done without an answer: every member the server created was answered 201
    const client = new Client({ connectionString: process.env[RUN_DATABASE_ENV] });
    await client.connect();
    const { rows } = await client.query("SELECT count(*)::int AS n FROM memberships WHERE account_id = $1 AND role = 'viewer'", [created.body.id]);
    await client.end();
    expect(rows[0].n).toBe(answered.length);
    // requests answered after the signal told their clients to close the connection
    expect(answered.some((o) => o.connection === 'close')).toBe(true);
    expect(server.output()).not.toMatch(/"level":50/);
  });
});
