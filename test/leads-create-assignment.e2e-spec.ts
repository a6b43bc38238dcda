import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount, type TestUser } from './support/builders';
import { countAuditEntries, countLeads, createLeadSource, createRotation, createTeam, dataSourceOf, MINIMAL_LEAD } from './support/leads';
import { usingRealPostgres } from './support/test-database';

describe('POST /leads: rotation assignment and atomicity', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function members(account: TestAccount, n: number): Promise<TestUser[]> {
    const out: TestUser[] = [];
    for (let i = 0; i < n; i++) out.push(await account.member('agent'));
    return out;
  }

  async function rotationState(rotationId: number): Promise<{ position: string }> {
    const [row] = await dataSourceOf(t).query('SELECT position::text AS position FROM rotations WHERE id = $1', [rotationId]);
    return row;
  }

  async function nextUser(account: TestAccount, rotationId: number): Promise<string | null> {
    const res = await account.owner.api.get(`/rotations/${rotationId}`);
    expect(res.status).toBe(200);
    return res.body.nextUser;
  }

  it("assigns through the team's rotation in member order, recording how in the lead_created entry", async () => {
    const account = await createAccount(t);
    const [a, b, c] = await members(account, 3);
    const teamId = await createTeam(account.owner.api);
    const rotationId = await createRotation(account.owner.api, [a.email, b.email, c.email], teamId);
    await createRotation(account.owner.api, [c.email]); // a default rotation exists but the team's serves
    const assigned: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId });
      expect(res.status).toBe(201);
      assigned.push(res.body.assignedTo);
      expect(res.body.auditLog[0].data.assignment).toMatchObject({ rotationId, user: res.body.assignedTo, skipped: [], fallbackFromTeamRotationId: null });
      expect(res.body.auditLog[0].data.assignedTo).toBe(res.body.assignedTo);
    }
    expect(assigned).toEqual([a.email, b.email, c.email, a.email]);
    expect(await nextUser(account, rotationId)).toBe(b.email);
  });

  it('uses the default rotation for a lead without a team, and for a team without a rotation', async () => {
    const account = await createAccount(t);
    const [d, e] = await members(account, 2);
    const defaultId = await createRotation(account.owner.api, [d.email, e.email]);
    const first = await account.owner.api.post('/leads', MINIMAL_LEAD);
    expect(first.body.assignedTo).toBe(d.email);
    expect(first.body.auditLog[0].data.assignment).toMatchObject({ rotationId: defaultId, user: d.email, skipped: [], fallbackFromTeamRotationId: null });
    const teamId = await createTeam(account.owner.api);
    const second = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId });
    expect(second.body.assignedTo).toBe(e.email);
    const third = await account.owner.api.post('/leads?skipTeamAndSourceRequirement=true', MINIMAL_LEAD);
    expect(third.body.assignedTo).toBe(d.email);
  });

  it("falls back to the default rotation when the team's rotation has no active member left, saying so", async () => {
    const account = await createAccount(t);
    const [gone, off, d] = await members(account, 3);
    const teamId = await createTeam(account.owner.api);
    const teamRotation = await createRotation(account.owner.api, [off.email, gone.email], teamId);
    const defaultId = await createRotation(account.owner.api, [d.email]);
    await account.owner.api.patch(`/members/${off.email}`, { active: false });
    await account.owner.api.delete(`/members/${gone.email}`);
    const res = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId });
    expect(res.status).toBe(201);
    expect(res.body.assignedTo).toBe(d.email);
    expect(res.body.auditLog[0].data.assignment).toMatchObject({
      rotationId: defaultId,
      user: d.email,
      skipped: [
        { user: off.email, reason: 'inactive' },
        { user: gone.email, reason: 'not_a_member' },
      ],
      fallbackFromTeamRotationId: teamRotation,
    });
    expect((await rotationState(teamRotation)).position).toBe('0');
  });

  it('skips members who are no longer active, and records them', async () => {
    const account = await createAccount(t);
    const [a, x, b] = await members(account, 3);
    const rotationId = await createRotation(account.owner.api, [a.email, x.email, b.email]);
    await account.owner.api.patch(`/members/${x.email}`, { active: false });
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await account.owner.api.post('/leads', MINIMAL_LEAD);
      got.push(res.body.assignedTo);
      expect(res.body.auditLog[0].data.assignment).toMatchObject({ rotationId, user: res.body.assignedTo, skipped: [{ user: x.email, reason: 'inactive' }], fallbackFromTeamRotationId: null });
    }
    expect(got).toEqual([a.email, b.email, a.email]);
  });

  it('a lead created with assignedTo does not move the rotation, and records no assignment', async () => {
    const account = await createAccount(t);
    const [a, b] = await members(account, 2);
    const teamId = await createTeam(account.owner.api);
    const sourceId = await createLeadSource(account.owner.api, teamId);
    const teamRotation = await createRotation(account.owner.api, [a.email, b.email], teamId);
    const defaultRotation = await createRotation(account.owner.api, [b.email, a.email]);
    const before = [await rotationState(teamRotation), await rotationState(defaultRotation)];
    for (const body of [{ teamId, leadSourceId: sourceId, assignedTo: b.email }, { teamId, leadSourceId: sourceId, assignedTo: a.email }]) {
      const res = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, ...body });
      expect(res.status).toBe(201);
      expect(res.body.assignedTo).toBe(body.assignedTo);
      expect(res.body.auditLog[0].data).not.toHaveProperty('assignment');
    }
    const res = await account.owner.api.post('/leads?skipTeamAndSourceRequirement=true', { ...MINIMAL_LEAD, assignedTo: a.email });
    expect(res.body.assignedTo).toBe(a.email);
    expect([await rotationState(teamRotation), await rotationState(defaultRotation)]).toEqual(before);
    expect(await nextUser(account, teamRotation)).toBe(a.email);
    // The next lead without assignedTo takes the rotation's first turn.
    expect((await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId, leadSourceId: sourceId })).body.assignedTo).toBe(a.email);
  });

  it('leaves the lead unassigned when no rotation serves', async () => {
    const account = await createAccount(t);
    const res = await account.owner.api.post('/leads', MINIMAL_LEAD);
    expect(res.body.assignedTo).toBeNull();
    expect(res.body.auditLog[0].data).not.toHaveProperty('assignment');
  });

  it('a rule failing after a rotation exists takes no turn', async () => {
    const account = await createAccount(t);
    const [a, b] = await members(account, 2);
    const teamId = await createTeam(account.owner.api);
    await createLeadSource(account.owner.api, teamId);
    const rotationId = await createRotation(account.owner.api, [a.email, b.email], teamId);
    expect((await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId })).status).toBe(400); // rule 3
    expect((await rotationState(rotationId)).position).toBe('0');
  });

  /**
   * Makes every statement that writes a row with `lastName = marker` into `table` fail, by a trigger the test
   * creates and drops: a failure inside the transaction, after the lead insert, with no test code in the app.
   */
  async function withFailingTrigger(table: 'audit_log' | 'idempotency_keys', column: string, marker: string, body: () => Promise<void>): Promise<void> {
    const db = dataSourceOf(t);
    const name = `test_fail_${randomBytes(4).toString('hex')}`;
    await db.query(`
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.${column}::text LIKE '%${marker}%' THEN RAISE EXCEPTION 'forced failure for a test'; END IF;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`);
    try {
      await body();
    } finally {
      await db.query(`DROP TRIGGER ${name} ON ${table}`);
      await db.query(`DROP FUNCTION ${name}()`);
    }
  }

  it('a failure after the lead insert (writing the audit entry) leaves no lead, no entry and no rotation step', async () => {
    const account = await createAccount(t);
    const [a, b] = await members(account, 2);
    const rotationId = await createRotation(account.owner.api, [a.email, b.email]);
    const marker = `Doomed${randomBytes(4).toString('hex')}`;
    const entriesBefore = await countAuditEntries(t, account.id);
    await withFailingTrigger('audit_log', 'data', marker, async () => {
      const res = await account.owner.api.post('/leads', { firstName: 'F', lastName: marker });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'Internal server error' });
    });
    expect(await countLeads(t, account.id)).toBe(0);
    expect(await countAuditEntries(t, account.id)).toBe(entriesBefore);
    expect((await rotationState(rotationId)).position).toBe('0');
    expect((await account.owner.api.post('/leads', MINIMAL_LEAD)).body.assignedTo).toBe(a.email);
  });

  it('a failure after the lead and its entry (storing the idempotent answer) rolls both back; the key may then be retried', async () => {
    const account = await createAccount(t);
    const [a, b] = await members(account, 2);
    const rotationId = await createRotation(account.owner.api, [a.email, b.email]);
    const marker = `Doomed${randomBytes(4).toString('hex')}`;
    const entriesBefore = await countAuditEntries(t, account.id);
    const key = `retry-${marker}`;
    await withFailingTrigger('idempotency_keys', 'response_body', marker, async () => {
      const res = await account.owner.api.post('/leads', { firstName: 'F', lastName: marker }, { 'idempotency-key': key });
      expect(res.status).toBe(500);
    });
    expect(await countLeads(t, account.id)).toBe(0);
    expect(await countAuditEntries(t, account.id)).toBe(entriesBefore);
    expect((await rotationState(rotationId)).position).toBe('0');
    const retried = await account.owner.api.post('/leads', { firstName: 'F', lastName: marker }, { 'idempotency-key': key });
    expect(retried.status).toBe(201);
    expect(retried.body.assignedTo).toBe(a.email);
    expect(await countLeads(t, account.id)).toBe(1);
  });

  const concurrently = usingRealPostgres() ? it : it.skip;
  if (!usingRealPostgres()) console.warn('Skipping the concurrent-assignment test: it needs a PostgreSQL server (several connections).');

  concurrently('concurrent creates through a rotation of k members give each ⌊N/k⌋ or ⌈N/k⌉ leads, never a slot twice', async () => {
    const account = await createAccount(t);
    const team = await members(account, 3);
    const rotationId = await createRotation(account.owner.api, team.map((m) => m.email));
    const n = 14;
    const results = await Promise.all(Array.from({ length: n }, () => account.owner.api.post('/leads', MINIMAL_LEAD)));
    expect(results.map((r) => r.status)).toEqual(Array(n).fill(201));
    const perUser = new Map<string, number>();
    for (const r of results) perUser.set(r.body.assignedTo, (perUser.get(r.body.assignedTo) ?? 0) + 1);
    expect([...perUser.values()].sort()).toEqual([4, 5, 5]);
    expect((await rotationState(rotationId)).position).toBe(String(n));
  });
});
