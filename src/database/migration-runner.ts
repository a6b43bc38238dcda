import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, Migration, MigrationExecutor, type MigrationInterface, type QueryRunner } from 'typeorm';
import { MIGRATIONS_DIR } from './migrations-dir';
import { namedStatementsOn } from './sql';

/** An arbitrary constant shared by every process of this app: the advisory lock that serialises migrations. */
const MIGRATION_LOCK_KEY = 742_113_901;

/** A migration class, as TypeORM's `migrations` option takes it. */
export type MigrationClass = new () => MigrationInterface;


/**
 * Lead Desk's schema, every migration in order (the files of `migrations/`). A host application either lists
 * them in its own DataSource's `migrations` and runs them with its own, or lets LeadDeskModule run them
 * (`migrationsRun: true`); either way they are recorded in the DataSource's migrations table, so the two
 * ways never apply one twice.
 */
export const LEAD_DESK_MIGRATIONS: MigrationClass[] = readdirSync(MIGRATIONS_DIR)
  .filter((file) => /^\d{13}-[\w-]+\.js$/.test(file))
  .sort()
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  .map((file) => require(join(MIGRATIONS_DIR, file)) as MigrationClass);

/**
 * Runs pending migrations while holding a session advisory lock, so several processes starting
 * at once against one database apply each migration exactly once. The migrations run on the very
 * connection that holds the lock: PGlite's pool has only that one.
 *
 * `migrations`: the ones to run; by default the DataSource's own (its `migrations` option). A host's
 * DataSource lists the host's migrations, so LeadDeskModule passes LEAD_DESK_MIGRATIONS.
 */
export async function runMigrationsLocked(dataSource: DataSource, migrations?: MigrationClass[]): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  if (!namedStatementsOn(dataSource)) return runInOneTransaction(dataSource, runner, migrations);
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = migrations ? new ListedMigrationExecutor(dataSource, runner, migrations) : new MigrationExecutor(dataSource, runner);
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

/**
 * DATABASE_POOL_MODE=transaction: a session lock taken through a transaction-mode pooler would stay on
 * whichever server connection ran it (and its unlock could run on another). Instead every pending migration
 * runs in ONE transaction that first takes `pg_advisory_xact_lock`: the pending list is read after the lock,
 * so a process that waited finds nothing left to do, and the lock ends with the transaction.
 */
async function runInOneTransaction(dataSource: DataSource, runner: QueryRunner, migrations?: MigrationClass[]): Promise<string[]> {
  try {
    await runner.startTransaction();
    try {
      await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const executor = migrations ? new ListedMigrationExecutor(dataSource, runner, migrations) : new MigrationExecutor(dataSource, runner);
      executor.transaction = 'none'; // inside the transaction above
      const applied = await executor.executePendingMigrations();
      await runner.commitTransaction();
      return applied.map((m) => m.name);
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  } finally {
    await runner.release();
  }
}

/** TypeORM's executor over a given list of migrations instead of the DataSource's (same naming rule, same order). */
class ListedMigrationExecutor extends MigrationExecutor {
  constructor(
    dataSource: DataSource,
    runner: QueryRunner,
    private readonly listed: MigrationClass[],
  ) {
    super(dataSource, runner);
  }

  protected override getMigrations(): Migration[] {
    const migrations = this.listed.map((MigrationType) => {
      const instance = new MigrationType();
      const name = instance.name ?? MigrationType.name;
      const timestamp = Number.parseInt(name.slice(-13), 10);
      if (!Number.isFinite(timestamp)) throw new Error(`${name}: a migration's class name must end with a 13-digit timestamp`);
      return new Migration(undefined, timestamp, name, instance);
    });
    this.checkForDuplicateMigrations(migrations);
    return migrations.sort((a, b) => a.timestamp - b.timestamp);
  }
}
