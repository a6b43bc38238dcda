import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/app-config';

/** Compiled (dist/) and source (src/) trees both sit two levels below the project root. */
export const MIGRATIONS_GLOB = join(__dirname, '..', '..', 'migrations', '*.js');

/** How long a request may wait for a pooled connection before answering 503. */
export const CONNECT_TIMEOUT_MS = 5000;

/** TypeORM options for the PostgreSQL server in `config.url`. Shared by the app and the migration CLI. */
export function postgresOptions(config: DatabaseConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.url,
    synchronize: false,
    migrationsRun: false, // MigrationRunner runs them under an advisory lock instead
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    extra: {
      max: config.poolSize,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30000,
      application_name: 'lead-desk',
    },
  };
}

/** A URL safe to log: the password is never printed. */
export function describeDatabase(config: DatabaseConfig): string {
  if (!config.url) return `embedded PGlite in ${config.dataDir}`;
  try {
    const u = new URL(config.url);
    if (u.password) u.password = '***';
    return `PostgreSQL ${u.toString()}`;
  } catch {
    return 'PostgreSQL (unparseable URL)';
  }
}
