// Citus-ready keys (API.md section 14, docs/scale-out.md): every table distributed by account_id has it in its
// primary key (as it already is in every unique constraint and foreign key), and ids are bigint. The
// (account_id, id) unique constraints stay: foreign keys of other tables reference them. audit_log's
// (account_id, id) index is the primary key's now. Runs after every other migration of part two, so tables
// they add are checked by test/citus-ready-schema.e2e-spec.ts as they are.
/** @typedef {import('typeorm').QueryRunner} QueryRunner */

const PRIMARY_KEYS = ['teams', 'lead_sources', 'rotations', 'leads', 'audit_log'];

module.exports = class CitusReadyKeys1764279000000 {
  name = 'CitusReadyKeys1764279000000';

  /** @param {QueryRunner} q */
  async up(q) {
    for (const table of PRIMARY_KEYS) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey, ADD CONSTRAINT ${table}_pkey PRIMARY KEY (account_id, id)`);
    }
    await q.query(`DROP INDEX audit_log_account_idx`);
    // integer ids and the columns that reference them: bigint (an identity's sequence follows its column's type)
    await q.query(`ALTER TABLE teams ALTER COLUMN id TYPE bigint`);
    await q.query(`ALTER TABLE lead_sources ALTER COLUMN id TYPE bigint, ALTER COLUMN team_id TYPE bigint`);
    await q.query(`ALTER TABLE rotations ALTER COLUMN id TYPE bigint, ALTER COLUMN team_id TYPE bigint`);
    await q.query(`ALTER TABLE rotation_members ALTER COLUMN rotation_id TYPE bigint`);
    await q.query(`ALTER TABLE leads ALTER COLUMN id TYPE bigint, ALTER COLUMN team_id TYPE bigint, ALTER COLUMN lead_source_id TYPE bigint`);
  }

  /** @param {QueryRunner} q */
  async down(q) {
    await q.query(`ALTER TABLE leads ALTER COLUMN id TYPE integer, ALTER COLUMN team_id TYPE integer, ALTER COLUMN lead_source_id TYPE integer`);
    await q.query(`ALTER TABLE rotation_members ALTER COLUMN rotation_id TYPE integer`);
    await q.query(`ALTER TABLE rotations ALTER COLUMN id TYPE integer, ALTER COLUMN team_id TYPE integer`);
    await q.query(`ALTER TABLE lead_sources ALTER COLUMN id TYPE integer, ALTER COLUMN team_id TYPE integer`);
    await q.query(`ALTER TABLE teams ALTER COLUMN id TYPE integer`);
    await q.query(`CREATE INDEX audit_log_account_idx ON audit_log (account_id, id DESC)`);
    for (const table of PRIMARY_KEYS) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey, ADD CONSTRAINT ${table}_pkey PRIMARY KEY (id)`);
    }
  }
};
