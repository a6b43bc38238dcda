import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from '../src/common/filters/database-errors';
import { loadConfig } from '../src/config/config.module';
import { LOCK_FILE_NAME } from '../src/database/data-dir-lock';
import { CONNECT_TIMEOUT_MS } from '../src/database/data-source-options';
import { runMigrationsLocked } from '../src/database/migration-runner';
import { openDataSource } from '../src/database/open-data-source';
import { seedPgliteDataDir } from './support/test-database';

// The embedded database as the app opens it (one pooled client over PGlite), whatever the suite's own
// database is: the pitfalls seen when this was first tried, kept as tests.

describe('PGlite behind the pg driver', () => {
  let base: string;
  let dataDir: string;
  let db: DataSource;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'leaddesk-pglite-pool-'));
    dataDir = join(base, 'data');
    seedPgliteDataDir(dataDir); // a copy of the run's migrated template on PGlite runs; a new database otherwise
    db = await openDataSource(loadConfig({ DATABASE_URL: undefined, DATA_DIR: dataDir, NODE_ENV: 'test' }).database);
    await runMigrationsLocked(db); // under the advisory lock, on the pool's one connection
  }, 180_000);
  afterAll(async () => {
    if (db?.isInitialized) await db.destroy();
    rmSync(base, { recursive: true, force: true });
  });

  it('runs on PostgreSQL 17 or later, with the migrations applied', async () => {
    const [{ server_version_num }] = await db.query('SHOW server_version_num');
    expect(Number(server_version_num)).toBeGreaterThanOrEqual(170000);
    expect(await runMigrationsLocked(db)).toEqual([]);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM migrations`);
    expect(n).toBe(db.migrations.length);
  });

  it('serialises concurrent transactions: 10 read-modify-write increments end at 10', async () => {
    await db.query('CREATE TABLE pool_counter (id int PRIMARY KEY, n int NOT NULL)');
    await db.query('INSERT INTO pool_counter VALUES (1, 0)');
    await Promise.all(
      Array.from({ length: 10 }, () =>
        db.transaction(async (m) => {
          const [{ n }] = await m.query('SELECT n FROM pool_counter WHERE id = 1');
          await new Promise((r) => setTimeout(r, 5));
          await m.query('UPDATE pool_counter SET n = $1 WHERE id = 1', [n + 1]);
        }),
      ),
    );
    expect(await db.query('SELECT n FROM pool_counter')).toEqual([{ n: 10 }]);
  });

  it("one transaction's rollback does not undo another's insert", async () => {
    await db.query('CREATE TABLE pool_rows (name text)');
    const failing = db.transaction(async (m) => {
      await m.query(`INSERT INTO pool_rows VALUES ('rolled back')`);
      await new Promise((r) => setTimeout(r, 20));
      throw new Error('abort');
    });
    const committing = db.transaction((m) => m.query(`INSERT INTO pool_rows VALUES ('kept')`));
    await expect(failing).rejects.toThrow('abort');
    await committing;
    expect(await db.query('SELECT name FROM pool_rows')).toEqual([{ name: 'kept' }]);
  });

  it('a query outside the transaction that holds the one connection fails fast, as "database unavailable"', async () => {
    let outside: unknown;
    const started = Date.now();
    await db.transaction(async (m) => {
      await m.query('SELECT 1');
      outside = await db.query('SELECT 2').catch((e: unknown) => e);
    });
    expect(Date.now() - started).toBeLessThan(CONNECT_TIMEOUT_MS + 3000);
    expect(outside).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(outside)).toBe(true);
    expect(await db.query('SELECT 3 AS ok')).toEqual([{ ok: 3 }]); // and the pool is fine afterwards
  }, 30_000);

  it('has pg_trgm, registered when PGlite starts', async () => {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    const [{ s }] = await db.query(`SELECT similarity('Lovelace', 'Lovelance') > 0.5 AS s`);
    expect(s).toBe(true);
  });

  it('destroying the DataSource closes PGlite and frees DATA_DIR; it opens again with the data', async () => {
    await db.query('CREATE TABLE pool_durable (v text)');
    await db.query(`INSERT INTO pool_durable VALUES ('still here')`);
    await db.destroy();
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
    db = await openDataSource(loadConfig({ DATABASE_URL: undefined, DATA_DIR: dataDir, NODE_ENV: 'test' }).database);
    expect(await db.query('SELECT v FROM pool_durable')).toEqual([{ v: 'still here' }]);
  }, 60_000);
});
