// Account settings of part two (API.md sections 9 and 11): the account's time zone (IANA name; members without
// their own zone use it, and API-key usage days are counted in it), its default country (ISO 3166 alpha-2; phone
// numbers without a country code are parsed for it) and its duplicate policy for new leads.
/** @typedef {import('typeorm').QueryRunner} QueryRunner */

module.exports = class AccountSettings1764270000000 {
  name = 'AccountSettings1764270000000';

  /** @param {QueryRunner} q */
  async up(q) {
    await q.query(`
      ALTER TABLE accounts
        ADD COLUMN time_zone varchar(64) NOT NULL DEFAULT 'UTC',
        ADD COLUMN default_country char(2) NOT NULL DEFAULT 'US',
        ADD COLUMN duplicate_policy varchar(16) NOT NULL DEFAULT 'allow',
        ADD CONSTRAINT accounts_default_country_check CHECK (default_country ~ '^[A-Z]{2}$'),
        ADD CONSTRAINT accounts_duplicate_policy_check CHECK (duplicate_policy IN ('allow', 'reject', 'assign_to_owner'))`);
  }

  /** @param {QueryRunner} q */
  async down(q) {
    await q.query(`ALTER TABLE accounts DROP COLUMN duplicate_policy, DROP COLUMN default_country, DROP COLUMN time_zone`);
  }
};
