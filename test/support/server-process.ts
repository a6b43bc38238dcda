import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { get, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const BUILT_SERVER = join(ROOT, 'dist', 'main.js');

/**
 * The node arguments of `npm run start:prod` (e.g. the heap cap that keeps the RSS under load bounded), so
 * tests and the bench run the server exactly as production does.
 */
export const PRODUCTION_NODE_ARGS: string[] = (() => {
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod'];
  const [command, ...args] = script.trim().split(/\s+/);
  if (command !== 'node' || args[args.length - 1] !== 'dist/main.js') throw new Error(`start:prod is not "node [flags] dist/main.js": ${script}`);
  return args.slice(0, -1);
})();

/**
 * One JSON request to a server process over real HTTP, as a client would send it: bearer token, optional
 * `x-account-id` and JSON body, on a connection of its own (closed after the answer; not fetch, whose
 * process-wide pool would keep connections to servers a test stops, and with them the Jest worker). Throws
 * like fetch does: `TimeoutError` after `timeoutMs`, otherwise an error whose `cause.code` is the socket's
 * (ECONNREFUSED, ECONNRESET, ...).
 */
export function requestJson(
  server: Pick<ServerProcess, 'url'>,
  method: string,
  path: string,
  options: { token: string; account?: string; body?: unknown; timeoutMs: number; headers?: Record<string, string> },
): Promise<{ status: number; body: any }> {
  const { token, account, body, timeoutMs, headers: extra } = options;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}${path}`,
      {
        method,
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          ...(account ? { 'x-account-id': account } : {}),
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...extra,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          clearTimeout(timer);
          try {
            resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined });
          } catch (error) {
            reject(error as Error);
          }
        });
        res.on('error', (error) => req.destroy(error));
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.name === 'TimeoutError' ? error : new Error(error.message, { cause: { code: error.code } }));
    });
    req.end(payload);
  });
}

/**
 * GET `url` on a connection of its own, closed after the answer: 200 → true, anything else or no answer → false.
 * Not fetch: its process-wide pool would keep a connection to a server that a test then stops, and that
 * connection kept Jest's worker from exiting (seen with the shutdown suite).
 */
function answersOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the built server (`dist/main.js`, made by `npm run build`, which `npm test` runs first) as a
 * real process and waits until /health/ready answers 200.
 */
export async function startServer(env: Record<string, string | undefined>, readyTimeoutMs = 90000): Promise<ServerProcess> {
  if (!existsSync(BUILT_SERVER)) throw new Error(`${BUILT_SERVER} is missing: run npm run build (npm test does it first)`);
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [...PRODUCTION_NODE_ARGS, BUILT_SERVER], {
    cwd: ROOT,
    // LEAD_DESK_ENV_FILE=none: a developer's .env in the repository must not configure the servers tests start.
    // WEBHOOK_DELIVERY=false unless asked for: see testConfig (test/support/app.ts)
    // DATABASE_POOL_MODE: set for the whole run by TEST_PGBOUNCER=1 (global setup), so servers behave as behind a pooler.
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', LEAD_DESK_ENV_FILE: 'none', WEBHOOK_DELIVERY: 'false', DATABASE_POOL_MODE: process.env.DATABASE_POOL_MODE, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))]);
    if (done) throw new Error(`server exited before it was ready:\n${output}`);
    const ok = await answersOk(`${url}/health/ready`);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after ${readyTimeoutMs} ms:\n${output}`);
    }
  }
  return { url, port, child, output: () => output, exited };
}
