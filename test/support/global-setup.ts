import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.module';
import { openDataSource } from '../../src/database/open-data-source';
import { runMigrationsLocked } from '../../src/database/migration-runner';
import { startPgBouncer, type PgBouncer } from './pgbouncer';
import { chooseTestDatabase, DIRECT_DATABASE_ENV, createRunDatabase, pgliteTemplateDir, RUN_DATABASE_ENV, RUN_PGLITE_ENV } from './test-database';

/**
 * One throwaway database per run, migrated once; every worker inherits where it is. On PostgreSQL, a fresh
 * database that all workers share. On PGlite, a migrated template folder that each app copies (see app.ts).
 */
export default async function globalSetup(): Promise<void> {
  const choice = await chooseTestDatabase();
  if (choice.kind === 'postgres') {
    const url = await createRunDatabase();
    await migrate({ DATABASE_URL: url });
    process.env[RUN_DATABASE_ENV] = url;
    console.log(`\nTest database: PostgreSQL (${choice.reason}), ${new URL(url).pathname.slice(1)}`);
    if (process.env.TEST_PGBOUNCER === '1') await throughPgBouncer(url);
    return;
  }
  delete process.env[RUN_DATABASE_ENV];
  const runDir = mkdtempSync(join(tmpdir(), 'leaddesk-test-pglite-'));
  const started = Date.now();
  await migrate({ DATABASE_URL: undefined, DATA_DIR: pgliteTemplateDir(runDir) });
  process.env[RUN_PGLITE_ENV] = runDir;
  console.log(
    `\nTest database: PGlite (${choice.reason}), template migrated in ${Date.now() - started} ms under ${runDir}.` +
      '\nSuites that need a PostgreSQL server (several connections or processes) are skipped; they say so.',
  );
}

/**
 * TEST_PGBOUNCER=1: every app, server process and test client of the run reaches the database through one
 * PgBouncer in transaction mode (a small pool, so server connections are really shared), and the apps run with
 * DATABASE_POOL_MODE=transaction. Asked for explicitly, a missing pgbouncer fails the run.
 */
async function throughPgBouncer(url: string): Promise<void> {
  const bouncer = await startPgBouncer(url, { poolSize: Number(process.env.TEST_PGBOUNCER_POOL_SIZE ?? 20) });
  process.env[DIRECT_DATABASE_ENV] = url;
  process.env[RUN_DATABASE_ENV] = bouncer.urlFor(url);
  process.env.DATABASE_POOL_MODE = 'transaction';
  (globalThis as { leadDeskPgBouncer?: PgBouncer }).leadDeskPgBouncer = bouncer;
  console.log(`Through PgBouncer (transaction mode, ${bouncer.poolSize} server connections) on port ${bouncer.port}; DATABASE_POOL_MODE=transaction`);
}

async function migrate(database: Record<string, string | undefined>): Promise<void> {
  const config = loadConfig({ ...database, NODE_ENV: 'test' });
  const dataSource = await openDataSource(config.database);
  try {
    await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
