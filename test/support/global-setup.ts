import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config.module';
import { postgresOptions } from '../../src/database/data-source-options';
import { runMigrationsLocked } from '../../src/database/migration-runner';
import { createRunDatabase, RUN_DATABASE_ENV } from './test-database';

/** One throwaway database per run, migrated once; every worker inherits its URL. */
export default async function globalSetup(): Promise<void> {
  const url = await createRunDatabase();
  const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'test' });
  const dataSource = new DataSource(postgresOptions(config.database));
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy();
  }
  process.env[RUN_DATABASE_ENV] = url;
}
