// First-touch timers (API.md 10) over HTTP. Time is made to pass by moving a lead's deadline into the past in SQL
// (`expire`): the timer itself is never shortened, so firstTouchSeconds keeps its 30..604800 bounds. The app polls
// for due leads every 200 ms (FIRST_TOUCH_INTERVAL_MS; the default is 5000), so a breach is handled well within a
// second of the moved deadline.
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/app';
import { createAccount, type TestAccount, type TestUser } from './support/builders';
import { dataSourceOf, MINIMAL_LEAD } from './support/leads';
import { requestJson, startServer, type ServerProcess } from './support/server-process';
import { itWhen, needsPostgres } from './support/skips';
import { RUN_DATABASE_ENV } from './support/test-database';

const LEADS = '/leads?skipTeamAndSourceRequirement=true';

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('first-touch timers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ FIRST_TOUCH_INTERVAL_MS: '200' });
  });
  afterAll(() => t.close());

  const db = () => dataSourceOf(t);
  /** Makes the lead's deadline (if one runs) a second past: as if its firstTouchSeconds had gone by. */
  const expire = (id: number) => db().query(`UPDATE leads SET first_touch_due_at = now() - interval '1 second' WHERE id = $1 AND first_touch_due_at IS NOT NULL`, [id]);
  const events = async (accountId: string, leadId: number) =>
    ((await db().query(`SELECT type, data FROM events WHERE account_id = $1 ORDER BY id`, [accountId])) as { type: string; data: any }[]).filter(
      (e) => e.data?.lead?.id === leadId,
    );
  const reassignedEntries = async (account: TestAccount, leadId: number) =>
    (await account.owner.api.get(`/audit-logs?leadId=${leadId}&event=lead_reassigned`)).body.data as any[];
  const dueOf = async (id: number): Promise<Date | null> => (await db().query(`SELECT first_touch_due_at FROM leads WHERE id = $1`, [id]))[0].first_touch_due_at;

  async function setup(members: number, settings: Record<string, unknown> = { firstTouchSeconds: 30 }): Promise<{ account: TestAccount; users: TestUser[]; rotationId: number }> {
    const account = await createAccount(t);
    const users: TestUser[] = [];
    for (let i = 0; i < members; i++) users.push(await account.member('agent'));
    const res = await account.owner.api.post('/rotations', { name: 'Timed', members: users.map((u) => ({ user: u.email })), ...settings });
    expect(res.status).toBe(201);
    return { account, users, rotationId: res.body.id };
  }
  const post = async (account: TestAccount, body: Record<string, unknown> = {}) => {
    const res = await account.owner.api.post(LEADS, { ...MINIMAL_LEAD, ...body });
    expect(res.status).toBe(201);
    return res.body;
  };

  describe('rotation settings', () => {
    it('firstTouchSeconds (default null) and maxReassignments (default 2): POST, GET, PATCH, audited', async () => {
      const account = await createAccount(t);
      const a = await account.member('agent');
      const plain = await account.owner.api.post('/rotations', { name: 'Plain', teamId: null, active: false, members: [{ user: a.email }] });
      expect(plain.status).toBe(201);
      expect(plain.body).toMatchObject({ firstTouchSeconds: null, maxReassignments: 2 });
      const timed = await account.owner.api.post('/rotations', { name: 'Timed', members: [{ user: a.email }], firstTouchSeconds: 30, maxReassignments: 0 });
      expect(timed.status).toBe(201);
      expect(timed.body).toMatchObject({ firstTouchSeconds: 30, maxReassignments: 0 });
      expect((await account.owner.api.get(`/rotations/${timed.body.id}`)).body).toMatchObject({ firstTouchSeconds: 30, maxReassignments: 0 });
      const patched = await account.owner.api.patch(`/rotations/${timed.body.id}`, { firstTouchSeconds: 604800, maxReassignments: 10 });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ firstTouchSeconds: 604800, maxReassignments: 10 });
      const off = await account.owner.api.patch(`/rotations/${timed.body.id}`, { firstTouchSeconds: null });
      expect(off.body).toMatchObject({ firstTouchSeconds: null, maxReassignments: 10 });
      const entries = (await account.owner.api.get(`/audit-logs?entityType=rotation&entityId=${timed.body.id}`)).body.data;
      expect(entries.map((e: any) => e.event)).toEqual(['rotation_updated', 'rotation_updated', 'rotation_created']);
      expect(entries[0].data.changes).toEqual({ firstTouchSeconds: { from: 604800, to: null } });
      expect(entries[1].data.changes).toEqual({ firstTouchSeconds: { from: 30, to: 604800 }, maxReassignments: { from: 0, to: 10 } });
      expect(entries[2].data).toMatchObject({ firstTouchSeconds: 30, maxReassignments: 0 });
      const list = (await account.owner.api.get('/rotations')).body.data;
      expect(list.map((r: any) => [r.firstTouchSeconds, r.maxReassignments])).toEqual(expect.arrayContaining([[null, 2], [null, 10]]));
    });

    const BAD: [string, Record<string, unknown>, string][] = [
      ['firstTouchSeconds below 30', { firstTouchSeconds: 29 }, 'firstTouchSeconds'],
      ['firstTouchSeconds above a week', { firstTouchSeconds: 604801 }, 'firstTouchSeconds'],
      ['firstTouchSeconds 0', { firstTouchSeconds: 0 }, 'firstTouchSeconds'],
      ['a fractional firstTouchSeconds', { firstTouchSeconds: 45.5 }, 'firstTouchSeconds'],
      ['firstTouchSeconds as a string', { firstTouchSeconds: '60' }, 'firstTouchSeconds'],
      ['firstTouchSeconds as a boolean', { firstTouchSeconds: true }, 'firstTouchSeconds'],
      ['a negative maxReassignments', { maxReassignments: -1 }, 'maxReassignments'],
      ['maxReassignments above 10', { maxReassignments: 11 }, 'maxReassignments'],
      ['a null maxReassignments', { maxReassignments: null }, 'maxReassignments'],
      ['a fractional maxReassignments', { maxReassignments: 1.5 }, 'maxReassignments'],
      ['maxReassignments as a string', { maxReassignments: '2' }, 'maxReassignments'],
    ];
    it.each(BAD)('%s → 400 with details on POST and PATCH, nothing changed', async (_name, body, field) => {
      const account = await createAccount(t);
      const a = await account.member('agent');
      const created = await account.owner.api.post('/rotations', { name: 'R', members: [{ user: a.email }], ...body });
      expect(created.status).toBe(400);
      expect(created.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect((await account.owner.api.get('/rotations')).body.data).toEqual([]);
      const good = await account.owner.api.post('/rotations', { name: 'R', members: [{ user: a.email }], firstTouchSeconds: 60 });
      const patched = await account.owner.api.patch(`/rotations/${good.body.id}`, body);
      expect(patched.status).toBe(400);
      expect(patched.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect((await account.owner.api.get(`/rotations/${good.body.id}`)).body).toMatchObject({ firstTouchSeconds: 60, maxReassignments: 2 });
    });
  });

  describe('deadlines', () => {
    it('a lead the timed rotation assigns is due createdAt + firstTouchSeconds (answer, GET, list, events); named or untimed leads show null', async () => {
      const { account, users } = await setup(2);
      const lead = await post(account);
      expect(lead.assignedTo).toBe(users[0].email);
      expect(new Date(lead.firstTouchDueAt).getTime() - new Date(lead.createdAt).getTime()).toBe(30_000);
      expect(lead.firstTouchedAt).toBeNull();
      const read = (await account.owner.api.get(`/leads/${lead.id}`)).body;
      expect(read).toMatchObject({ firstTouchDueAt: lead.firstTouchDueAt, firstTouchedAt: null });
      expect((await account.owner.api.get('/leads')).body.data[0]).toMatchObject({ id: lead.id, firstTouchDueAt: lead.firstTouchDueAt, firstTouchedAt: null });
      const { auditLog: _log, ...withoutLog } = lead;
      for (const e of await events(account.id, lead.id)) expect(e.data.lead).toEqual(withoutLog);

      const named = await post(account, { assignedTo: users[1].email });
      expect(named).toMatchObject({ assignedTo: users[1].email, firstTouchDueAt: null, firstTouchedAt: null });

      const untimed = await createAccount(t);
      const u = await untimed.member('agent');
      await untimed.owner.api.post('/rotations', { name: 'Untimed', members: [{ user: u.email }] });
      expect(await post(untimed)).toMatchObject({ assignedTo: u.email, firstTouchDueAt: null, firstTouchedAt: null });
    });

    it('bulk and a rotation with caps (the decided path) set the deadline too', async () => {
      const { account, users } = await setup(2);
      const bulk = await account.owner.api.post('/leads/bulk?skipTeamAndSourceRequirement=true', { leads: [MINIMAL_LEAD, { ...MINIMAL_LEAD, assignedTo: users[1].email }, MINIMAL_LEAD] });
      expect(bulk.status).toBe(200);
      const [a, b, c] = bulk.body.results.map((r: any) => r.lead);
      expect(a.firstTouchDueAt).not.toBeNull();
      expect(b.firstTouchDueAt).toBeNull(); // named
      expect(new Date(c.firstTouchDueAt).getTime() - new Date(c.createdAt).getTime()).toBe(30_000);

      const capped = await setup(2, { firstTouchSeconds: 60 });
      await capped.account.owner.api.patch(`/rotations/${capped.rotationId}`, { members: capped.users.map((u) => ({ user: u.email, caps: { day: 10 } })) });
      const lead = await post(capped.account);
      expect(new Date(lead.firstTouchDueAt).getTime() - new Date(lead.createdAt).getTime()).toBe(60_000);
    });
  });

  describe('touch', () => {
    it('POST /leads/{id}/touch by the assignee: 204, firstTouchedAt set, deadline cleared, audited; the lead is never reassigned', async () => {
      const { account, users } = await setup(2);
      const lead = await post(account);
      const res = await users[0].api.post(`/leads/${lead.id}/touch`);
      expect(res.status).toBe(204);
      const read = (await account.owner.api.get(`/leads/${lead.id}`)).body;
      expect(read.firstTouchDueAt).toBeNull();
      expect(read.firstTouchedAt).not.toBeNull();
      const touched = read.auditLog.find((e: any) => e.event === 'lead_touched');
      expect(touched).toMatchObject({ user: users[0].email, data: { timerRan: true, firstTouchDueAt: lead.firstTouchDueAt, firstTouchedAt: read.firstTouchedAt } });
      // touched already: a second touch is 204 and changes nothing, so it writes no entry
      expect((await users[0].api.post(`/leads/${lead.id}/touch`)).status).toBe(204);
      const again = (await account.owner.api.get(`/leads/${lead.id}`)).body;
      expect(again.firstTouchedAt).toBe(read.firstTouchedAt);
      expect(again.auditLog.filter((e: any) => e.event === 'lead_touched')).toHaveLength(1);
      await expire(lead.id);
      await sleep(1200);
      expect((await account.owner.api.get(`/leads/${lead.id}`)).body.assignedTo).toBe(users[0].email);
      expect(await reassignedEntries(account, lead.id)).toEqual([]);
      expect((await events(account.id, lead.id)).map((e) => e.type)).toEqual(['lead.created', 'lead.assigned']);
    });

    it('touch by someone else is 403 (owner included), of an unknown or another account\'s lead 404, by a viewer 403; nothing changes', async () => {
      const { account, users } = await setup(2);
      const lead = await post(account);
      expect((await users[1].api.post(`/leads/${lead.id}/touch`)).status).toBe(403);
      const byOwner = await account.owner.api.post(`/leads/${lead.id}/touch`);
      expect(byOwner.status).toBe(403);
      expect(byOwner.body).toEqual({ error: "only the lead's assignee can touch it" });
      const viewer = await account.member('viewer');
      expect((await viewer.api.post(`/leads/${lead.id}/touch`)).status).toBe(403);
      expect((await users[0].api.post('/leads/999999999/touch')).status).toBe(404);
      const other = await createAccount(t);
      expect((await other.owner.api.post(`/leads/${lead.id}/touch`)).status).toBe(404);
      const read = (await account.owner.api.get(`/leads/${lead.id}`)).body;
      expect(read).toMatchObject({ firstTouchDueAt: lead.firstTouchDueAt, firstTouchedAt: null });
      expect(read.auditLog.map((e: any) => e.event)).toEqual(['lead_created']);
    });

    it('a PATCH that changes something, by the assignee, is the touch; a PATCH by someone else, or one that changes nothing, is not', async () => {
      const { account, users } = await setup(2);
      const lead = await post(account);
      await users[0].api.patch(`/leads/${lead.id}`, { firstName: MINIMAL_LEAD.firstName }); // no change
      expect(await dueOf(lead.id)).not.toBeNull();
      const manager = await account.member('manager');
      expect((await manager.api.patch(`/leads/${lead.id}`, { notes: 'by a manager' })).status).toBe(200);
      expect(await dueOf(lead.id)).not.toBeNull();
      const patched = await users[0].api.patch(`/leads/${lead.id}`, { notes: 'called them' });
      expect(patched.status).toBe(200);
      expect(patched.body.firstTouchDueAt).toBeNull();
      expect(patched.body.firstTouchedAt).not.toBeNull();

      const converted = await post(account); // goes to users[1]
      const res = await users[1].api.post(`/leads/${converted.id}/convert`, {});
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ firstTouchDueAt: null, firstTouchedAt: expect.any(String) });
    });
  });

  describe('breaches', () => {
    it('an untouched lead is reassigned once through the same rotation to the next member who has not held it; audit, events, assignments', async () => {
      const { account, users, rotationId } = await setup(3);
      const lead = await post(account);
      expect(lead.assignedTo).toBe(users[0].email);
      await post(account); // users[1]: the next turn is users[2]'s
      await expire(lead.id);
      await until(async () => (await account.owner.api.get(`/leads/${lead.id}`)).body.assignedTo !== users[0].email, 'the reassignment');
      const read = (await account.owner.api.get(`/leads/${lead.id}`)).body;
      expect(read.assignedTo).toBe(users[2].email);
      const fresh = new Date(read.firstTouchDueAt).getTime() - Date.now();
      expect(fresh).toBeGreaterThan(25_000);
      expect(fresh).toBeLessThanOrEqual(30_000);
      expect(read.firstTouchedAt).toBeNull();

      const [entry, ...more] = await reassignedEntries(account, lead.id);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({ event: 'lead_reassigned', entityType: 'lead', entityId: String(lead.id), user: 'system' });
      expect(entry.data).toMatchObject({ from: users[0].email, to: users[2].email, assignment: { reason: 'first_touch_sla', rotationId, user: users[2].email } });
      expect(entry.data.assignment.candidates).toEqual([
        { user: users[0].email, weight: 1, eligible: false, skipped: 'already_had_lead' },
        { user: users[1].email, weight: 1, eligible: true, skipped: null },
        { user: users[2].email, weight: 1, eligible: true, skipped: null },
      ]);

      const evts = await events(account.id, lead.id);
      expect(evts.map((e) => e.type)).toEqual(['lead.created', 'lead.assigned', 'lead.first_touch_breached', 'lead.assigned']);
      expect(evts[2].data).toMatchObject({ user: users[0].email, reassigned: true, lead: { id: lead.id, assignedTo: users[2].email } });
      expect(evts[3].data).toMatchObject({ previousUser: users[0].email, assignment: { reason: 'first_touch_sla', user: users[2].email, rotationId } });
      const { auditLog: _log, ...withoutLog } = read;
      expect(evts[3].data.lead).toEqual(withoutLog);

      const history = (await account.owner.api.get(`/leads/${lead.id}/assignments`)).body.data;
      expect(history[0]).toMatchObject({ user: users[2].email, previousUser: users[0].email, reason: 'first_touch_sla', rotationId });
      // the turn was the rotation's: the next lead goes on from there
      expect((await post(account)).assignedTo).toBe(users[0].email);
      // the new assignee touches it in time: nothing more happens
      expect((await users[2].api.post(`/leads/${lead.id}/touch`)).status).toBe(204);
      await expire(lead.id);
      await sleep(1000);
      expect(await reassignedEntries(account, lead.id)).toHaveLength(1);
    });

    it('after maxReassignments the lead stays put, only lead.first_touch_breached is emitted (once), the deadline is cleared', async () => {
      const { account, users } = await setup(3, { firstTouchSeconds: 30, maxReassignments: 1 });
      const lead = await post(account);
      await expire(lead.id);
      await until(async () => (await reassignedEntries(account, lead.id)).length === 1, 'the first reassignment');
      expect((await account.owner.api.get(`/leads/${lead.id}`)).body.assignedTo).toBe(users[1].email);
      await expire(lead.id);
      await until(async () => (await dueOf(lead.id)) === null, 'the second breach');
      await sleep(800);
      const read = (await account.owner.api.get(`/leads/${lead.id}`)).body;
      expect(read).toMatchObject({ assignedTo: users[1].email, firstTouchDueAt: null, firstTouchedAt: null });
      expect(await reassignedEntries(account, lead.id)).toHaveLength(1);
      const types = (await events(account.id, lead.id)).map((e) => e.type);
      expect(types).toEqual(['lead.created', 'lead.assigned', 'lead.first_touch_breached', 'lead.assigned', 'lead.first_touch_breached']);
      const last = (await events(account.id, lead.id)).at(-1)!;
      expect(last.data).toMatchObject({ user: users[1].email, reassigned: false, reassignments: 1, lead: { assignedTo: users[1].email, firstTouchDueAt: null } });
    });

    it('with no one eligible left (every member held it), the lead stays put and only the breach is emitted', async () => {
      const { account, users } = await setup(2, { firstTouchSeconds: 30, maxReassignments: 5 });
      const lead = await post(account);
      await expire(lead.id);
      await until(async () => (await reassignedEntries(account, lead.id)).length === 1, 'the first reassignment');
      await expire(lead.id);
      await until(async () => (await dueOf(lead.id)) === null, 'the second breach');
      await sleep(500);
      expect((await account.owner.api.get(`/leads/${lead.id}`)).body.assignedTo).toBe(users[1].email);
      expect((await events(account.id, lead.id)).map((e) => e.type)).toEqual(['lead.created', 'lead.assigned', 'lead.first_touch_breached', 'lead.assigned', 'lead.first_touch_breached']);
    });

    it('the same rotation only: a team rotation with no one left does not hand the lead to the default rotation', async () => {
      const account = await createAccount(t);
      const [a, b, c] = [await account.member('agent'), await account.member('agent'), await account.member('agent')];
      const team = await account.owner.api.post('/teams', { name: 'Sales' });
      expect(team.status).toBe(201);
      const teamRotation = (await account.owner.api.post('/rotations', { name: 'T', teamId: team.body.id, members: [{ user: a.email }, { user: b.email }], firstTouchSeconds: 30 })).body.id;
      await account.owner.api.post('/rotations', { name: 'D', members: [{ user: c.email }], firstTouchSeconds: 30 });
      const lead = await post(account, { teamId: team.body.id });
      expect(lead.assignedTo).toBe(a.email);
      await expire(lead.id);
      await until(async () => (await reassignedEntries(account, lead.id)).length === 1, 'the first reassignment');
      const [entry] = await reassignedEntries(account, lead.id);
      expect(entry.data).toMatchObject({ from: a.email, to: b.email, assignment: { rotationId: teamRotation, reason: 'first_touch_sla' } });
      await expire(lead.id);
      await until(async () => (await dueOf(lead.id)) === null, 'the second breach');
      expect((await account.owner.api.get(`/leads/${lead.id}`)).body.assignedTo).toBe(b.email);
      expect(await reassignedEntries(account, lead.id)).toHaveLength(1);
    });

    it('a rotation deactivated since: the breach is emitted, the lead stays; an archived lead loses its deadline', async () => {
      const { account, users, rotationId } = await setup(2);
      const lead = await post(account);
      expect((await account.owner.api.patch(`/rotations/${rotationId}`, { active: false })).status).toBe(200);
      await expire(lead.id);
      await until(async () => (await dueOf(lead.id)) === null, 'the breach');
      expect((await account.owner.api.get(`/leads/${lead.id}`)).body.assignedTo).toBe(users[0].email);
      expect((await events(account.id, lead.id)).map((e) => e.type)).toEqual(['lead.created', 'lead.assigned', 'lead.first_touch_breached']);

      await account.owner.api.patch(`/rotations/${rotationId}`, { active: true });
      const archived = await post(account);
      const res = await account.owner.api.post(`/leads/${archived.id}/archive`);
      expect(res.body).toMatchObject({ archived: true, firstTouchDueAt: null, firstTouchedAt: null });
    });

    it('maxReassignments 0: the first breach only emits lead.first_touch_breached', async () => {
      const { account, users } = await setup(2, { firstTouchSeconds: 30, maxReassignments: 0 });
      const lead = await post(account);
      await expire(lead.id);
      await until(async () => (await dueOf(lead.id)) === null, 'the breach');
      expect((await account.owner.api.get(`/leads/${lead.id}`)).body.assignedTo).toBe(users[0].email);
      expect((await events(account.id, lead.id)).map((e) => e.type)).toEqual(['lead.created', 'lead.assigned', 'lead.first_touch_breached']);
    });

    it('a breach that fails is undone alone: the other due leads of the run are handled, and the failed one on a later run', async () => {
      const { account, users } = await setup(3);
      const stuck = await post(account);
      const other = await post(account);
      // the stuck lead's reassignment fails in the database (as a lost row lock or a bad row would), until dropped
      await db().query(`CREATE FUNCTION test_fail_breach() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'breach refused for the test'; END $$`);
      await db().query(
        `CREATE TRIGGER test_fail_breach BEFORE UPDATE ON leads FOR EACH ROW WHEN (OLD.id = ${Number(stuck.id)} AND NEW.first_touch_reassignments <> OLD.first_touch_reassignments) EXECUTE FUNCTION test_fail_breach()`,
      );
      try {
        // the stuck lead is the older deadline: every run takes it first
        await db().query(`UPDATE leads SET first_touch_due_at = now() - interval '2 seconds' WHERE id = $1`, [stuck.id]);
        await expire(other.id);
        await until(async () => (await reassignedEntries(account, other.id)).length === 1, 'the other lead\'s breach');
        expect((await account.owner.api.get(`/leads/${other.id}`)).body.assignedTo).toBe(users[2].email);
        await sleep(600); // a few more runs: the stuck lead stays due, unchanged, without entries or events
        expect(await dueOf(stuck.id)).not.toBeNull();
        expect((await account.owner.api.get(`/leads/${stuck.id}`)).body.assignedTo).toBe(users[0].email);
        expect(await reassignedEntries(account, stuck.id)).toEqual([]);
        expect((await events(account.id, stuck.id)).map((e) => e.type)).toEqual(['lead.created', 'lead.assigned']);
      } finally {
        await db().query(`DROP TRIGGER test_fail_breach ON leads`);
        await db().query(`DROP FUNCTION test_fail_breach()`);
      }
      await until(async () => (await reassignedEntries(account, stuck.id)).length === 1, 'the stuck lead\'s breach');
      expect((await account.owner.api.get(`/leads/${stuck.id}`)).body.assignedTo).not.toBe(users[0].email);
    });
  });

  describe('across two server processes', () => {
    const real = itWhen(needsPostgres());
    let servers: ServerProcess[] = [];
    afterAll(async () => {
      for (const s of servers) s.child.kill('SIGTERM');
      await Promise.all(servers.map((s) => Promise.race([s.exited, new Promise((r) => setTimeout(r, 12000).unref())])));
      for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    });

    real.it('20 leads due at once, two processes (and this one) handling breaches: each reassigned exactly once', async () => {
      const env = { DATABASE_URL: process.env[RUN_DATABASE_ENV], MIGRATIONS_RUN: 'false', JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0', FIRST_TOUCH_INTERVAL_MS: '100' };
      servers = await Promise.all([startServer(env), startServer(env)]);
      const { account, users } = await setup(3);
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await requestJson(servers[i % 2], 'POST', LEADS, { token: account.owner.token, account: account.id, body: { ...MINIMAL_LEAD, lastName: `L${i}` }, timeoutMs: 30_000 });
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
      const before = new Map<number, string>();
      for (const row of await db().query(`SELECT id, assigned_to FROM leads WHERE id = ANY($1::bigint[])`, [ids])) before.set(Number(row.id), row.assigned_to);
      await db().query(`UPDATE leads SET first_touch_due_at = now() - interval '1 second' WHERE id = ANY($1::bigint[])`, [ids]);
      await until(async () => (await db().query(`SELECT count(*)::int AS n FROM leads WHERE id = ANY($1::bigint[]) AND first_touch_reassignments = 1`, [ids]))[0].n === 20, 'every reassignment', 30_000);
      await sleep(1500); // time for a second handling, were there one
      const entries = await db().query(`SELECT entity_id, data FROM audit_log WHERE account_id = $1 AND event = 'lead_reassigned'`, [account.id]);
      expect(entries).toHaveLength(20);
      expect(new Set(entries.map((e: any) => e.entity_id)).size).toBe(20);
      for (const e of entries) {
        expect(e.data.from).toBe(before.get(Number(e.entity_id)));
        expect(e.data.to).not.toBe(e.data.from);
      }
      const breached = (await db().query(`SELECT data FROM events WHERE account_id = $1 AND type = 'lead.first_touch_breached'`, [account.id])) as any[];
      expect(breached).toHaveLength(20);
      expect(new Set(breached.map((e) => e.data.lead.id)).size).toBe(20);
      const rows = await db().query(`SELECT assigned_to, first_touch_reassignments, first_touch_due_at FROM leads WHERE id = ANY($1::bigint[])`, [ids]);
      for (const r of rows) {
        expect(r.first_touch_reassignments).toBe(1);
        expect(r.first_touch_due_at).not.toBeNull();
        expect(users.map((u) => u.email)).toContain(r.assigned_to);
      }
    }, 180_000);

    real.it('a process SIGKILLed while breaches are being handled: every due lead is still handled exactly once', async () => {
      const { account } = await setup(3);
      const ids: number[] = [];
      for (let i = 0; i < 40; i++) ids.push((await post(account, { lastName: `K${i}` })).id);
      await db().query(`UPDATE leads SET first_touch_due_at = now() - interval '1 second' WHERE id = ANY($1::bigint[])`, [ids]);
      await sleep(30 + Math.floor(Math.random() * 100));
      servers[0].child.kill('SIGKILL');
      await servers[0].exited;
      await until(async () => (await db().query(`SELECT count(*)::int AS n FROM leads WHERE id = ANY($1::bigint[]) AND first_touch_reassignments = 1`, [ids]))[0].n === 40, 'every reassignment', 30_000);
      await sleep(1500);
      const entries = await db().query(`SELECT entity_id FROM audit_log WHERE account_id = $1 AND event = 'lead_reassigned'`, [account.id]);
      expect(entries).toHaveLength(40);
      expect(new Set(entries.map((e: any) => e.entity_id)).size).toBe(40);
      const types = await db().query(`SELECT type, count(*)::int AS n FROM events WHERE account_id = $1 GROUP BY type ORDER BY type`, [account.id]);
      expect(types).toEqual([
        { type: 'lead.assigned', n: 80 },
        { type: 'lead.created', n: 40 },
        { type: 'lead.first_touch_breached', n: 40 },
      ]);
    }, 180_000);
  });
});
