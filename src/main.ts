import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { drainAndClose } from './common/http/drain';
import { loadConfig } from './config/config.module';
import { ConfigurationError } from './config/environment';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  if (config.jwt.usingDevelopmentSecret) {
    new Logger('Auth').warn('JWT_SECRET is not set: using the development secret. Never do this in production.');
  }
  await app.listen({ port: config.port, host: config.host });
  new Logger('Bootstrap').log(`Lead Desk listening on http://${config.host}:${config.port} (docs at /docs)`);
  exitGracefullyOn(['SIGTERM', 'SIGINT'], () => drainAndClose(app, DRAIN_GRACE_MS));
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

bootstrap().catch((error: unknown) => {
  // Configuration errors name the bad variable; print them plainly and stop.
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
