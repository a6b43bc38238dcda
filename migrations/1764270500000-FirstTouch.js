// First-touch timers (API.md section 10): a rotation's `firstTouchSeconds` (null = off) and `maxReassignments`;
// on a lead, its deadline (`first_touch_due_at`, null when no timer runs), when its assignee touched it, the
// rotation whose timer runs (reassignments go through it), how many times the timer reassigned it, and who held
// it before (never offered it again: `already_had_lead`). The partial index holds only leads with a running
// timer, ordered by deadline: the breach job reads the due ones from its start.
/** @typedef {import('typeorm').QueryRunner} QueryRunner */

module.exports = class FirstTouch1764270500000 {
  name = 'FirstTouch1764270500000';

  /** @param {QueryRunner} q */
  async up(q) {
    await q.query(`
      ALTER TABLE rotations
        ADD COLUMN first_touch_seconds integer,
        ADD COLUMN max_reassignments smallint NOT NULL DEFAULT 2,
        ADD CONSTRAINT rotations_first_touch_seconds_check CHECK (first_touch_seconds BETWEEN 30 AND 604800),
        ADD CONSTRAINT rotations_max_reassignments_check CHECK (max_reassignments BETWEEN 0 AND 10)`);
    await q.query(`
      ALTER TABLE leads
        ADD COLUMN first_touch_due_at timestamptz,
        ADD COLUMN first_touched_at timestamptz,
        ADD COLUMN first_touch_rotation_id bigint,
        ADD COLUMN first_touch_reassignments smallint NOT NULL DEFAULT 0,
        ADD COLUMN first_touch_holders text[] NOT NULL DEFAULT '{}'`);
    await q.query(`CREATE INDEX leads_first_touch_due_idx ON leads (first_touch_due_at) WHERE first_touch_due_at IS NOT NULL`);
  }

  /** @param {QueryRunner} q */
  async down(q) {
    await q.query(`DROP INDEX leads_first_touch_due_idx`);
    await q.query(`
      ALTER TABLE leads DROP COLUMN first_touch_holders, DROP COLUMN first_touch_reassignments, DROP COLUMN first_touch_rotation_id,
        DROP COLUMN first_touched_at, DROP COLUMN first_touch_due_at`);
    await q.query(`
      ALTER TABLE rotations DROP CONSTRAINT rotations_max_reassignments_check, DROP CONSTRAINT rotations_first_touch_seconds_check,
        DROP COLUMN max_reassignments, DROP COLUMN first_touch_seconds`);
  }
};
