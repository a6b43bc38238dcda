// Lighter webhook deliveries (issue 18: POST /leads with a subscribed endpoint). Every lead writes two deliveries in
// its statement, and each of their foreign keys was a check per row that also locks the row it references:
// - webhook_deliveries_endpoint_fkey locked the account's endpoint row FOR KEY SHARE from every concurrent lead
//   insert of that account: one row shared by all of them, a new MultiXact per overlapping insert. Its cascade is
//   now the endpoint deletion's own statement (DELETE_ENDPOINT_DELIVERIES), and a delivery an insert fanned out to
//   an endpoint deleted meanwhile is dropped by the worker that claims it (CLAIM answers it without endpoint).
// - webhook_deliveries_event_fkey locked the event the same statement had just inserted (a lock record per row);
//   a delivery is only ever written from its event's row (outbox fan-out, test, replay) and events are never deleted.
// - webhook_deliveries_account_id_fkey: the account is the event's (events_account_id_fkey) and the endpoint's.
// Citus-ready (API.md 14): fewer foreign keys only; every key keeps account_id.
/** @typedef {import('typeorm').QueryRunner} QueryRunner */

module.exports = class LighterWebhookDeliveries1764279200000 {
  name = 'LighterWebhookDeliveries1764279200000';

  /** @param {QueryRunner} q */
  async up(q) {
    await q.query(`ALTER TABLE webhook_deliveries
      DROP CONSTRAINT webhook_deliveries_endpoint_fkey,
      DROP CONSTRAINT webhook_deliveries_event_fkey,
      DROP CONSTRAINT webhook_deliveries_account_id_fkey`);
  }

  /** @param {QueryRunner} q */
  async down(q) {
    await q.query(`DELETE FROM webhook_deliveries d WHERE NOT EXISTS (SELECT FROM webhook_endpoints w WHERE w.account_id = d.account_id AND w.id = d.endpoint_id)`);
    await q.query(`ALTER TABLE webhook_deliveries
      ADD CONSTRAINT webhook_deliveries_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id),
      ADD CONSTRAINT webhook_deliveries_endpoint_fkey FOREIGN KEY (account_id, endpoint_id) REFERENCES webhook_endpoints (account_id, id) ON DELETE CASCADE,
      ADD CONSTRAINT webhook_deliveries_event_fkey FOREIGN KEY (account_id, event_id) REFERENCES events (account_id, id) ON DELETE CASCADE`);
  }
};
