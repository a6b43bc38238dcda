import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevelopmentToken } from '../src/auth/dev-token';
import { loadConfig } from '../src/config/config.module';
import { LOCK_FILE_NAME } from '../src/database/data-dir-lock';

// The built server as a newcomer runs it: DATABASE_URL unset, so PGlite in DATA_DIR. Runs whatever the
// suite's own database is, and never talks to a PostgreSQL server: no process here gets a DATABASE_URL.

const ROOT = join(__dirname, '..');
const BUILT_SERVER = join(ROOT, 'dist', 'main.js');
const JWT_SECRET = 'pglite-e2e-secret-0123456789';
/** A first start creates the database (initdb in WebAssembly): seconds on an idle machine, more on a busy one. */
const START_TIMEOUT_MS = 150_000;

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** A process with only the variables given (and PATH/HOME): nothing inherited can point it at a server. */
function run(command: string, args: string[], env: Record<string, string>): Run {
  let output = '';
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, output: () => output, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Server extends Run {
  url: string;
  startedInMs: number;
}

function serverEnv(dataDir: string, port: number): Record<string, string> {
  return { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', JWT_SECRET, LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0' };
}

async function startServer(dataDir: string): Promise<Server> {
  const port = await freePort();
  const started = Date.now();
  const server = run(process.execPath, [BUILT_SERVER], serverEnv(dataDir, port));
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  void server.exited.then(() => (exited = true));
  while (!exited) {
    const ready = await fetch(`${url}/health/ready`).then((r) => r.status === 200, () => false);
    if (ready) return { ...server, url, startedInMs: Date.now() - started };
    if (Date.now() - started > START_TIMEOUT_MS) {
      server.child.kill('SIGKILL');
      throw new Error(`not ready after ${START_TIMEOUT_MS} ms:\n${server.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server exited before it was ready:\n${server.output()}`);
}

async function stop(server: Run, signal: NodeJS.Signals = 'SIGTERM') {
  server.child.kill(signal);
  return server.exited;
}

const token = signDevelopmentToken(loadConfig({ JWT_SECRET, JWT_ISSUER: undefined, JWT_AUDIENCE: undefined }), 'founder@example.com');
const auth = { authorization: `Bearer ${token}` };

async function listAccountNames(url: string): Promise<string[]> {
  const res = await fetch(`${url}/accounts`, { headers: auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { name: string }[] }).data.map((a) => a.name);
}

describe('embedded PGlite database (DATABASE_URL unset)', () => {
  let base: string;
  let dataDir: string;
  let first: Server | undefined;

  beforeAll(() => {
    if (!existsSync(BUILT_SERVER)) throw new Error(`${BUILT_SERVER} is missing: run \`npm run build\` first (.ci/run does)`);
    base = mkdtempSync(join(tmpdir(), 'leaddesk-pglite-e2e-'));
    dataDir = join(base, 'not', 'yet', 'there');
  });
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    rmSync(base, { recursive: true, force: true });
  });

  it(
    'starts on a DATA_DIR that does not exist yet, says it uses PGlite there, and serves requests',
    async () => {
      first = await startServer(dataDir);
      expect(first.output()).toContain(`Using embedded PGlite in ${dataDir}`);
      expect(first.output()).not.toMatch(/postgres(ql)?:\/\//);
      expect(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8')).toContain(`"pid":${first.child.pid}`);

      const created = await fetch(`${first.url}/accounts`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Embedded Payments' }),
      });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ name: 'Embedded Payments', role: 'owner' });
      expect(await listAccountNames(first.url)).toEqual(['Embedded Payments']);
    },
    START_TIMEOUT_MS + 30_000,
  );

  it(
    'refuses a second server on the same DATA_DIR with a clear message and a non-zero exit; the first keeps serving',
    async () => {
      const second = run(process.execPath, [BUILT_SERVER], serverEnv(dataDir, await freePort()));
      const { code } = await second.exited;
      expect(code).not.toBe(0);
      expect(second.output()).toContain(`DATA_DIR ${dataDir} is in use by another Lead Desk process (pid ${first!.child.pid}`);
      expect(await listAccountNames(first!.url)).toEqual(['Embedded Payments']);
    },
    60_000,
  );

  it(
    'refuses `npm run migration:run` on the locked DATA_DIR',
    async () => {
      const migrate = run('npm', ['run', '--silent', 'migration:run'], { DATA_DIR: dataDir });
      const { code } = await migrate.exited;
      expect(code).not.toBe(0);
      expect(migrate.output()).toContain(`DATA_DIR ${dataDir} is in use by another Lead Desk process (pid ${first!.child.pid}`);
      expect(await listAccountNames(first!.url)).toEqual(['Embedded Payments']);
    },
    90_000,
  );

  it(
    'exits 0 on SIGTERM and frees DATA_DIR; the migration CLI then runs there, and a restart still has the data',
    async () => {
      expect(await stop(first!)).toEqual({ code: 0, signal: null });
      expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);

      const migrate = run('npm', ['run', '--silent', 'migration:run'], { DATA_DIR: dataDir });
      expect((await migrate.exited).code).toBe(0);
      expect(migrate.output()).toContain('No pending migrations');
      expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);

      const again = await startServer(dataDir);
      expect(await listAccountNames(again.url)).toEqual(['Embedded Payments']);
      expect(await stop(again)).toEqual({ code: 0, signal: null });
    },
    START_TIMEOUT_MS + 90_000,
  );

  it(
    'starts over the lock file of a killed process, with the rows that process committed',
    async () => {
      const killed = await startServer(dataDir);
      const created = await fetch(`${killed.url}/accounts`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Committed Before The Crash' }),
      });
      expect(created.status).toBe(201);
      expect(await stop(killed, 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      expect(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8')).toContain(`"pid":${killed.child.pid}`);

      const next = await startServer(dataDir);
      expect((await listAccountNames(next.url)).sort()).toEqual(['Committed Before The Crash', 'Embedded Payments']);
      expect(await stop(next)).toEqual({ code: 0, signal: null });
    },
    START_TIMEOUT_MS + 60_000,
  );
});
