// Duplicates under `reject` (API.md section 11), exact under concurrency without work at COMMIT: a lead created
// under `reject` fences its match keys. Two flags (`email_fenced`, `phone_fenced`) say so, and a unique partial
// index per key over the fenced live leads of an account lets no two of them share the key. Of two concurrent
// creates of one email under `reject`, the second's insert waits on the index for the first's transaction and,
// once it commits, fails with a unique violation (23505) of `leads_email_fence_key`: its statement wrote
// nothing, and the request takes the checked path, which sees the first lead and answers 409. A lead created
// any other way fences nothing (flags false: outside the indexes), so `allow` pays only the predicate.
//
// The flags hold only at create: duplicates are judged when a lead is created, never when it changes. A PATCH
// (or a merge) that changes a key clears that key's flag, and any change of an archived lead (unarchive) clears
// both, so no change of a lead ever meets the indexes (src/leads/leads.queries.ts, UPDATE_LEAD and SET_ARCHIVED).
//
// Replaces the deferred constraint trigger `leads_reject_duplicates` (migration 1764270300001), which re-checked
// each lead at COMMIT under the keys' advisory locks while a batch's rotation row lock was still held.
// Citus-ready: each unique index starts with account_id.
/** @typedef {import('typeorm').QueryRunner} QueryRunner */

const LeadRejectDuplicates = require('./1764270300001-LeadRejectDuplicates.js');

module.exports = class LeadRejectFence1764279100000 {
  name = 'LeadRejectFence1764279100000';

  /** @param {QueryRunner} q */
  async up(q) {
    await q.query(`DROP TRIGGER leads_reject_duplicates ON leads`);
    await q.query(`DROP FUNCTION leads_reject_duplicates()`);
    await q.query(`ALTER TABLE leads ADD COLUMN email_fenced boolean NOT NULL DEFAULT false, ADD COLUMN phone_fenced boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE UNIQUE INDEX leads_email_fence_key ON leads (account_id, email_key) WHERE email_fenced AND NOT archived AND email_key IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX leads_phone_fence_key ON leads (account_id, phone_key) WHERE phone_fenced AND NOT archived AND phone_key IS NOT NULL`);
  }

  /** @param {QueryRunner} q */
  async down(q) {
    await q.query(`DROP INDEX leads_phone_fence_key`);
    await q.query(`DROP INDEX leads_email_fence_key`);
    await q.query(`ALTER TABLE leads DROP COLUMN phone_fenced, DROP COLUMN email_fenced`);
    // the trigger and its function exactly as migration 1764270300001 made them
    await new LeadRejectDuplicates().up(q);
  }
};
