import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { signDevelopmentToken } from '../../src/auth/dev-token';
import type { AppConfig } from '../../src/config/app-config';
import { loadConfig, type EnvironmentOverrides } from '../../src/config/config.module';
import { RUN_DATABASE_ENV } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  close(): Promise<void>;
}

/** The real application on this run's database, ready for `inject`. */
export async function startTestApp(overrides: EnvironmentOverrides = {}): Promise<TestApp> {
  const config = testConfig(overrides);
  const app = await createApp(config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, config, close: () => app.close() };
}

export function testConfig(overrides: EnvironmentOverrides = {}): AppConfig {
  const url = process.env[RUN_DATABASE_ENV];
  if (!url) throw new Error(`${RUN_DATABASE_ENV} is not set: run the suites through jest (global setup creates the database)`);
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url,
    MIGRATIONS_RUN: 'false',
    JWT_SECRET: TEST_JWT_SECRET,
    JWT_ISSUER: undefined,
    JWT_AUDIENCE: undefined,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    RATE_LIMIT_ANON_PER_MINUTE: '0',
    ...overrides,
  });
}

export function tokenFor(config: AppConfig, email: string, expiresInSeconds?: number): string {
  return signDevelopmentToken(config, email, expiresInSeconds);
}
