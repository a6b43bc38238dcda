// The (account_id, id) unique constraints that CitusReadyKeys (1764279000000) left beside the new primary keys
// of the same columns: two identical indexes, each maintained on every insert (a lead paid for both). The
// foreign keys that referenced them are made again, unchanged, on the primary keys. Citus-ready as before:
// every key still carries account_id.
/** @typedef {import('typeorm').QueryRunner} QueryRunner */

const TABLES = ['teams', 'lead_sources', 'rotations', 'leads'];

/** The foreign keys that rest on the index `index` (their definitions, to make them again). */
async function foreignKeysOn(q, index) {
  return q.query(
    `SELECT conrelid::regclass::text AS "table", conname AS name, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE contype = 'f' AND conindid = $1::regclass ORDER BY conname`,
    [index],
  );
}

/** Moves the foreign keys resting on `from` to whichever unique index PostgreSQL finds once `change` ran. */
async function repoint(q, from, change) {
  const keys = await foreignKeysOn(q, from);
  for (const k of keys) await q.query(`ALTER TABLE ${k.table} DROP CONSTRAINT ${k.name}`);
  await change();
  for (const k of keys) await q.query(`ALTER TABLE ${k.table} ADD CONSTRAINT ${k.name} ${k.definition}`);
}

module.exports = class DropRedundantIdKeys1764279300000 {
  name = 'DropRedundantIdKeys1764279300000';

  /** @param {QueryRunner} q */
  async up(q) {
    for (const table of TABLES) {
      await repoint(q, `${table}_account_id_id_key`, () => q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_account_id_id_key`));
    }
  }

  /** @param {QueryRunner} q */
  async down(q) {
    for (const table of TABLES) {
      await repoint(q, `${table}_pkey`, () => q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_account_id_id_key UNIQUE (account_id, id)`));
    }
  }
};
