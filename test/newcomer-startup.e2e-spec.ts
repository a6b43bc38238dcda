// The built server's command line and start-up, as a person meets them (issue 14): each start-up failure they
// can fix is one line naming the variable and the cause (no stack, no "Retrying", printed once, exit 1);
// `--help` lists the variables instead of starting; `token` issues a development token (for Docker users);
// `.env` is read, the real environment winning; request logs carry no response headers; pretty logs only at
// a terminal outside production.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from 'jsonwebtoken';
import { loggerOptions } from '../src/common/http/logger-options';
import { DEVELOPMENT_JWT_SECRET } from '../src/config/app-config';
import { EnvironmentVariables } from '../src/config/environment';
import { variablesOf } from '../src/config/help';
import { LOCK_FILE_NAME } from '../src/database/data-dir-lock';
import { describeStartupFailure } from '../src/main';
import { testConfig, TEST_JWT_SECRET } from './support/app';
import { BUILT_SERVER, freePort, startServer } from './support/server-process';
import { newPgliteDataDir, removePgliteDataDir, RUN_DATABASE_ENV, seedPgliteDataDir, withDatabase } from './support/test-database';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** dist/main.js with `args`, only `env` (and PATH) in its environment, in `cwd`. */
function runServer(args: string[], env: Record<string, string>, cwd = tmpdir(), timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BUILT_SERVER, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, timeout: timeoutMs }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

const postgresUrl = process.env[RUN_DATABASE_ENV];
const itOnPostgres = postgresUrl ? it : it.skip;
if (!postgresUrl) console.warn('newcomer-startup: "missing database" SKIPPED: it needs the PostgreSQL run (TEST_DATABASE=postgres)');

