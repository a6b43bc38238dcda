import 'reflect-metadata';
import { loadConfig } from '../../src/config/config.module';
import { openDataSource } from '../../src/database/open-data-source';
import { runMigrationsLocked } from '../../src/database/migration-runner';
import { createRunDatabase, RUN_DATABASE_ENV } from './test-database';

/** One throwaway database per run, migrated once; every worker inherits its URL. */
export default async function globalSetup(): Promise<void> {
  const url = await createRunDatabase();
  const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'test' });
  const dataSource = await openDataSource(config.database);
  try {
    await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy();
  }
  process.env[RUN_DATABASE_ENV] = url;
}
