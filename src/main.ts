import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
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
}

bootstrap().catch((error: unknown) => {
  // Configuration errors name the bad variable; print them plainly and stop.
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
