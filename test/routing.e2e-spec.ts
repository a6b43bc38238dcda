import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { LeadCreatePaths } from '../src/leads/lead-create-paths';
import { AssignmentService } from '../src/rotations/assignment.service';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/app';
import { createAccount, type TestAccount, type TestUser } from './support/builders';
import { MINIMAL_LEAD, createTeam } from './support/leads';
import { requestJson, startServer, type ServerProcess } from './support/server-process';
import { itWhen, needsPostgres } from './support/skips';
import { RUN_DATABASE_ENV, usingRealPostgres } from './support/test-database';

/** API.md section 9 over HTTP: availability, caps, explanations, preview, stats, assignments. */
describe('routing: availability, caps and explained assignment', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const agents = (account: TestAccount, n: number) => Promise.all(Array.from({ length: n }, () => account.member('agent')));
  const entryOf = (lead: any) => lead.auditLog.find((e: any) => e.event === 'lead_created');
  const post = async (account: TestAccount, body: Record<string, unknown> = {}) => {
    const res = await account.owner.api.post('/leads?skipTeamAndSourceRequirement=true', { ...MINIMAL_LEAD, ...body });
    expect(res.status).toBe(201);
    return res.body;
  };
  /** An IANA zone where it is night now (local 00:00-05:59), and hours that exclude it every day. */
  const nightZone = (): string => {
    for (let offset = -12; offset <= 14; offset++) {
      const zone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`; // Etc/GMT-5 is UTC+5
      const hour = DateTime.now().setZone(zone).hour;
      if (hour >= 1 && hour < 5) return zone;
    }
    throw new Error('no zone at night');
  };
  const DAYTIME = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['09:00', '17:00']]]));

  describe('members: time zone, working hours, away periods', () => {
    it('a member sets their own; a manager anyone\'s; below manager another\'s is 403; GET /members shows availability', async () => {
      const account = await createAccount(t);
      const [a, b] = await agents(account, 2);
      const manager = await account.member('manager');
      const zone = nightZone();
      const own = await a.api.patch(`/members/${a.email}`, { timeZone: zone, workingHours: DAYTIME });
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ email: a.email, timeZone: zone, workingHours: DAYTIME, availableNow: false, awayUntil: null });
      expect((await a.api.patch(`/members/${b.email}`, { timeZone: 'Europe/Paris' })).status).toBe(403);
      expect((await a.api.post(`/members/${b.email}/away`, { from: '2030-01-01T00:00:00Z', until: '2030-01-02T00:00:00Z' })).status).toBe(403);
      expect((await a.api.patch(`/members/${a.email}`, { role: 'manager' })).status).toBe(403); // role changes keep admin and up
      expect((await manager.api.patch(`/members/${b.email}`, { workingHours: { mon: [['08:00', '12:00']] } })).status).toBe(200);

      const from = new Date(Date.now() - 3600_000).toISOString();
      const until = new Date(Date.now() + 86400_000).toISOString();
      const away = await manager.api.post(`/members/${b.email}/away`, { from, until, reason: 'Vacation' });
      expect(away.status).toBe(201);
      expect(away.body).toEqual({ id: expect.any(Number), from, until, reason: 'Vacation' });
      const future = await b.api.post(`/members/${b.email}/away`, { from: '2031-01-01T00:00:00Z', until: '2031-01-05T00:00:00Z' });
      expect(future.status).toBe(201);
      expect((await b.api.get(`/members/${b.email}/away`)).body).toEqual({ data: [away.body, { ...future.body, reason: null }], nextCursor: null });

      const list = (await b.api.get('/members?limit=100')).body.data as any[];
      expect(list.find((m) => m.email === b.email)).toMatchObject({ availableNow: false, awayUntil: until, timeZone: null });
      expect(list.find((m) => m.email === account.owner.email)).toMatchObject({ availableNow: true, awayUntil: null, timeZone: null, workingHours: null });

      expect((await a.api.delete(`/members/${b.email}/away/${future.body.id}`)).status).toBe(403);
      expect((await b.api.delete(`/members/${b.email}/away/${future.body.id}`)).status).toBe(204);
      expect((await b.api.delete(`/members/${b.email}/away/${future.body.id}`)).status).toBe(404);
      const log = (await account.owner.api.get(`/audit-logs?entityType=member&entityId=${encodeURIComponent(b.email)}`)).body.data.map((e: any) => e.event);
      expect(log).toEqual(['member_away_deleted', 'member_away_created', 'member_away_created', 'member_updated', 'member_created']);
    });

    const BAD_MEMBER_PATCHES: [string, Record<string, unknown>, string][] = [
      ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
      ['hours ending before they start', { workingHours: { mon: [['17:00', '09:00']] } }, 'workingHours'],
      ['overlapping hours', { workingHours: { tue: [['09:00', '12:00'], ['11:30', '14:00']] } }, 'workingHours'],
      ['a malformed time', { workingHours: { wed: [['9am', '5pm']] } }, 'workingHours'],
      ['an unknown day', { workingHours: { caturday: [['09:00', '10:00']] } }, 'workingHours'],
      ['five intervals in a day', { workingHours: { fri: [['01:00', '02:00'], ['03:00', '04:00'], ['05:00', '06:00'], ['07:00', '08:00'], ['09:00', '10:00']] } }, 'workingHours'],
    ];
    it.each(BAD_MEMBER_PATCHES)('PATCH /members with %s → 400 with details, nothing changed', async (_name, body, field) => {
      const account = await createAccount(t);
      const [a] = await agents(account, 1);
      const res = await a.api.patch(`/members/${a.email}`, body);
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      const me = ((await a.api.get('/members?limit=100')).body.data as any[]).find((m) => m.email === a.email);
      expect(me).toMatchObject({ timeZone: null, workingHours: null });
    });

    const BAD_AWAY: [string, Record<string, unknown>, string][] = [
      ['until before from', { from: '2030-01-02T00:00:00Z', until: '2030-01-01T00:00:00Z' }, 'until'],
      ['until equal to from', { from: '2030-01-02T00:00:00Z', until: '2030-01-02T00:00:00Z' }, 'until'],
      ['longer than 366 days', { from: '2030-01-01T00:00:00Z', until: '2031-01-03T00:00:00Z' }, 'until'],
      ['a date-time without a zone', { from: '2030-01-01T00:00:00', until: '2030-01-03T00:00:00Z' }, 'from'],
    ];
    it.each(BAD_AWAY)('POST /members/{email}/away with %s → 400 with details, nothing created', async (_name, body, field) => {
      const account = await createAccount(t);
      const [a] = await agents(account, 1);
      const res = await a.api.post(`/members/${a.email}/away`, body);
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect((await a.api.get(`/members/${a.email}/away`)).body.data).toEqual([]);
    });

    it('an away period for someone who is not a member: 404 (a path that names nothing in the account)', async () => {
      const account = await createAccount(t);
      const res = await account.owner.api.post('/members/nobody@example.com/away', { from: '2030-01-01T00:00:00Z', until: '2030-01-02T00:00:00Z' });
      expect(res.status).toBe(404);
      expect((await account.owner.api.get('/members/nobody@example.com/away')).status).toBe(404);
    });
  });

  describe('rotations: caps and respectAvailability', () => {
    const BAD_CAPS: [string, unknown][] = [
      ['a day cap of 0', { day: 0 }],
      ['a week cap over 10000', { week: 10001 }],
      ['a fractional cap', { day: 1.5 }],
      ['a cap as a string', { day: '5' }],
      ['caps as a number', 5],
    ];
    it.each(BAD_CAPS)('%s → 400 with details, nothing changed', async (_name, caps) => {
      const account = await createAccount(t);
      const [a] = await agents(account, 1);
      const created = await account.owner.api.post('/rotations', { name: 'R', members: [{ user: a.email, caps }] });
      expect(created.status).toBe(400);
      expect(created.body.details.length).toBeGreaterThan(0);
      expect((await account.owner.api.get('/rotations')).body.data).toEqual([]);
      const ok = await account.owner.api.post('/rotations', { name: 'R', members: [{ user: a.email }] });
      const patched = await account.owner.api.patch(`/rotations/${ok.body.id}`, { members: [{ user: a.email, caps }] });
      expect(patched.status).toBe(400);
      expect((await account.owner.api.get(`/rotations/${ok.body.id}`)).body).toEqual(ok.body);
    });

    it('shows caps and respectAvailability; changing only caps keeps the position', async () => {
      const account = await createAccount(t);
      const [a, b] = await agents(account, 2);
      const created = await account.owner.api.post('/rotations', { name: 'R', respectAvailability: true, members: [{ user: a.email, caps: { day: 3 } }, { user: b.email, caps: { week: 10 } }] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ respectAvailability: true, members: [{ user: a.email, weight: 1, caps: { day: 3 } }, { user: b.email, weight: 1, caps: { week: 10 } }] });
      expect((await post(account)).assignedTo).toBe(a.email);
      const patched = await account.owner.api.patch(`/rotations/${created.body.id}`, { members: [{ user: a.email, caps: { day: 4 } }, { user: b.email }] });
      expect(patched.body).toMatchObject({ nextUser: b.email, members: [{ user: a.email, caps: { day: 4 } }, { user: b.email }] });
      expect((await post(account)).assignedTo).toBe(b.email);
    });

    it('caps: 3 members with caps.day = 5 take 5 leads each, then leads pass to the default rotation, explained', async () => {
      const account = await createAccount(t);
      const [a, b, c, d] = await agents(account, 4);
      const teamId = await createTeam(account.owner.api);
      const teamRotation = (await account.owner.api.post('/rotations', { name: 'T', teamId, members: [a, b, c].map((m) => ({ user: m.email, caps: { day: 5 } })) })).body.id;
      const defaultRotation = (await account.owner.api.post('/rotations', { name: 'D', members: [{ user: d.email }] })).body.id;
      const leads = [];
      for (let i = 0; i < 20; i++) leads.push(await post(account, { teamId }));
      const got = leads.map((l) => l.assignedTo);
      expect(got.slice(0, 15)).toEqual(Array.from({ length: 5 }, () => [a.email, b.email, c.email]).flat());
      expect(got.slice(15)).toEqual(Array(5).fill(d.email));
      for (const lead of leads.slice(15)) {
        expect(entryOf(lead).data.assignment).toMatchObject({
          rotationId: defaultRotation,
          user: d.email,
          reason: 'default_rotation',
          fallbackFromTeamRotationId: teamRotation,
          candidates: [{ user: d.email, weight: 1, eligible: true, skipped: null }],
          consulted: [{ rotationId: teamRotation, user: null, candidates: [a, b, c].map((m) => ({ user: m.email, weight: 1, eligible: false, skipped: 'day_cap_reached' })) }],
        });
      }
      expect(entryOf(leads[0]).data.assignment).toMatchObject({ rotationId: teamRotation, user: a.email, reason: 'rotation', fallbackFromTeamRotationId: null, consulted: [] });
      // the 13th lead (a's 5th): b and c had 4, a had 4: all eligible; the 14th: a is capped
      expect(entryOf(leads[13]).data.assignment.candidates.map((x: any) => x.skipped)).toEqual(['day_cap_reached', null, null]);
      expect((await account.owner.api.get(`/rotations/${teamRotation}/preview?count=3`)).body).toEqual({ data: [{ user: null }, { user: null }, { user: null }] });
    });

    it('without a default rotation, a capped team rotation leaves the lead unassigned, saying why', async () => {
      const account = await createAccount(t);
      const [a] = await agents(account, 1);
      const rotationId = (await account.owner.api.post('/rotations', { name: 'D', members: [{ user: a.email, caps: { day: 1, week: 1 } }] })).body.id;
      expect((await post(account)).assignedTo).toBe(a.email);
      const second = await post(account);
      expect(second.assignedTo).toBeNull();
      expect(entryOf(second).data.assignment).toMatchObject({ rotationId, user: null, candidates: [{ user: a.email, eligible: false, skipped: 'day_cap_reached' }], consulted: [] });
    });

    it('availability: a member away now and one outside working hours are skipped with those reasons; preview agrees with the next leads', async () => {
      const account = await createAccount(t);
      const [a, b, c] = await agents(account, 3);
      await b.api.post(`/members/${b.email}/away`, { from: new Date(Date.now() - 60_000).toISOString(), until: new Date(Date.now() + 3600_000).toISOString() });
      await c.api.patch(`/members/${c.email}`, { timeZone: nightZone(), workingHours: DAYTIME });
      const rotationId = (await account.owner.api.post('/rotations', { name: 'D', respectAvailability: true, members: [a, b, c].map((m) => ({ user: m.email })) })).body.id;
      const preview = (await account.owner.api.get(`/rotations/${rotationId}/preview?count=4`)).body.data.map((x: any) => x.user);
      expect(preview).toEqual([a.email, a.email, a.email, a.email]);
      const leads = [];
      for (let i = 0; i < 4; i++) leads.push(await post(account));
      expect(leads.map((l) => l.assignedTo)).toEqual(preview);
      expect(entryOf(leads[1]).data.assignment.candidates).toEqual([
        { user: a.email, weight: 1, eligible: true, skipped: null },
        { user: b.email, weight: 1, eligible: false, skipped: 'away' },
        { user: c.email, weight: 1, eligible: false, skipped: 'outside_working_hours' },
      ]);
      // the same rotation without respectAvailability: strict order again, b and c included
      await account.owner.api.patch(`/rotations/${rotationId}`, { respectAvailability: false });
      const plain = (await account.owner.api.get(`/rotations/${rotationId}/preview?count=3`)).body.data.map((x: any) => x.user);
      const next = [];
      for (let i = 0; i < 3; i++) next.push((await post(account)).assignedTo);
      expect(next).toEqual(plain);
      expect(new Set(next)).toEqual(new Set([a.email, b.email, c.email]));
    });

    it('a rotation with caps and availability keeps the one-statement path: alone and batched, from the state this process wrote; exact all the same', async () => {
      const paths = jest.spyOn(t.app.get(LeadCreatePaths), 'created');
      try {
        const account = await createAccount(t);
        const [a, b, c] = await agents(account, 3);
        const teamId = await createTeam(account.owner.api);
        await account.owner.api.post('/rotations', { name: 'T', teamId, respectAvailability: true, members: [a, b, c].map((m) => ({ user: m.email, caps: { day: 7 } })) });
        const firstLeads = [];
        for (let i = 0; i < 3; i++) firstLeads.push(await post(account, { teamId, position: 'CFO' }));
        const first = firstLeads.map((l) => l.assignedTo);
        expect(first).toEqual([a.email, b.email, c.email]);
        // the lead's own fields are its own (a lead has a `position` field too)
        for (const lead of firstLeads) expect((await account.owner.api.get(`/leads/${lead.id}`)).body).toMatchObject({ position: 'CFO', assignedTo: lead.assignedTo });
        /** Leads written by each path since the last call. */
        const count = () => {
          const counts: Record<string, number> = {};
          for (const [path, n] of paths.mock.calls) counts[path] = (counts[path] ?? 0) + n;
          paths.mockClear();
          return counts;
        };
        let counts = count();
        expect(counts['checked']).toBe(1);
        expect(counts['at-once']).toBe(2);
        // 12 at once, all within the caps: one statement alone, the others batched behind it
        const within = await Promise.all(Array.from({ length: 12 }, () => post(account, { teamId })));
        counts = count();
        expect((counts['at-once'] ?? 0) + (counts['batched'] ?? 0)).toBeGreaterThanOrEqual(usingRealPostgres() ? 10 : 12);
        // 9 more: 6 fit under the caps, 3 are passed on (no default rotation: unassigned)
        const past = await Promise.all(Array.from({ length: 9 }, () => post(account, { teamId })));
        const all = [...first, ...within.map((l) => l.assignedTo), ...past.map((l) => l.assignedTo)];
        for (const m of [a, b, c]) expect(all.filter((u) => u === m.email)).toHaveLength(7);
        expect(all.filter((u) => u === null)).toHaveLength(3);
      } finally {
        paths.mockRestore();
      }
    });

    it('AssignmentService.assign takes a turn skipping the users to exclude (already_had_lead)', async () => {
      const account = await createAccount(t);
      const [a, b] = await agents(account, 2);
      await account.owner.api.post('/rotations', { name: 'D', members: [{ user: a.email }, { user: b.email }] });
      const assignment = t.app.get(AssignmentService);
      const got = await t.app.get(DataSource).transaction((m) => assignment.assign(m, account.id, { teamId: null, exclude: new Set([a.email]) }));
      expect(got).toMatchObject({ user: b.email, candidates: [{ user: a.email, eligible: false, skipped: 'already_had_lead' }, { user: b.email, eligible: true, skipped: null }] });
      expect((await post(account)).assignedTo).toBe(b.email); // the turn was taken: position 1 → b
    });
  });

  it('stats: 600 leads through weights 1:2:3 give shares 1/6, 2/6, 3/6 exactly', async () => {
    const account = await createAccount(t);
    const [a, b, c] = await agents(account, 3);
    const rotationId = (await account.owner.api.post('/rotations', { name: 'D', members: [{ user: a.email, weight: 1 }, { user: b.email, weight: 2 }, { user: c.email, weight: 3 }] })).body.id;
    for (let i = 0; i < 600; i += 20) await Promise.all(Array.from({ length: 20 }, () => post(account)));
    const stats = await account.owner.api.get(`/rotations/${rotationId}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body).toEqual({
      from: expect.any(String),
      to: expect.any(String),
      total: 600,
      members: [
        { user: a.email, weight: 1, assigned: 100, share: 1 / 6, expectedShare: 1 / 6 },
        { user: b.email, weight: 2, assigned: 200, share: 2 / 6, expectedShare: 2 / 6 },
        { user: c.email, weight: 3, assigned: 300, share: 3 / 6, expectedShare: 3 / 6 },
      ],
    });
    expect(Date.parse(stats.body.to) - Date.parse(stats.body.from)).toBe(7 * 86400_000);
    const past = await account.owner.api.get(`/rotations/${rotationId}/stats?from=2020-01-01T00:00:00Z&to=2020-01-08T00:00:00Z`);
    expect(past.body).toMatchObject({ total: 0, members: [{ assigned: 0, share: 0 }, { assigned: 0 }, { assigned: 0 }] });
    expect((await a.api.get(`/rotations/${rotationId}/stats`)).status).toBe(403); // manager and up
    expect((await account.owner.api.get(`/rotations/${rotationId}/stats?from=2020-01-08T00:00:00Z&to=2020-01-01T00:00:00Z`)).status).toBe(400);
  }, 120_000);

  it('GET /leads/{id}/assignments: created by a rotation, then PATCHed (manual), newest first', async () => {
    const account = await createAccount(t);
    const [a, b] = await agents(account, 2);
    const viewer = await account.member('viewer');
    const rotationId = (await account.owner.api.post('/rotations', { name: 'D', members: [{ user: a.email }, { user: b.email }] })).body.id;
    const lead = await post(account);
    expect((await account.owner.api.patch(`/leads/${lead.id}`, { assignedTo: b.email })).status).toBe(200);
    const named = await post(account, { assignedTo: a.email });
    const res = await viewer.api.get(`/leads/${lead.id}/assignments`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [
        { at: expect.any(String), user: b.email, previousUser: a.email, reason: 'manual', rotationId: null },
        {
          at: expect.any(String),
          user: a.email,
          previousUser: null,
          reason: 'default_rotation',
          rotationId,
          candidates: [
            { user: a.email, weight: 1, eligible: true, skipped: null },
            { user: b.email, weight: 1, eligible: true, skipped: null },
          ],
        },
      ],
      nextCursor: null,
    });
    const paged = await viewer.api.get(`/leads/${lead.id}/assignments?limit=1`);
    expect(paged.body.data).toEqual([res.body.data[0]]);
    expect((await viewer.api.get(`/leads/${lead.id}/assignments?limit=1&cursor=${paged.body.nextCursor}`)).body).toEqual({ data: [res.body.data[1]], nextCursor: null });
    expect((await viewer.api.get(`/leads/${named.id}/assignments`)).body.data).toEqual([{ at: expect.any(String), user: a.email, previousUser: null, reason: 'named', rotationId: null }]);
    expect((await viewer.api.get('/leads/999999999/assignments')).status).toBe(404);
  });

  it("another account's rotation, lead and member do not exist here: 404 for preview, stats, assignments and away periods", async () => {
    const mine = await createAccount(t);
    const theirs = await createAccount(t);
    const [their] = await agents(theirs, 1);
    const rotationId = (await theirs.owner.api.post('/rotations', { name: 'D', members: [{ user: their.email }] })).body.id;
    const lead = await post(theirs);
    expect((await mine.owner.api.get(`/rotations/${rotationId}/preview`)).status).toBe(404);
    expect((await mine.owner.api.get(`/rotations/${rotationId}/stats`)).status).toBe(404);
    expect((await mine.owner.api.get(`/leads/${lead.id}/assignments`)).status).toBe(404);
    expect((await mine.owner.api.get(`/members/${their.email}/away`)).status).toBe(404);
    expect((await mine.owner.api.post(`/members/${their.email}/away`, { from: '2030-01-01T00:00:00Z', until: '2030-01-02T00:00:00Z' })).status).toBe(404);
    expect((await mine.owner.api.patch(`/members/${their.email}`, { timeZone: 'Europe/Paris' })).status).toBe(404);
    const away = await their.api.post(`/members/${their.email}/away`, { from: '2030-01-01T00:00:00Z', until: '2030-01-02T00:00:00Z' });
    expect((await mine.owner.api.delete(`/members/${their.email}/away/${away.body.id}`)).status).toBe(404);
    expect((await theirs.owner.api.get(`/members/${their.email}/away`)).body.data).toHaveLength(1);
    expect((await theirs.owner.api.get(`/rotations/${rotationId}/preview?count=2`)).body).toEqual({ data: [{ user: their.email }, { user: their.email }] });
    expect((await theirs.owner.api.get(`/rotations/${rotationId}/preview?count=101`)).status).toBe(400);
  });

  describe('caps across two server processes', () => {
    const real = itWhen(needsPostgres());
    let servers: ServerProcess[] = [];
    afterAll(async () => {
      for (const s of servers) s.child.kill('SIGTERM');
      await Promise.all(servers.map((s) => Promise.race([s.exited, new Promise((r) => setTimeout(r, 12000).unref())])));
      for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    });

    real.it('30 concurrent POST /leads over two processes through 3 members with caps.day = 5: exactly 15 assigned, 5 each, 15 passed on', async () => {
      const env = { DATABASE_URL: process.env[RUN_DATABASE_ENV], MIGRATIONS_RUN: 'false', JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0' };
      servers = await Promise.all([startServer(env), startServer(env)]);
      const account = await createAccount(t);
      const members: TestUser[] = await agents(account, 3);
      const teamId = await createTeam(account.owner.api);
      const rotationId = (await account.owner.api.post('/rotations', { name: 'T', teamId, members: members.map((m) => ({ user: m.email, caps: { day: 5 } })) })).body.id;
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          requestJson(servers[i % 2], 'POST', '/leads?skipTeamAndSourceRequirement=true', {
            token: account.owner.token,
            account: account.id,
            body: { ...MINIMAL_LEAD, teamId, lastName: `L${i}` },
            timeoutMs: 60_000,
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(201));
      const assigned = answers.map((a) => a.body.assignedTo).filter((u) => u !== null);
      expect(assigned).toHaveLength(15);
      for (const m of members) expect(assigned.filter((u) => u === m.email)).toHaveLength(5);
      for (const answer of answers) {
        const how = entryOf(answer.body).data.assignment;
        expect(how.rotationId).toBe(rotationId);
        if (answer.body.assignedTo === null) {
          expect(how).toMatchObject({ user: null, candidates: members.map((m) => ({ user: m.email, eligible: false, skipped: 'day_cap_reached' })) });
        } else {
          expect(how.user).toBe(answer.body.assignedTo);
          expect(how.candidates.find((x: any) => x.user === how.user)).toMatchObject({ eligible: true, skipped: null });
          for (const x of how.candidates) expect([null, 'day_cap_reached']).toContain(x.skipped);
        }
      }
      // the lead that took each member's 5th lead was the last one that member could get: later entries name the cap
      const entries = (await account.owner.api.get('/audit-logs?event=lead_created&limit=100')).body.data.reverse();
      const seen = new Map<string, number>();
      for (const e of entries) {
        for (const x of e.data.assignment.candidates) expect(x.skipped === 'day_cap_reached').toBe((seen.get(x.user) ?? 0) >= 5);
        if (e.data.assignment.user) seen.set(e.data.assignment.user, (seen.get(e.data.assignment.user) ?? 0) + 1);
      }
    }, 180_000);
  });
});
