import { join, resolve } from 'node:path';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { DatabaseConfig } from '../config/app-config';
import { MIGRATIONS_DIR } from './migrations-dir';
import { openEmbeddedDatabase } from './pglite';
import { POOL_MODE_OPTION } from './sql';

export const MIGRATIONS_GLOB = join(MIGRATIONS_DIR, '*.js');

/** PGlite: how long a query waits for the one connection before failing (503) instead of waiting forever. */
export const CONNECT_TIMEOUT_MS = 5000;
/**
 * PostgreSQL: how long a request may wait for a pooled connection. A burst larger than the pool queues here
 * (e.g. hundreds of leads through one rotation, which commit one after another), and that is not "database
 * unavailable"; a database that is down still fails at once (connection refused, or "starting up").
 */
export const POOL_WAIT_MS = 15000;

export interface OpenedDatabase {
  /** Options for TypeORM's ordinary postgres driver, whichever database is behind it. */
  readonly options: PostgresConnectionOptions;
  /**
   * Frees what the options hold beyond TypeORM's pool: for PGlite, closes it (flushing DATA_DIR) and
   * releases the folder's lock. Call it after the DataSource is destroyed. Idempotent; nothing to do for a server.
   */
  close(): Promise<void>;
}

/**
 * The one place that turns the configuration into a database: the PostgreSQL server in `config.url`, or,
 * when there is none, PGlite in `config.dataDir` (locked for this process, started) behind the same pg driver.
 * The app, the migration CLI and the test harness all open their database here.
 */
export async function openDatabase(config: DatabaseConfig): Promise<OpenedDatabase> {
  const common = {
    type: 'postgres' as const,
    synchronize: false,
    migrationsRun: false, // MigrationRunner runs them under an advisory lock instead
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
  };
  if (config.url) {
    return {
      options: {
        ...common,
        url: config.url,
        extra: {
          max: config.poolSize,
          connectionTimeoutMillis: POOL_WAIT_MS,
          idleTimeoutMillis: 30000,
          application_name: 'lead-desk',
          // DATABASE_POOL_MODE=transaction: preparedRows runs unnamed statements, migrations lock per transaction.
          ...(config.poolMode === 'transaction' ? { [POOL_MODE_OPTION]: 'transaction' } : {}),
        },
      },
      close: async () => undefined,
    };
  }
  const db = await openEmbeddedDatabase(config.dataDir);
  return {
    options: {
      ...common,
      extra: {
        ...db.pgConfig,
        // PGlite is one session: a second pooled client would interleave its statements with the first one's
        // transaction. With one client, a query issued outside the transaction that holds it would wait
        // forever; the timeout turns that into a fast error (503) instead.
        max: 1,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        // Keep the client: there is nothing to reconnect to, and ending it ends the adapter's connection.
        idleTimeoutMillis: 0,
      },
    },
    close: db.close,
  };
}

/** A URL safe to log: the password is never printed. */
export function describeDatabase(config: DatabaseConfig): string {
  if (!config.url) return `embedded PGlite in ${resolve(config.dataDir)}`;
  try {
    const u = new URL(config.url);
    if (u.password) u.password = '***';
    return `PostgreSQL ${u.toString()}`;
  } catch {
    return 'PostgreSQL (unparseable URL)';
  }
}
