// Audit entries record the request id of the request that made them (API.md section 12).
/** @typedef {import('typeorm').QueryRunner} QueryRunner */

module.exports = class AuditRequestId1764260000000 {
  name = 'AuditRequestId1764260000000';

  /** @param {QueryRunner} q */
  async up(q) {
    await q.query(`ALTER TABLE audit_log ADD COLUMN request_id varchar(128)`);
  }

  /** @param {QueryRunner} q */
  async down(q) {
    await q.query(`ALTER TABLE audit_log DROP COLUMN request_id`);
  }
};
