// Duplicates (API.md section 11): every lead keeps its match keys, the email trimmed and lower-cased and the
// phone in E.164 as libphonenumber-js parses it for the account's default country (a number that does not
// parse: its digits alone), computed by the server on create and PATCH (src/leads/match-keys.ts). Two partial
// indexes over the live (unarchived) leads of an account make a match an index probe. `merged_into_id` is set
// on a lead archived by POST /leads/{id}/merge (composite foreign key: a lead merges only into its own account's).
//
// Backfill, best effort: the email key exactly as the server computes it (lower/btrim); the phone key without
// libphonenumber (SQL has none): a number written with a leading `+` becomes `+` and its digits (what E.164 is
// for a well-formed international number), any other its digits alone. A national number of an existing lead
// (say `(415) 555-0100`) is therefore keyed `4155550100`, where a new lead gets `+14155550100`: it matches
// again once its phone is PATCHed (any change recomputes the key).
/** @typedef {import('typeorm').QueryRunner} QueryRunner */

module.exports = class LeadMatchKeys1764270300000 {
  name = 'LeadMatchKeys1764270300000';

  /** @param {QueryRunner} q */
  async up(q) {
    await q.query(`
      ALTER TABLE leads
        ADD COLUMN email_key varchar(255),
        ADD COLUMN phone_key varchar(255),
        ADD COLUMN merged_into_id bigint,
        ADD CONSTRAINT leads_account_id_merged_into_id_fkey FOREIGN KEY (account_id, merged_into_id) REFERENCES leads (account_id, id)`);
    await q.query(`
      UPDATE leads SET
        email_key = NULLIF(lower(btrim(email)), ''),
        phone_key = CASE
          WHEN regexp_replace(phone, '[^0-9]', '', 'g') = '' THEN NULL
          WHEN btrim(phone) LIKE '+%' THEN '+' || regexp_replace(phone, '[^0-9]', '', 'g')
          ELSE regexp_replace(phone, '[^0-9]', '', 'g') END
      WHERE email IS NOT NULL OR phone IS NOT NULL`);
    await q.query(`CREATE INDEX leads_account_email_key_idx ON leads (account_id, email_key, created_at DESC, id DESC) WHERE email_key IS NOT NULL AND NOT archived`);
    await q.query(`CREATE INDEX leads_account_phone_key_idx ON leads (account_id, phone_key, created_at DESC, id DESC) WHERE phone_key IS NOT NULL AND NOT archived`);
  }

  /** @param {QueryRunner} q */
  async down(q) {
    await q.query(`DROP INDEX leads_account_phone_key_idx`);
    await q.query(`DROP INDEX leads_account_email_key_idx`);
    await q.query(`ALTER TABLE leads DROP CONSTRAINT leads_account_id_merged_into_id_fkey, DROP COLUMN merged_into_id, DROP COLUMN phone_key, DROP COLUMN email_key`);
  }
};
