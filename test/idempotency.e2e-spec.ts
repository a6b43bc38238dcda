import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { Client } from './support/http';
import { countAuditEntries, countLeads, createRotation, dataSourceOf, MINIMAL_LEAD } from './support/leads';
import { usingRealPostgres } from './support/test-database';

interface Raw {
  status: number;
  payload: string;
  replayed: boolean;
}

describe('POST /leads with Idempotency-Key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const newKey = () => `key-${randomBytes(6).toString('hex')}`;

  /** The answer exactly as sent (status, raw body text, whether it is a replay). */
  async function post(app: TestApp, account: TestAccount, key: string | undefined, payload: string, query = ''): Promise<Raw> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${account.owner.token}`,
      'x-account-id': account.id,
      'content-type': 'application/json',
    };
    if (key !== undefined) headers['idempotency-key'] = key;
    const res = await app.app.inject({ method: 'POST', url: `/leads${query}`, headers, payload });
    return { status: res.statusCode, payload: res.body, replayed: res.headers['idempotent-replayed'] === 'true' };
  }

  async function position(rotationId: number): Promise<string> {
    const [row] = await dataSourceOf(t).query('SELECT position::text AS p FROM rotations WHERE id = $1', [rotationId]);
    return row.p;
  }

  it('the same key and request return the first answer again, byte for byte, and create nothing', async () => {
    const account = await createAccount(t);
    const agent = await account.member('agent');
    const rotationId = await createRotation(account.owner.api, [agent.email, account.owner.email]);
    const key = newKey();
    const first = await post(t, account, key, JSON.stringify({ firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical' }));
    expect(first.status).toBe(201);
    expect(first.replayed).toBe(false);
    // The same JSON value: other key order, other spacing.
    const again = await post(t, account, key, '{ "company" : "Analytical",\n "lastName": "Lovelace", "firstName": "Ada" }');
    expect(again).toEqual({ status: 201, payload: first.payload, replayed: true });
    expect(JSON.parse(again.payload).assignedTo).toBe(agent.email);
    expect(await countLeads(t, account.id)).toBe(1);
    expect(await countAuditEntries(t, account.id, 'lead_created')).toBe(1);
    expect(await position(rotationId)).toBe('1');
  });

  it('the same key with a different request (body or query) is 409 and creates nothing', async () => {
    const account = await createAccount(t);
    const key = newKey();
    expect((await post(t, account, key, JSON.stringify(MINIMAL_LEAD))).status).toBe(201);
    for (const [payload, query] of [
      [JSON.stringify({ ...MINIMAL_LEAD, company: 'Other' }), ''],
      [JSON.stringify({ ...MINIMAL_LEAD, notes: null }), ''],
      [JSON.stringify(MINIMAL_LEAD), '?skipTeamAndSourceRequirement=true'],
    ]) {
      const res = await post(t, account, key, payload, query);
      expect({ payload, query, status: res.status }).toEqual({ payload, query, status: 409 });
      expect(JSON.parse(res.payload)).toEqual({ error: 'Idempotency-Key was already used with a different request; use a new key for a new request' });
    }
    expect(await countLeads(t, account.id)).toBe(1);
  });

  it('keys belong to an account: the same key elsewhere is a new request', async () => {
    const a = await createAccount(t);
    const b = await createAccount(t);
    const key = newKey();
    const inA = await post(t, a, key, JSON.stringify(MINIMAL_LEAD));
    const inB = await post(t, b, key, JSON.stringify({ ...MINIMAL_LEAD, company: 'B' }));
    expect([inA.status, inB.status, inB.replayed]).toEqual([201, 201, false]);
    expect(JSON.parse(inB.payload).accountId).toBe(b.id);
    expect([await countLeads(t, a.id), await countLeads(t, b.id)]).toEqual([1, 1]);
  });

  it('within an account the key is shared by its callers: another member sending the same request gets the replay', async () => {
    const account = await createAccount(t);
    const agent = await account.member('agent');
    const key = newKey();
    const first = await account.owner.api.post('/leads', MINIMAL_LEAD, { 'idempotency-key': key });
    const second = await agent.api.post('/leads', MINIMAL_LEAD, { 'idempotency-key': key });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(await countLeads(t, account.id)).toBe(1);
  });

  it('only 2xx answers are stored: after a 400 the same key may be retried, with the same or another request', async () => {
    const account = await createAccount(t);
    const later = `later-${randomBytes(4).toString('hex')}@example.com`;
    const key = newKey();
    const body = JSON.stringify({ ...MINIMAL_LEAD, assignedTo: later });
    const refused = await post(t, account, key, body);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.payload)).toEqual({ error: 'assignedTo must be an active member of the account' });
    expect((await post(t, account, key, JSON.stringify({ firstName: 1 }))).status).toBe(400); // validation: not stored either
    await account.owner.api.post('/members', { email: later, role: 'agent' });
    const retried = await post(t, account, key, body);
    expect(retried.status).toBe(201);
    expect(JSON.parse(retried.payload).assignedTo).toBe(later);
    expect((await post(t, account, key, body)).replayed).toBe(true);
    expect(await countLeads(t, account.id)).toBe(1);
  });

  it('a 403 is not stored either', async () => {
    const account = await createAccount(t);
    const agent = await account.member('agent');
    const key = newKey();
    expect((await agent.api.post('/leads', { ...MINIMAL_LEAD, archived: true }, { 'idempotency-key': key })).status).toBe(403);
    const manager = await account.member('manager');
    expect((await manager.api.post('/leads', { ...MINIMAL_LEAD, archived: true }, { 'idempotency-key': key })).status).toBe(201);
  });

  it('a key is 1 to 255 characters (else 400, nothing created)', async () => {
    const account = await createAccount(t);
    for (const key of ['', 'k'.repeat(256)]) {
      const res = await post(t, account, key, JSON.stringify(MINIMAL_LEAD));
      expect({ length: key.length, status: res.status }).toEqual({ length: key.length, status: 400 });
      expect(JSON.parse(res.payload)).toEqual({ error: 'Idempotency-Key must be 1 to 255 characters' });
    }
    expect(await countLeads(t, account.id)).toBe(0);
    const longest = `${newKey()}-${'k'.repeat(255)}`.slice(0, 255);
    expect((await post(t, account, longest, JSON.stringify(MINIMAL_LEAD))).status).toBe(201);
    expect((await post(t, account, longest, JSON.stringify(MINIMAL_LEAD))).replayed).toBe(true);
  });

  it('keys expire after 24 hours: then the same key is a new request', async () => {
    const account = await createAccount(t);
    const key = newKey();
    const first = await post(t, account, key, JSON.stringify(MINIMAL_LEAD));
    const age = async (interval: string) =>
      dataSourceOf(t).query(`UPDATE idempotency_keys SET created_at = now() - interval '${interval}' WHERE account_id = $1 AND key = $2`, [account.id, key]);
    await age('23 hours 59 minutes');
    expect((await post(t, account, key, JSON.stringify(MINIMAL_LEAD))).replayed).toBe(true);
    await age('24 hours 1 minute');
    const after = await post(t, account, key, JSON.stringify(MINIMAL_LEAD));
    expect(after.status).toBe(201);
    expect(after.replayed).toBe(false);
    expect(JSON.parse(after.payload).id).not.toBe(JSON.parse(first.payload).id);
    // The key now remembers the new answer; an expired row is purged or replaced, never replayed.
    expect((await post(t, account, key, JSON.stringify({ ...MINIMAL_LEAD, company: 'x' }))).status).toBe(409);
    expect(await countLeads(t, account.id)).toBe(2);
    const [{ n }] = await dataSourceOf(t).query('SELECT count(*)::int AS n FROM idempotency_keys WHERE account_id = $1', [account.id]);
    expect(n).toBe(1);
  });

  it('purges the account’s expired keys as new ones are stored', async () => {
    const account = await createAccount(t);
    const old = [newKey(), newKey(), newKey()];
    for (const k of old) await post(t, account, k, JSON.stringify(MINIMAL_LEAD));
    await dataSourceOf(t).query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE account_id = $1`, [account.id]);
    await post(t, account, newKey(), JSON.stringify(MINIMAL_LEAD));
    const rows = await dataSourceOf(t).query('SELECT key FROM idempotency_keys WHERE account_id = $1', [account.id]);
    expect(rows).toHaveLength(1);
    expect(old).not.toContain(rows[0].key);
  });

  it('without a key, every request creates a lead', async () => {
    const account = await createAccount(t);
    await post(t, account, undefined, JSON.stringify(MINIMAL_LEAD));
    await post(t, account, undefined, JSON.stringify(MINIMAL_LEAD));
    expect(await countLeads(t, account.id)).toBe(2);
  });

  const realPostgres = usingRealPostgres() ? it : it.skip;
  if (!usingRealPostgres()) console.warn('Skipping the concurrent Idempotency-Key tests: they need a PostgreSQL server (several connections).');

  realPostgres('20 concurrent requests with one key create one lead and take one rotation turn; all get the same answer', async () => {
    const account = await createAccount(t);
    const agent = await account.member('agent');
    const rotationId = await createRotation(account.owner.api, [agent.email, account.owner.email]);
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(t, account, key, JSON.stringify(MINIMAL_LEAD))));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.payload)).size).toBe(1);
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    expect(await countLeads(t, account.id)).toBe(1);
    expect(await countAuditEntries(t, account.id, 'lead_created')).toBe(1);
    expect(await position(rotationId)).toBe('1');
    expect(JSON.parse(answers[0].payload).assignedTo).toBe(agent.email);
    // The rotation's next turn is the second member's.
    expect((await account.owner.api.post('/leads', MINIMAL_LEAD)).body.assignedTo).toBe(account.owner.email);
  });

  realPostgres('concurrent requests with one key and different bodies: one lead; the others replay it or get 409', async () => {
    const account = await createAccount(t);
    const key = newKey();
    const bodies = Array.from({ length: 10 }, (_, i) => JSON.stringify({ ...MINIMAL_LEAD, company: i % 2 === 0 ? 'Even' : 'Odd' }));
    const answers = await Promise.all(bodies.map((b) => post(t, account, key, b)));
    const created = answers.find((a) => a.status === 201 && !a.replayed)!;
    const winner = JSON.parse(created.payload).company;
    answers.forEach((a, i) => {
      const sameBody = JSON.parse(bodies[i]).company === winner;
      expect({ i, status: a.status }).toEqual({ i, status: sameBody ? 201 : 409 });
      if (sameBody) expect(a.payload).toBe(created.payload);
    });
    expect(await countLeads(t, account.id)).toBe(1);
  });

  realPostgres('holds across server instances: the state is in PostgreSQL', async () => {
    const account = await createAccount(t);
    const other = await startTestApp();
    try {
      const key = newKey();
      const [a, b] = await Promise.all([post(t, account, key, JSON.stringify(MINIMAL_LEAD)), post(other, account, key, JSON.stringify(MINIMAL_LEAD))]);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.payload).toBe(b.payload);
      expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
      expect(await countLeads(t, account.id)).toBe(1);
      const viaOther = new Client(other.app, account.owner.token, account.id);
      expect((await viaOther.post('/leads', { ...MINIMAL_LEAD, company: 'changed' }, { 'idempotency-key': key })).status).toBe(409);
    } finally {
      await other.close();
    }
  });
});
