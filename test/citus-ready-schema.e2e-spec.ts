import { startTestApp, type TestApp } from './support/app';
import { citusViolations, undistributedTables } from './support/citus-rules';
import { dataSourceOf } from './support/leads';

/**
 * API.md section 14: the schema can be distributed by account_id (Citus). Read from the catalog of the migrated
 * database (every migration, whoever added it), checked against docs/scale-out.md's list of reference and local
 * tables. Citus itself is not installed here; these are the rules create_distributed_table and colocated
 * foreign keys impose.
 */
describe('Citus-ready schema (pg_catalog against docs/scale-out.md)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('docs/scale-out.md lists the reference and local tables, each with its kind', () => {
    const listed = undistributedTables();
    expect(listed.get('accounts')).toBe('reference');
    expect(listed.get('access_log')).toBe('local');
    expect(listed.get('migrations')).toBe('local');
  });

  it('every table keeps the rules: account_id NOT NULL and in the primary key, every unique index and foreign key; ids bigint', async () => {
    expect(await citusViolations(dataSourceOf(t), undistributedTables())).toEqual([]);
  });

  it('catches a table that breaks them (made and rolled back in one transaction)', async () => {
    const runner = dataSourceOf(t).createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(`CREATE TABLE citus_probe (id integer PRIMARY KEY, account_id bigint REFERENCES accounts(id), lead_id bigint, code text UNIQUE)`);
      await runner.query(`CREATE TABLE citus_probe_orphan (id bigint PRIMARY KEY)`);
      await runner.query(`CREATE TABLE citus_probe_child (account_id bigint NOT NULL, id bigint, PRIMARY KEY (account_id, id), lead_id bigint, FOREIGN KEY (account_id, lead_id) REFERENCES leads (id, account_id))`);
      const problems = await citusViolations({ query: (sql: string, params?: unknown[]) => runner.query(sql, params) }, undistributedTables());
      expect(problems.sort()).toEqual(
        [
          'citus_probe: account_id is nullable',
          'citus_probe: primary key citus_probe_pkey does not include account_id',
          'citus_probe: unique index citus_probe_code_key does not include account_id',
          'citus_probe.id: integer, not bigint',
          'citus_probe_orphan: no account_id, and docs/scale-out.md does not list it as a reference or local table',
          'citus_probe_child: foreign key citus_probe_child_account_id_lead_id_fkey does not match account_id to leads.account_id',
        ].sort(),
      );
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
