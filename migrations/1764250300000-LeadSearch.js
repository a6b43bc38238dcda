// GET /leads: one keyset index per filter, each led by account_id and ending in the list's order
// (created_at DESC, id DESC), so a page is a short index range walk wherever it starts; and a trigram index
// for `q`, the case-insensitive substring search over first name, last name, email, company and phone.
//
// The search expression below is repeated, character for character, in src/leads/lead-list.sql.ts (the
// planner only uses an expression index for the very same expression); test/leads-explain.e2e-spec.ts
// proves the two agree. The trigram index is the one index not led by account_id: a GIN index cannot lead
// with a plain column without the btree_gin extension; the planner ANDs its bitmap with an account_id index.
/** @typedef {import('typeorm').QueryRunner} QueryRunner */

/** The five searchable fields, lower-cased, joined by U+001F (which `q` may not contain, so no match spans two fields). */
const SEARCH_TEXT = `lower(coalesce(first_name, '') || E'\\x1f' || coalesce(last_name, '') || E'\\x1f' || coalesce(email, '')
  || E'\\x1f' || coalesce(company, '') || E'\\x1f' || coalesce(phone, ''))`;

const KEYSET_INDEXES = [
  // archived = false is in every list that does not say otherwise
  ['leads_account_archived_created_idx', 'archived'],
  ['leads_account_team_created_idx', 'team_id'],
  ['leads_account_source_created_idx', 'lead_source_id'],
  ['leads_account_assignee_created_idx', 'assigned_to'],
  ['leads_account_stage_created_idx', 'process_stage'],
  ['leads_account_creator_created_idx', 'created_by'],
];

module.exports = class LeadSearch1764250300000 {
  name = 'LeadSearch1764250300000';

  /** @param {QueryRunner} q */
  async up(q) {
    // PGlite loads only the extensions registered when it starts: pg_trgm is (src/database/pglite.ts).
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    for (const [name, column] of KEYSET_INDEXES) {
      await q.query(`CREATE INDEX ${name} ON leads (account_id, ${column}, created_at DESC, id DESC)`);
    }
    await q.query(`CREATE INDEX leads_search_trgm_idx ON leads USING gin ((${SEARCH_TEXT}) gin_trgm_ops)`);
  }

  /** @param {QueryRunner} q */
  async down(q) {
    await q.query(`DROP INDEX leads_search_trgm_idx`);
    for (const [name] of [...KEYSET_INDEXES].reverse()) await q.query(`DROP INDEX ${name}`);
    // pg_trgm stays: another schema object may have come to use it since.
  }
};
