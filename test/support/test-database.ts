import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Where the test suites find PostgreSQL: TEST_DATABASE_URL, else the machine's server. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Set by global setup for every worker: the throwaway database of this run. */
export const RUN_DATABASE_ENV = 'LEADDESK_TEST_DATABASE_URL';

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createRunDatabase(): Promise<string> {
  const name = `leaddesk_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return withDatabase(ADMIN_URL, name);
}

export async function dropRunDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^leaddesk_test_\w+$/.test(name)) return;
  const admin = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * Whether this run's database is a real PostgreSQL server (several connections and processes work).
 * Suites that need that (concurrency, multi-process) skip themselves otherwise, saying so.
 */
export function usingRealPostgres(): boolean {
  return Boolean(process.env[RUN_DATABASE_ENV]);
}
