// The entities describe the schema exactly as migrations/ create it: TypeORM's schema diff (what
// `npm run migration:generate` writes, here as a dry run) finds nothing to change on a freshly migrated
// database. A host with `autoLoadEntities` and its own `migration:generate` then cannot be led into dropping
// Lead Desk's foreign keys, indexes or checks. README "Data layer conventions".
import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { openDatabase, type OpenedDatabase } from '../src/database/data-source-options';
import { LEAD_DESK_MIGRATIONS } from '../src/database/migration-runner';
import { LEAD_DESK_ENTITIES } from '../src/lead-desk.module';
import { ADMIN_URL, newPgliteDataDir, removePgliteDataDir, usingRealPostgres, withDatabase } from './support/test-database';

const SRC = join(__dirname, '..', 'src');

/** Every table the migrations create, but TypeORM's own `migrations`. */
async function migratedTables(dataSource: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await dataSource.query(
    // a partition (access_log's daily ones, its default) is part of its partitioned table's entity
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'migrations' ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** The statements `migration:generate` would write (up), as a dry run. */
async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}

interface FreshDatabase {
  options: DataSourceOptions;
  drop(): Promise<void>;
}

/** A new, empty database of this test's own (the negative checks below change its schema). */
async function freshDatabase(): Promise<FreshDatabase> {
  const common = { entities: LEAD_DESK_ENTITIES, migrations: LEAD_DESK_MIGRATIONS, migrationsTableName: 'migrations', synchronize: false } as const;
  if (usingRealPostgres()) {
    const name = `leaddesk_test_drift_${Date.now()}_${Math.random().toString(16).slice(2, 8)}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    return {
      options: { type: 'postgres', url: withDatabase(ADMIN_URL, name), extra: { max: 2 }, ...common },
      drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  const dataDir = newPgliteDataDir();
  const opened: OpenedDatabase = await openDatabase({ dataDir, poolSize: 1, migrationsRun: false, membershipCacheMs: 0 });
  return {
    options: { ...opened.options, ...common },
    drop: async () => {
      await opened.close();
      removePgliteDataDir(dataDir);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new PgClient({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

describe(`schema drift: entities against migrations (${usingRealPostgres() ? 'PostgreSQL' : 'PGlite'})`, () => {
  let database: FreshDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await freshDatabase();
    dataSource = await new DataSource(database.options).initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  }, 120_000);

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.drop();
  });

  it('has an entity for every table the migrations create, and LEAD_DESK_ENTITIES lists them all', async () => {
    const entityTables = dataSource.entityMetadatas.map((m) => m.tableName).sort();
    expect(entityTables).toEqual(await migratedTables(dataSource));
    // `npm run migration:generate` (src/database/cli-data-source.ts) loads the entity files by name: the same set
    const entityFiles = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.entity.ts'));
    expect(entityFiles).toHaveLength(LEAD_DESK_ENTITIES.length);
  });

  it('migration:generate (dry run) finds no changes on a freshly migrated database', async () => {
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });

  it('finds every index the entities leave to the migrations (synchronize: false: expression and GIN indexes)', async () => {
    const unsynchronized = dataSource.entityMetadatas.flatMap((m) => m.indices.filter((i) => i.synchronize === false).map((i) => [m.tableName, i.name]));
    expect(unsynchronized.length).toBeGreaterThan(0);
    const rows: { table: string; name: string }[] = await dataSource.query(`SELECT tablename AS table, indexname AS name FROM pg_indexes WHERE schemaname = 'public'`);
    const present = new Set(rows.map((r) => `${r.table}.${r.name}`));
    expect(unsynchronized.filter(([table, name]) => !present.has(`${table}.${name}`))).toEqual([]);
  });

  // The check above could pass by not looking: each kind of object it must see, once removed, is reported,
  // and the statements it proposes (what `migration:generate` would write) put it back.
  it.each([
    ['a dropped foreign key carrying account_id', 'ALTER TABLE leads DROP CONSTRAINT leads_account_id_team_id_lead_source_id_fkey', /"leads_account_id_team_id_lead_source_id_fkey" FOREIGN KEY/],
    ['the dropped unique index API-key login uses', 'DROP INDEX api_keys_prefix_key', /CREATE UNIQUE INDEX "api_keys_prefix_key"/],
    ['a dropped partial unique index', 'DROP INDEX rotations_one_active_default', /CREATE UNIQUE INDEX "rotations_one_active_default" .*WHERE active AND deleted_at IS NULL AND team_id IS NULL/],
    ['a dropped check', 'ALTER TABLE memberships DROP CONSTRAINT memberships_role_check', /"memberships_role_check" CHECK/],
    ['a dropped unique constraint (and the foreign keys that need it)', 'ALTER TABLE lead_sources DROP CONSTRAINT lead_sources_account_team_id_key CASCADE', /"lead_sources_account_team_id_key" UNIQUE/],
    ['a dropped column default', 'ALTER TABLE rotations ALTER COLUMN members_version DROP DEFAULT', /"members_version" SET DEFAULT/],
    ['a nullable column made NOT NULL', 'ALTER TABLE leads ALTER COLUMN email SET NOT NULL', /"email" DROP NOT NULL/],
  ])('%s: reported, and put back by the proposed statements', async (_what, change, expected) => {
    await dataSource.query(change);
    const pending = await pendingSchemaChanges(dataSource);
    expect(pending.join('\n')).toMatch(expected);
    for (const statement of pending) await dataSource.query(statement);
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });
});