describe('start-up failures: one line naming the variable and the cause', () => {
  let workDir: string;
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'leaddesk-startup-'));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    rmSync(workDir, { recursive: true, force: true });
  });

  async function expectOneLine(env: Record<string, string>, expected: RegExp): Promise<void> {
    const run = await runServer([], { JWT_SECRET: TEST_JWT_SECRET, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, workDir);
    const all = `${run.stdout}${run.stderr}`;
    expect({ code: run.code, lines: run.stderr.trim().split('\n') }).toEqual({ code: 1, lines: [expect.stringMatching(expected)] });
    expect(all.match(/cannot start/g)).toHaveLength(1);
    expect(all).not.toMatch(/\n\s+at /); // no stack
    expect(all).not.toMatch(/Retrying/);
    expect(all).not.toMatch(/listening on/);
  }

  /** [case, its environment (made when the case runs), the line expected] */
  const CASES: [string, () => Promise<Record<string, string>>, () => RegExp][] = [
    ['DATABASE_URL that is not a PostgreSQL URL', async () => ({ DATABASE_URL: 'mysql://root@localhost/leads' }), () => /^Lead Desk cannot start: Invalid configuration: DATABASE_URL: .*postgres:\/\//],
    [
      'DATABASE_URL nobody answers at',
      async () => ({ DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${(closedPort = await freePort())}/leads` }),
      () => new RegExp(`^Lead Desk cannot start: DATABASE_URL: cannot reach the PostgreSQL server at 127\\.0\\.0\\.1:${closedPort}/leads: connection refused`),
    ],
    [
      'DATABASE_URL with a host name that does not resolve',
      async () => ({ DATABASE_URL: 'postgres://postgres@no-such-host.invalid:5432/leads' }),
      () => /^Lead Desk cannot start: DATABASE_URL: cannot reach the PostgreSQL server at no-such-host\.invalid:5432\/leads: /,
    ],
    ['PORT already in use', async () => ({ PORT: String(busyPort), DATA_DIR: join(workDir, 'unused') }), () => new RegExp(`^Lead Desk cannot start: PORT: port ${busyPort} on 127\\.0\\.0\\.1 is already in use`)],
    [
      'DATA_DIR held by another live process',
      async () => {
        const dataDir = join(workDir, 'locked');
        mkdirSync(dataDir, { recursive: true });
        // This test process is the live holder.
        writeFileSync(join(dataDir, LOCK_FILE_NAME), JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'test', since: '2026-01-01T00:00:00.000Z' }));
        return { DATA_DIR: dataDir, PORT: String(await freePort()) };
      },
      () => new RegExp(`^Lead Desk cannot start: DATA_DIR .*locked is in use by another Lead Desk process \\(pid ${process.pid}`),
    ],
  ];
  let closedPort = 0;

  it.each(CASES)('%s', async (_name, env, expected) => expectOneLine(await env(), expected()));

  itOnPostgres('DATABASE_URL naming a database that does not exist', () =>
    expectOneLine({ DATABASE_URL: withDatabase(postgresUrl!, 'leaddesk_no_such_database') }, /^Lead Desk cannot start: DATABASE_URL: database "leaddesk_no_such_database" does not exist on .*createdb leaddesk_no_such_database/));
});

describe('describeStartupFailure: the line for each failure, never the password', () => {
  const config = testConfig({ DATABASE_URL: 'postgres://app:s3cret-pw@db.internal:6543/leads', PORT: '8080', HOST: '0.0.0.0', JWT_SECRET: TEST_JWT_SECRET });
  it.each([
    ['connection refused', { code: 'ECONNREFUSED' }, 'DATABASE_URL: cannot reach the PostgreSQL server at db.internal:6543/leads: connection refused (is PostgreSQL running there?)'],
    ['several addresses refused', { errors: [{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }] }, 'DATABASE_URL: cannot reach the PostgreSQL server at db.internal:6543/leads: connection refused (is PostgreSQL running there?)'],
    ['unknown host', { code: 'ENOTFOUND' }, 'DATABASE_URL: cannot reach the PostgreSQL server at db.internal:6543/leads: unknown host name'],
    ['timeout', { code: 'ETIMEDOUT' }, 'DATABASE_URL: cannot reach the PostgreSQL server at db.internal:6543/leads: the connection timed out'],
    ['missing database', { code: '3D000', message: 'database "leads" does not exist' }, 'DATABASE_URL: database "leads" does not exist on db.internal:6543 (create it, e.g. `createdb leads`, or fix the URL)'],
    ['bad password', { code: '28P01', message: 'password authentication failed for user "app"' }, 'DATABASE_URL: the PostgreSQL server at db.internal:6543/leads refused the login: password authentication failed for user "app"'],
    ['server starting', { code: '57P03', message: 'the database system is starting up' }, 'DATABASE_URL: the PostgreSQL server at db.internal:6543/leads is starting up or shutting down; try again'],
    ['port in use', { code: 'EADDRINUSE', syscall: 'listen' }, 'PORT: port 8080 on 0.0.0.0 is already in use (another server is running there: stop it, or set PORT to another port)'],
    ['port not allowed', { code: 'EACCES', syscall: 'listen' }, 'PORT: not allowed to listen on port 8080 on 0.0.0.0 (ports below 1024 need privileges: set PORT to 1024 or above)'],
    ['anything else (a bug: printed whole)', new TypeError('x is not a function'), null],
  ])('%s', (_name, error, line) => {
    const described = describeStartupFailure(error, config);
    expect(described).toBe(line);
    expect(String(described)).not.toContain('s3cret-pw');
  });
});

describe('the command line', () => {
  it('--help lists every environment variable with its default and does not start a server', async () => {
    const run = await runServer(['--help'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/never-used' });
    expect(run.code).toBe(0);
    const variables = variablesOf(EnvironmentVariables);
    expect(variables.length).toBeGreaterThanOrEqual(17);
    for (const { name, help } of variables) {
      expect({ name, documented: help !== undefined }).toEqual({ name, documented: true });
      expect(run.stdout).toMatch(new RegExp(`^  ${name} +${help!.default.replace(/[.()]/g, '\\$&')} +\\S`, 'm'));
    }
    expect(run.stdout).toContain('token --email');
    expect(run.stderr).toBe('');
  });

  it('token --email prints a JWT signed with JWT_SECRET, for that email', async () => {
    const run = await runServer(['token', '--email', 'Docker.User@example.com', '--hours', '1'], { JWT_SECRET: TEST_JWT_SECRET });
    expect(run.code).toBe(0);
    const claims = verify(run.stdout.trim(), TEST_JWT_SECRET) as { email: string; exp: number; iat: number };
    expect(claims.email).toBe('Docker.User@example.com');
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('token with a bad JWT_SECRET says so in one line (exit 1)', async () => {
    const run = await runServer(['token', '--email', 'a@example.com'], { JWT_SECRET: 'short' });
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 1, stdout: '', stderr: 'Invalid configuration: JWT_SECRET: JWT_SECRET must be at least 16 characters\n' });
  });

  it('token without --email is a usage error (exit 2)', async () => {
    const run = await runServer(['token'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^usage: node dist\/main\.js token --email/);
  });

  it('reads .env from the working directory; a variable set in the environment wins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leaddesk-dotenv-'));
    try {
      writeFileSync(join(dir, '.env'), '# the server reads this\nJWT_SECRET=from-dot-env-0123456789\n');
      const fromFile = await runServer(['token', '--email', 'a@example.com'], {}, dir);
      expect(verify(fromFile.stdout.trim(), 'from-dot-env-0123456789')).toMatchObject({ email: 'a@example.com' });
      const fromEnv = await runServer(['token', '--email', 'a@example.com'], { JWT_SECRET: TEST_JWT_SECRET }, dir);
      expect(verify(fromEnv.stdout.trim(), TEST_JWT_SECRET)).toMatchObject({ email: 'a@example.com' });
      const without = await runServer(['token', '--email', 'a@example.com'], {});
      expect(verify(without.stdout.trim(), DEVELOPMENT_JWT_SECRET)).toMatchObject({ email: 'a@example.com' });
      // LEAD_DESK_ENV_FILE: another file, or none at all (what the tests' servers use).
      writeFileSync(join(dir, 'other.env'), 'JWT_SECRET=from-other-env-0123456789\n');
      const other = await runServer(['token', '--email', 'a@example.com'], { LEAD_DESK_ENV_FILE: 'other.env' }, dir);
      expect(verify(other.stdout.trim(), 'from-other-env-0123456789')).toMatchObject({ email: 'a@example.com' });
      const none = await runServer(['token', '--email', 'a@example.com'], { LEAD_DESK_ENV_FILE: 'none' }, dir);
      expect(verify(none.stdout.trim(), DEVELOPMENT_JWT_SECRET)).toMatchObject({ email: 'a@example.com' });
      const missing = await runServer([], { LEAD_DESK_ENV_FILE: 'missing.env' }, dir);
      expect({ code: missing.code, stderr: missing.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^Lead Desk cannot start: LEAD_DESK_ENV_FILE: .*missing\.env does not exist\n$/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('logs', () => {
  it('a request log line carries the status code, not the response headers', async () => {
    const url = process.env[RUN_DATABASE_ENV];
    const pgliteDir = url ? undefined : newPgliteDataDir();
    if (pgliteDir) seedPgliteDataDir(pgliteDir);
    const server = await startServer({ ...(url ? { DATABASE_URL: url } : { DATA_DIR: pgliteDir }), JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'info' });
    try {
      const res = await fetch(`${server.url}/accounts`);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-security-policy')).toBeTruthy();
      await new Promise((r) => setTimeout(r, 300));
      const line = server.output().split('\n').find((l) => l.includes('"url":"/accounts"'));
      expect(line).toBeDefined();
      const entry = JSON.parse(line!) as { res: unknown; req: { headers: Record<string, string> } };
      expect(entry.res).toEqual({ statusCode: 401 });
      expect(line).not.toMatch(/content-security-policy/i);
      expect(line!.length).toBeLessThan(700);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      if (pgliteDir) removePgliteDataDir(pgliteDir);
    }
  }, 120_000);

  it.each([
    ['a terminal in development: pino-pretty', true, 'development', true],
    ['a terminal in production: JSON', true, 'production', false],
    ['a pipe or file in development: JSON', false, 'development', false],
  ])('on %s', (_label, terminal, nodeEnv, pretty) => {
    const options = loggerOptions(testConfig({ NODE_ENV: nodeEnv, JWT_SECRET: TEST_JWT_SECRET }), terminal) as { pinoHttp: { transport?: { target: string } } };
    expect(options.pinoHttp.transport?.target).toBe(pretty ? 'pino-pretty' : undefined);
  });
});
