import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { isDatabaseUnavailable } from '../../src/common/filters/database-errors';

/** Where the test suites find PostgreSQL: TEST_DATABASE_URL, else the machine's server. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Set by global setup for every worker when the run is on PostgreSQL: the throwaway database of this run. */
export const RUN_DATABASE_ENV = 'LEADDESK_TEST_DATABASE_URL';
/** TEST_PGBOUNCER=1: the run database's own URL (RUN_DATABASE_ENV then names it through PgBouncer). */
export const DIRECT_DATABASE_ENV = 'LEADDESK_TEST_DIRECT_DATABASE_URL';
/** Set by global setup for every worker when the run is on PGlite: this run's folder (template and per-app copies). */
export const RUN_PGLITE_ENV = 'LEADDESK_TEST_PGLITE_DIR';

/**
 * Which database `npm test` uses, from TEST_DATABASE: `postgres` (the server at TEST_DATABASE_URL, required),
 * `pglite` (embedded, no server needed), or unset: PostgreSQL when it answers, else PGlite.
 */
export type TestDatabaseKind = 'postgres' | 'pglite';

export interface TestDatabaseChoice {
  kind: TestDatabaseKind;
  /** One line for the run's output: which database, and why. */
  reason: string;
}

export async function chooseTestDatabase(): Promise<TestDatabaseChoice> {
  const asked = process.env.TEST_DATABASE?.trim().toLowerCase() || undefined;
  if (asked !== undefined && asked !== 'postgres' && asked !== 'pglite') {
    throw new Error(`TEST_DATABASE must be "postgres" or "pglite" (or unset to use PostgreSQL when it answers), not "${process.env.TEST_DATABASE}"`);
  }
  if (asked === 'pglite') return { kind: 'pglite', reason: 'TEST_DATABASE=pglite' };
  const probe = await probePostgres();
  if (probe.ok) return { kind: 'postgres', reason: asked ? 'TEST_DATABASE=postgres' : 'it answers' };
  if (asked === 'postgres' || !isDatabaseUnavailable(firstCause(probe.error))) {
    // Asked for explicitly, or there but refusing us (credentials, permissions): a mistake to report, not to hide.
    throw new Error(`PostgreSQL at ${redact(ADMIN_URL)}: ${message(probe.error)} (set TEST_DATABASE_URL, or TEST_DATABASE=pglite to run without a server)`);
  }
  return { kind: 'pglite', reason: `PostgreSQL at ${redact(ADMIN_URL)} is unreachable (${message(probe.error)})` };
}

async function probePostgres(): Promise<{ ok: true } | { ok: false; error: unknown }> {
  const client = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  } finally {
    await client.end().catch(() => undefined);
  }
}

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

/** The migrated PGlite data folder that every app of a PGlite run starts from (made once by global setup). */
export function pgliteTemplateDir(runDir: string): string {
  return join(runDir, 'template');
}

/**
 * A new, not yet existing DATA_DIR for one app of a PGlite run. Each app gets its own database: PGlite is one
 * process's, and jest runs test files in several worker processes.
 */
export function newPgliteDataDir(): string {
  const runDir = process.env[RUN_PGLITE_ENV];
  if (!runDir) throw new Error(`${RUN_PGLITE_ENV} is not set: run the suites through jest (global setup prepares the database)`);
  return join(runDir, 'apps', `${process.pid}-${Date.now()}-${randomBytes(3).toString('hex')}`);
}

/**
 * Fills `dataDir` with a copy of the run's migrated template, unless it already holds a database: copying
 * the files is much faster than letting PGlite create and migrate a database (initdb) for every app.
 */
export function seedPgliteDataDir(dataDir: string): void {
  const runDir = process.env[RUN_PGLITE_ENV];
  if (!runDir || existsSync(join(dataDir, 'PG_VERSION'))) return;
  mkdirSync(dataDir, { recursive: true });
  cpSync(pgliteTemplateDir(runDir), dataDir, { recursive: true });
}

/** Removes an app's data folder if it is one of this run's (never anything else). */
export function removePgliteDataDir(dataDir: string): void {
  const runDir = process.env[RUN_PGLITE_ENV];
  if (runDir && dataDir.startsWith(join(runDir, 'apps'))) rmSync(dataDir, { recursive: true, force: true });
}

/**
 * Whether this run's database is a real PostgreSQL server (several connections and processes work).
 * Suites that need that (concurrency, multi-process) skip themselves otherwise, saying so.
 */
export function usingRealPostgres(): boolean {
  return Boolean(process.env[RUN_DATABASE_ENV]);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Node reports a refused connection to a name with several addresses (localhost) as an AggregateError. */
function firstCause(error: unknown): unknown {
  return error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
}

function message(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return message(firstCause(error));
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}
