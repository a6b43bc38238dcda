import { DataSource, MigrationExecutor } from 'typeorm';

/** An arbitrary constant shared by every process of this app: the advisory lock that serialises migrations. */
const MIGRATION_LOCK_KEY = 742_113_901;

/**
 * Runs pending migrations while holding a session advisory lock, so several processes starting
 * at once against one database apply each migration exactly once. The migrations run on the very
 * connection that holds the lock: PGlite's pool has only that one.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
