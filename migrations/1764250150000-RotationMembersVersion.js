// A rotation's members_version counts the changes of its member list. The assignment engine reads the
// members before it takes the rotation's row lock (to hold the lock briefly); the version returned by its
// atomic position update tells it whether the members changed in between, so a turn is never computed
// from a member list other than the one its slot belongs to.
/** @typedef {import('typeorm').MigrationInterface} MigrationInterface */
/** @typedef {import('typeorm').QueryRunner} QueryRunner */

/** @implements {MigrationInterface} */
module.exports = class RotationMembersVersion1764250150000 {
  name = 'RotationMembersVersion1764250150000';

  /** @param {QueryRunner} q */
  async up(q) {
    await q.query(`ALTER TABLE rotations ADD COLUMN members_version integer NOT NULL DEFAULT 0`);
  }

  /** @param {QueryRunner} q */
  async down(q) {
    await q.query(`ALTER TABLE rotations DROP COLUMN members_version`);
  }
};
