import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { signDevelopmentToken } from '../../src/auth/dev-token';
import type { AppConfig } from '../../src/config/app-config';
import { loadConfig, type EnvironmentOverrides } from '../../src/config/config.module';
import { newPgliteDataDir, removePgliteDataDir, RUN_DATABASE_ENV, RUN_PGLITE_ENV, seedPgliteDataDir } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  close(): Promise<void>;
}

/**
 * The real application on this run's database, ready for `inject`. On PGlite each app has its own database
 * (a copy of the run's migrated template in a fresh DATA_DIR, removed on close): apps in one test file do
 * not share rows there, as they do on PostgreSQL.
 */
export async function startTestApp(overrides: EnvironmentOverrides = {}): Promise<TestApp> {
  const config = testConfig(overrides);
  const embeddedDir = config.database.url ? undefined : config.database.dataDir;
  if (embeddedDir) {
    if (openEmbeddedApps > 0) {
      console.warn(
        'startTestApp: another app of this test file is still open. On PGlite each app has its own database, so ' +
          'rows made through one are not seen by the other; a suite that needs that must skip unless usingRealPostgres().',
      );
    }
    seedPgliteDataDir(embeddedDir);
  }
  const app = await createApp(config);
  try {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  if (embeddedDir) openEmbeddedApps++;
  let closed = false;
  return {
    app,
    config,
    close: async () => {
      await app.close();
      if (!embeddedDir || closed) return;
      closed = true;
      openEmbeddedApps--;
      removePgliteDataDir(embeddedDir);
    },
  };
}

/** Apps on PGlite started and not yet closed in this test file. */
let openEmbeddedApps = 0;

/**
 * The configuration of a test app on this run's database. On PGlite it names a DATA_DIR of its own, created
 * (from the template) only when an app starts on it; migrations then run at start, as in production.
 */
export function testConfig(overrides: EnvironmentOverrides = {}): AppConfig {
  const url = process.env[RUN_DATABASE_ENV];
  const pglite = !url && process.env[RUN_PGLITE_ENV];
  if (!url && !pglite) throw new Error(`${RUN_DATABASE_ENV} is not set: run the suites through jest (global setup creates the database)`);
  return loadConfig({
    NODE_ENV: 'test',
    ...(url ? { DATABASE_URL: url, MIGRATIONS_RUN: 'false' } : { DATABASE_URL: undefined, DATA_DIR: newPgliteDataDir(), MIGRATIONS_RUN: 'true' }),
    JWT_SECRET: TEST_JWT_SECRET,
    JWT_ISSUER: undefined,
    JWT_AUDIENCE: undefined,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    RATE_LIMIT_ANON_PER_MINUTE: '0',
    // Delivery workers claim due deliveries of the whole database: on the shared PostgreSQL test database only the
    // webhook suites run them (they turn it on, one suite at a time: test/support/webhook-receiver.ts).
    WEBHOOK_DELIVERY: 'false',
    ...overrides,
  });
}

export function tokenFor(config: AppConfig, email: string, expiresInSeconds?: number): string {
  return signDevelopmentToken(config, email, expiresInSeconds);
}
