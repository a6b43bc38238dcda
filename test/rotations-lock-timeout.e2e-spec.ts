import { Client as PgClient } from 'pg';
import { loadConfig } from '../src/config/config.module';
import { leadDeskConfig } from '../src/lead-desk.options';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { countAuditEntries, countLeads, createRotation, createTeam, dataSourceOf, MINIMAL_LEAD } from './support/leads';
import { RUN_DATABASE_ENV, usingRealPostgres } from './support/test-database';

const describeOnPostgres = usingRealPostgres() ? describe : describe.skip;
if (!usingRealPostgres()) console.log('rotations-lock-timeout: skipped (needs PostgreSQL: a second connection holds the rotation row lock)');

const LOCK_TIMEOUT_MS = 400;

/**
 * A rotation whose row another transaction holds (another process's lead, a stuck client): a lead waits at most
 * ROTATION_LOCK_TIMEOUT_MS for it, then gets 503 with Retry-After and nothing is written; once the lock goes,
 * leads are served again. Every path that takes a turn is checked: the one-statement insert (plan known), the
 * checked transaction (first lead of the team), and a request with an Idempotency-Key.
 */
describeOnPostgres('a busy rotation: a bounded wait for its row lock', () => {
  let t: TestApp;
  let holder: PgClient;
  beforeAll(async () => {
    t = await startTestApp({ ROTATION_LOCK_TIMEOUT_MS: String(LOCK_TIMEOUT_MS) });
    holder = new PgClient({ connectionString: process.env[RUN_DATABASE_ENV] });
    await holder.connect();
  });
  afterAll(async () => {
    await holder.end();
    await t.close();
  });

  async function teamWithRotation(account: TestAccount) {
    const agent = await account.member('agent');
    const teamId = await createTeam(account.owner.api);
    const rotationId = await createRotation(account.owner.api, [agent.email], teamId);
    return { teamId, rotationId };
  }
  const position = async (rotationId: number) =>
    Number((await dataSourceOf(t).query('SELECT position FROM rotations WHERE id = $1', [rotationId]))[0].position);

  it.each([
    ['the one-statement insert (plan known from an earlier lead)', true, {}],
    ['the checked transaction (first lead of the team)', false, {}],
    ['a request with an Idempotency-Key', true, { 'idempotency-key': 'busy-rotation-1' }],
  ])('%s: 503 with Retry-After after the lock timeout, nothing written; served once the lock is released', async (_path, warm, headers) => {
    const account = await createAccount(t);
    const { teamId, rotationId } = await teamWithRotation(account);
    if (warm) expect((await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId })).status).toBe(201);
    const leadsBefore = await countLeads(t, account.id);
    const positionBefore = await position(rotationId);

    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM rotations WHERE id = $1 FOR UPDATE', [rotationId]);
    try {
      const started = Date.now();
      const busy = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId }, headers);
      const waited = Date.now() - started;
      expect(busy.status).toBe(503);
      expect(busy.headers['retry-after']).toBe('1');
      expect(busy.body).toEqual({ error: expect.stringMatching(/rotation is busy/) });
      expect(waited).toBeGreaterThanOrEqual(LOCK_TIMEOUT_MS - 50);
      expect(waited).toBeLessThan(LOCK_TIMEOUT_MS + 2500);
    } finally {
      await holder.query('ROLLBACK');
    }
    expect(await countLeads(t, account.id)).toBe(leadsBefore);
    expect(await countAuditEntries(t, account.id, 'lead_created')).toBe(leadsBefore);
    expect(await position(rotationId)).toBe(positionBefore);

    const served = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId }, headers);
    expect(served.status).toBe(201);
    expect(await position(rotationId)).toBe(positionBefore + 1);
  });

  it('leads that queue behind a held rotation in one process (a batch) all get 503 and none is written twice', async () => {
    const account = await createAccount(t);
    const { teamId, rotationId } = await teamWithRotation(account);
    expect((await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId })).status).toBe(201);
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM rotations WHERE id = $1 FOR UPDATE', [rotationId]);
    let answers;
    try {
      answers = await Promise.all(Array.from({ length: 6 }, () => account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId })));
    } finally {
      await holder.query('ROLLBACK');
    }
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(503));
    expect(answers.every((a) => a.headers['retry-after'] === '1')).toBe(true);
    expect(await countLeads(t, account.id)).toBe(1);
    expect(await position(rotationId)).toBe(1);
  });

});

describe('the rotation lock timeout setting', () => {
  it.each(['0', '60001', 'abc'])('ROTATION_LOCK_TIMEOUT_MS=%s stops the boot, naming the variable', (value) => {
    expect(() => loadConfig({ ROTATION_LOCK_TIMEOUT_MS: value })).toThrow(/ROTATION_LOCK_TIMEOUT_MS/);
  });

  it('defaults to 3 s; a host sets it as rotationLockTimeoutMs (validated the same way)', () => {
    expect(loadConfig({ ROTATION_LOCK_TIMEOUT_MS: undefined }).rotations.lockTimeoutMs).toBe(3000);
    const jwt = { secret: 'host-secret-0123456789' };
    expect(leadDeskConfig({ jwt, rotationLockTimeoutMs: 250 }).rotations.lockTimeoutMs).toBe(250);
    expect(() => leadDeskConfig({ jwt, rotationLockTimeoutMs: 0 })).toThrow(/rotationLockTimeoutMs: an integer from 1 to 60000/);
  });
});
