import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server-process';

/** Where the PgBouncer of `apt-get install pgbouncer` (Debian: 1.18) is, or null. */
export function pgbouncerBinary(): string | null {
  for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null;
}

/** For itWhen: PgBouncer is installed (.ci/run installs it with apt). */
export const needsPgBouncer = (): Record<string, boolean> => ({ 'needs pgbouncer (apt-get install pgbouncer; .ci/run does it)': pgbouncerBinary() !== null });

export interface PgBouncer {
  port: number;
  /** `url` (a postgres:// URL of the server behind) with host and port replaced by the pooler's. */
  urlFor(url: string): string;
  /** Server connections PgBouncer holds open to PostgreSQL for each database/user pair. */
  poolSize: number;
  pid: number;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** Server connections per database/user (default 20): fewer than the clients' pools forces sharing. */
  poolSize?: number;
  /** `transaction` (default) or `session`. */
  poolMode?: 'transaction' | 'session';
}

/**
 * Starts a PgBouncer process in front of the PostgreSQL server of `serverUrl` (every database on it, one
 * login user, `auth_type = any`: tests only), on a free port of 127.0.0.1, transaction pooling by default.
 * Run as root (CI), it drops to the `postgres` user as PgBouncer requires.
 */
export async function startPgBouncer(serverUrl: string, options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const binary = pgbouncerBinary();
  if (!binary) throw new Error('pgbouncer is not installed (apt-get install -y pgbouncer)');
  const server = new URL(serverUrl);
  const port = await freePort();
  const poolSize = options.poolSize ?? 20;
  const dir = mkdtempSync(join(tmpdir(), 'leaddesk-pgbouncer-'));
  chmodSync(dir, 0o777);
  const ini = join(dir, 'pgbouncer.ini');
  const logfile = join(dir, 'pgbouncer.log');
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432} user=${decodeURIComponent(server.username || 'postgres')}${server.password ? ` password=${decodeURIComponent(server.password)}` : ''}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      `pool_mode = ${options.poolMode ?? 'transaction'}`,
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 1000',
      'max_db_connections = 0',
      'server_reset_query =',
      'ignore_startup_parameters = extra_float_digits,options',
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      `logfile = ${logfile}`,
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
  );
  chmodSync(ini, 0o644);
  const args = process.getuid?.() === 0 ? ['-u', 'postgres', ini] : [ini];
  // No pipes and unref'd: the pooler never keeps the test process alive; its log goes to a file.
  const child: ChildProcess = spawn(binary, args, { stdio: 'ignore' });
  child.unref();
  const output = () => (existsSync(logfile) ? readFileSync(logfile, 'utf8') : '(no log)');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = output();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pgbouncer did not start on port ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    poolSize,
    pid: child.pid!,
    urlFor(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT'); // immediate shutdown
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
