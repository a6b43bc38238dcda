import { DataSource } from 'typeorm';

/** An arbitrary constant shared by every process of this app: the advisory lock that serialises migrations. */
const MIGRATION_LOCK_KEY = 742_113_901;

/**
 * Runs pending migrations while holding a session advisory lock, so several processes starting
 * at once against one database apply each migration exactly once.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
