import 'reflect-metadata';
import { createServer } from 'node:net';
import { Logger, type LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './app.factory';
import { tokenCommand, usage } from './cli';
import type { AppConfig } from './config/app-config';
import { loadConfig } from './config/config.module';
import { loadDotEnv } from './config/dotenv';
import { ConfigurationError } from './config/environment';
import { drainAndClose } from './common/http/drain';
import { MetricsService } from './metrics/metrics.service';

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(usage());
    return;
  }
  try {
    loadDotEnv();
  } catch (error: unknown) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`Lead Desk cannot start: ${error.message}\n`);
    process.exit(1);
  }
  if (argv[0] === 'token') {
    const code = tokenCommand(argv.slice(1), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }, 'node dist/main.js token');
    if (code !== 0) process.exit(code);
    return;
  }
  if (argv.length > 0) {
    process.stderr.write(`Unknown arguments: ${argv.join(' ')}. Usage: node dist/main.js [--help | token --email you@example.com]\n`);
    process.exit(2);
  }
  await serve();
}

async function serve(): Promise<void> {
  let config: AppConfig | undefined;
  let app: NestFastifyApplication | undefined;
  // Until the application's own logger takes over, Nest's start-up logs are held here: on success they go to
  // the application's logger as usual; on a failure they are dropped (printed with LOG_LEVEL=debug) and the
  // failure is said once, in one line, below.
  const startup = new HeldLogs();
  Logger.overrideLogger(startup);
  try {
    config = loadConfig();
    await portIsFree(config.port, config.host); // before any database work, and before Nest logs the failure itself
    app = await createApp(config);
    if (config.jwt.usingDevelopmentSecret) {
      new Logger('Auth').warn('JWT_SECRET is not set: using the development secret. Never do this in production.');
    }
    await app.listen({ port: config.port, host: config.host });
    await app.get(MetricsService).startServer(); // METRICS_PORT: its own listener (nothing otherwise)
  } catch (error: unknown) {
    const known = describeStartupFailure(error, config);
    if (!known || config?.logLevel === 'debug' || config?.logLevel === 'trace') startup.print();
    process.stderr.write(`Lead Desk cannot start: ${known ?? (error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
    await app?.close().catch(() => undefined);
    process.exit(1);
  }
  new Logger('Bootstrap').log(`Lead Desk listening on http://${config.host}:${config.port} (docs at /docs)`);
  exitGracefullyOn(['SIGTERM', 'SIGINT'], () => drainAndClose(app!, DRAIN_GRACE_MS));
}

/** Resolves when `port` can be listened on at `host` (the listener is closed at once); rejects with the listen error. */
function portIsFree(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Nest's logs before the application's logger exists, kept rather than printed. */
class HeldLogs implements LoggerService {
  private readonly lines: string[] = [];
  private hold(level: string, message: unknown, rest: unknown[]): void {
    this.lines.push(`${level} ${[message, ...rest].map((m) => (m instanceof Error ? (m.stack ?? m.message) : typeof m === 'string' ? m : JSON.stringify(m))).join(' ')}`);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.hold('LOG', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.hold('ERROR', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.hold('WARN', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.hold('DEBUG', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.hold('VERBOSE', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.hold('FATAL', message, rest);
  }
  print(): void {
    for (const line of this.lines) process.stderr.write(`${line}\n`);
  }
}

/** `host:port/database` of a PostgreSQL URL, without the credentials. */
function whereIs(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'the configured server';
  }
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is PostgreSQL running there?)',
  ENOTFOUND: 'unknown host name',
  EAI_AGAIN: 'the host name could not be resolved',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'the server closed the connection',
};

/**
 * One line naming the variable and the cause for the start-up failures a person can fix (configuration,
 * database, port, data directory), or null for anything else (then the error is printed whole: a bug).
 */
export function describeStartupFailure(error: unknown, config: AppConfig | undefined): string | null {
  // Invalid variables, and DATA_DIR held by another process (DataDirInUseError): their messages name the variable.
  if (error instanceof ConfigurationError) return error.message.replace(/:\n\s+/, ': ').replace(/\n\s+/g, '; ');
  const e = error as { code?: string; message?: string; errors?: { code?: string }[]; syscall?: string; port?: number; address?: string };
  const code = e?.code ?? e?.errors?.[0]?.code;
  if (config && (code === 'EADDRINUSE' || code === 'EACCES') && (e.syscall === 'listen' || /listen/.test(e.message ?? ''))) {
    return code === 'EADDRINUSE'
      ? `PORT: port ${config.port} on ${config.host} is already in use (another server is running there: stop it, or set PORT to another port)`
      : `PORT: not allowed to listen on port ${config.port} on ${config.host} (ports below 1024 need privileges: set PORT to 1024 or above)`;
  }
  const url = config?.database.url;
  if (url && code) {
    const where = whereIs(url);
    if (NETWORK_CAUSES[code]) return `DATABASE_URL: cannot reach the PostgreSQL server at ${where}: ${NETWORK_CAUSES[code]}`;
    if (code === '3D000') return `DATABASE_URL: ${e.message} on ${where.split('/')[0]} (create it, e.g. \`createdb ${decodeURIComponent(new URL(url).pathname.slice(1))}\`, or fix the URL)`;
    if (code === '28P01' || code === '28000') return `DATABASE_URL: the PostgreSQL server at ${where} refused the login: ${e.message}`;
    if (code === '57P03') return `DATABASE_URL: the PostgreSQL server at ${where} is starting up or shutting down; try again`;
  }
  return null;
}

/** How long requests arriving on already-open connections are still answered after the signal. */
const DRAIN_GRACE_MS = 1000;
/** Time the process gives in-flight requests before it exits anyway (the contract allows 10 s). */
const SHUTDOWN_DEADLINE_MS = 9000;

/**
 * On a signal: stop accepting connections, let in-flight requests finish (requests on open keep-alive
 * connections are still answered, with `Connection: close`), close the pool, exit 0 (see drainAndClose). Nest's own shutdown
 * hooks re-raise the signal after closing, which would end the process by signal instead of with 0.
 */
function exitGracefullyOn(signals: NodeJS.Signals[], close: () => Promise<void>): void {
  let closing = false;
  for (const signal of signals) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      const logger = new Logger('Shutdown');
      logger.log(`${signal}: draining requests`);
      const watchdog = setTimeout(() => {
        logger.error('requests still running at the deadline; exiting');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      watchdog.unref();
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'error while shutting down');
          process.exit(1);
        },
      );
    });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    // A bad variable (the token command reads the configuration too): one line; anything else whole.
    const text = error instanceof ConfigurationError ? describeStartupFailure(error, undefined) : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${text}\n`);
    process.exit(1);
  });
}
