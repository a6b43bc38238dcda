// Duplicates under `reject` (API.md section 11) in POST /leads's one statement: the statement inserts a lead only
// when no live lead it can see has the same match key, and marks its transaction (`leaddesk.reject_duplicates`,
// transaction-local). A lead inserted so queues this deferred constraint trigger, which runs at COMMIT: it
// takes the match keys' advisory locks (the very locks the checked path takes, src/leads/duplicates.queries.ts)
// and only then looks for another live lead with the same key. Each query of a PL/pgSQL function sees what
// committed before it began, so of two concurrent creates of one email the second to lock sees the first
// (committed, as the lock was held until then) and fails with SQLSTATE LDDUP: its statement is rolled back and
// the server answers it through the checked path, which gives the 409 with the duplicates. Leads inserted
// without the mark (every other path) queue nothing: the WHEN condition is false.
/** @typedef {import('typeorm').QueryRunner} QueryRunner */

module.exports = class LeadRejectDuplicates1764270300001 {
  name = 'LeadRejectDuplicates1764270300001';

  /** @param {QueryRunner} q */
  async up(q) {
    await q.query(`
      CREATE FUNCTION leads_reject_duplicates() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.email_key IS NOT NULL THEN
          PERFORM pg_advisory_xact_lock(hashtextextended(NEW.account_id || ':email:' || NEW.email_key, 0));
        END IF;
        IF NEW.phone_key IS NOT NULL THEN
          PERFORM pg_advisory_xact_lock(hashtextextended(NEW.account_id || ':phone:' || NEW.phone_key, 0));
        END IF;
        IF EXISTS (SELECT 1 FROM leads WHERE account_id = NEW.account_id AND email_key = NEW.email_key AND NOT archived AND id <> NEW.id)
           OR EXISTS (SELECT 1 FROM leads WHERE account_id = NEW.account_id AND phone_key = NEW.phone_key AND NOT archived AND id <> NEW.id) THEN
          RAISE EXCEPTION 'a lead with the same email or phone already exists' USING ERRCODE = 'LDDUP';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER leads_reject_duplicates AFTER INSERT ON leads DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (current_setting('leaddesk.reject_duplicates', true) = 'on' AND NOT NEW.archived)
        EXECUTE FUNCTION leads_reject_duplicates()`);
  }

  /** @param {QueryRunner} q */
  async down(q) {
    await q.query(`DROP TRIGGER leads_reject_duplicates ON leads`);
    await q.query(`DROP FUNCTION leads_reject_duplicates()`);
  }
};
