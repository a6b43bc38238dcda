import { DataSource } from 'typeorm';
import { AssignmentService } from '../src/rotations/assignment.service';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, newEmail, type TestAccount, type TestUser } from './support/builders';
import { describeDenials } from './support/denial';

describe('rotations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** One assignment, as POST /leads makes it: in its own transaction. */
  const assign = (account: TestAccount, teamId: number | null = null) =>
    t.app.get(DataSource).transaction((m) => t.app.get(AssignmentService).nextAssignee(m, account.id, teamId));
  const agents = (account: TestAccount, n: number) => Promise.all(Array.from({ length: n }, () => account.member('agent')));
  const users = (members: TestUser[], weights: (number | undefined)[] = []) => members.map((m, i) => (weights[i] === undefined ? { user: m.email } : { user: m.email, weight: weights[i] }));
  const newTeam = async (account: TestAccount) => (await account.owner.api.post('/teams', { name: `Team ${Math.random()}` })).body as { id: number };
  const events = async (account: TestAccount, query: string) =>
    (await account.owner.api.get(`/audit-logs?${query}`)).body.data as { event: string; entityId: string; data: any; user: string }[];

  it('creates a default rotation (no teamId) and a team rotation; reads and lists them with members in order and nextUser', async () => {
    const account = await createAccount(t);
    const manager = await account.member('manager');
    const viewer = await account.member('viewer');
    const [a, b, c] = await agents(account, 3);

    const created = await manager.api.post('/rotations', { name: ' Everyone ', members: [{ user: a.email.toUpperCase() }, { user: b.email, weight: 3 }, { user: c.email, weight: null }] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      accountId: account.id,
      teamId: null,
      name: 'Everyone',
      active: true,
      respectAvailability: false,
      firstTouchSeconds: null,
      maxReassignments: 2,
      members: [
        { user: a.email, weight: 1 },
        { user: b.email, weight: 3 },
        { user: c.email, weight: 1 },
      ],
      // SWRR over weights 1,3,1 starts with the heaviest member.
      nextUser: b.email,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await viewer.api.get(`/rotations/${created.body.id}`)).toMatchObject({ status: 200, body: created.body });

    const team = await newTeam(account);
    const teamRotation = await manager.api.post('/rotations', { name: 'Team', teamId: team.id, members: users([c, a]), active: true });
    expect(teamRotation.status).toBe(201);
    expect(teamRotation.body).toMatchObject({ teamId: team.id, active: true, members: users([c, a], [1, 1]), nextUser: c.email });
    const explicitNull = await manager.api.post('/rotations', { name: 'Spare default', teamId: null, members: users([a]), active: false });
    expect(explicitNull.body).toMatchObject({ teamId: null, active: false, nextUser: a.email });

    expect((await viewer.api.get('/rotations')).body).toEqual({ data: [created.body, teamRotation.body, explicitNull.body], nextCursor: null });
  });

  it('allows one active rotation per team and one active default per account (409), enforced by the database', async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const [a] = await agents(account, 1);
    const team = await newTeam(account);
    const otherTeam = await newTeam(account);

    const first = (await api.post('/rotations', { name: 'Default', members: users([a]) })).body;
    expect(await api.post('/rotations', { name: 'Default 2', members: users([a]) })).toMatchObject({
      status: 409,
      body: { error: 'the account already has an active default rotation; deactivate or delete it first' },
    });
    const teamFirst = (await api.post('/rotations', { name: 'T', teamId: team.id, members: users([a]) })).body;
    expect(await api.post('/rotations', { name: 'T2', teamId: team.id, members: users([a]), active: true })).toMatchObject({
      status: 409,
      body: { error: 'the team already has an active rotation; deactivate or delete it first' },
    });
    expect((await api.post('/rotations', { name: 'Other', teamId: otherTeam.id, members: users([a]) })).status).toBe(201);

    // Inactive ones may coexist, but cannot be activated while another is active.
    const spare = (await api.post('/rotations', { name: 'Spare', members: users([a]), active: false })).body;
    const teamSpare = (await api.post('/rotations', { name: 'T spare', teamId: team.id, members: users([a]), active: false })).body;
    expect(await api.patch(`/rotations/${spare.id}`, { active: true })).toMatchObject({
      status: 409,
      body: { error: 'the account already has an active default rotation; deactivate or delete it first' },
    });
    expect((await api.patch(`/rotations/${teamSpare.id}`, { active: true })).status).toBe(409);
    // A refused PATCH changes nothing, even its other fields.
    expect((await api.patch(`/rotations/${spare.id}`, { active: true, name: 'Renamed' })).status).toBe(409);
    expect((await api.get(`/rotations/${spare.id}`)).body).toMatchObject({ name: 'Spare', active: false });

    // Deactivating or deleting the active one frees the place.
    expect((await api.patch(`/rotations/${first.id}`, { active: false })).status).toBe(200);
    expect(await api.patch(`/rotations/${spare.id}`, { active: true })).toMatchObject({ status: 200, body: { active: true } });
    expect((await api.delete(`/rotations/${teamFirst.id}`)).status).toBe(204);
    expect(await api.patch(`/rotations/${teamSpare.id}`, { active: true })).toMatchObject({ status: 200, body: { active: true } });

    // Concurrent creates: exactly one wins, the others get 409 (never 500).
    const fresh = await createAccount(t);
    const racers = await Promise.all(Array.from({ length: 6 }, (_, i) => fresh.owner.api.post('/rotations', { name: `D${i}`, members: [{ user: fresh.owner.email }] })));
    expect(racers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const spares = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => (await fresh.owner.api.post('/rotations', { name: `S${i}`, members: [{ user: fresh.owner.email }], active: false })).body.id),
    );
    await fresh.owner.api.patch(`/rotations/${racers.find((r) => r.status === 201)!.body.id}`, { active: false });
    const activations = await Promise.all(spares.map((id) => fresh.owner.api.patch(`/rotations/${id}`, { active: true })));
    expect(activations.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
  });

  describe('refuses a malformed member list: 400 naming the field, nothing created', () => {
    let account: TestAccount;
    let agent: string;
    beforeAll(async () => {
      account = await createAccount(t);
      agent = (await account.member('agent')).email;
    });

    it.each<[string, (user: string) => unknown, string]>([
      ['the same user twice (any case)', (user) => [{ user }, { user: user.toUpperCase() }], 'members'],
      ['weight 0', (user) => [{ user, weight: 0 }], 'members[0].weight'],
      ['weight 101', (user) => [{ user, weight: 101 }], 'members[0].weight'],
      ['weight 1.5', (user) => [{ user, weight: 1.5 }], 'members[0].weight'],
      ['weight as a string', (user) => [{ user, weight: '2' }], 'members[0].weight'],
      ['weight -1', (user) => [{ user, weight: -1 }], 'members[0].weight'],
      ['weight true', (user) => [{ user, weight: true }], 'members[0].weight'],
      ['no member', () => [], 'members'],
      ['null', () => null, 'members'],
      ['a string', () => 'a@example.com', 'members'],
      ['an email instead of an object', (user) => [user], 'members[0]'],
      ['a null member', () => [null], 'members[0]'],
      ['a user that is not an email', () => [{ user: 'not-an-email' }], 'members[0].user'],
      ['an unknown field', (user) => [{ user, extra: 1 }], 'members[0].extra'],
      ['a member without user', () => [{}], 'members[0].user'],
      ['101 members', () => Array.from({ length: 101 }, (_, i) => ({ user: `u${i}@example.com` })), 'members'],
    ])('%s', async (_case, members, field) => {
      const res = await account.owner.api.post('/rotations', { name: 'R', members: members(agent) });
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining([field]));
    });

    it('created none of them', async () => {
      expect((await account.owner.api.get('/rotations')).body.data).toEqual([]);
    });
  });

  it('refuses members who are not active members of the account (400 naming each) and bad bodies, on POST and PATCH', async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const [a, inactive, removed] = await agents(account, 3);
    await api.patch(`/members/${inactive.email}`, { active: false });
    await api.delete(`/members/${removed.email}`);
    const stranger = newEmail('stranger');
    const otherAccount = await createAccount(t);

    const refused = await api.post('/rotations', {
      name: 'R',
      members: [{ user: a.email }, { user: stranger }, { user: inactive.email }, { user: removed.email }, { user: otherAccount.owner.email }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: 'rotation members must be active members of the account',
      details: [
        { field: 'members[1].user', message: `${stranger} is not an active member of the account` },
        { field: 'members[2].user', message: `${inactive.email} is not an active member of the account` },
        { field: 'members[3].user', message: `${removed.email} is not an active member of the account` },
        { field: 'members[4].user', message: `${otherAccount.owner.email} is not an active member of the account` },
      ],
    });

    for (const body of [{ members: users([a]) }, { name: '', members: users([a]) }, { name: 'R', members: users([a]), active: 'yes' }, { name: 'R', members: users([a]), extra: 1 }]) {
      const res = await api.post('/rotations', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.details.length).toBeGreaterThan(0);
    }
    // Weights at the bounds are fine.
    expect((await api.post('/rotations', { name: 'Bounds', members: [{ user: a.email, weight: 100 }, { user: account.owner.email, weight: 1 }] })).status).toBe(201);
    expect((await api.get('/rotations')).body.data).toHaveLength(1);

    // The same rules on PATCH.
    const rotation = (await api.get('/rotations')).body.data[0];
    expect((await api.patch(`/rotations/${rotation.id}`, { members: [{ user: inactive.email }] })).body).toEqual({
      error: 'rotation members must be active members of the account',
      details: [{ field: 'members[0].user', message: `${inactive.email} is not an active member of the account` }],
    });
    for (const body of [{ members: [] }, { members: null }, { members: [{ user: a.email, weight: 0 }] }, { members: [{ user: a.email }, { user: a.email }] }, { name: null }, { active: null }, { teamId: 3 }]) {
      const res = await api.patch(`/rotations/${rotation.id}`, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.details.length).toBeGreaterThan(0);
    }
    expect((await api.get(`/rotations/${rotation.id}`)).body).toEqual(rotation);
  });

  describe('refuses a teamId that is not a live team of the account (400 team not found)', () => {
    let account: TestAccount;
    let other: TestAccount;
    let theirTeam: { id: number };
    let deleted: { id: number };
    beforeAll(async () => {
      account = await createAccount(t);
      other = await createAccount(t);
      theirTeam = await newTeam(other);
      deleted = await newTeam(account);
      await account.owner.api.delete(`/teams/${deleted.id}`);
    });
    const create = (teamId: unknown) => account.owner.api.post('/rotations', { name: 'R', teamId, members: [{ user: account.owner.email }] });

    it.each<[string, () => number]>([
      ["another account's team", () => theirTeam.id],
      ['a deleted team', () => deleted.id],
      ['a team that does not exist', () => 2147483647],
    ])('%s', async (_case, teamId) => {
      expect(await create(teamId())).toEqual(
        expect.objectContaining({ status: 400, body: { error: 'team not found', details: [{ field: 'teamId', message: 'team not found' }] } }),
      );
    });

    it.each<[unknown]>([['1'], [0], [-1], [1.5], [2147483648], [{}]])('a malformed teamId %j (400 naming teamId)', async (teamId) => {
      const res = await create(teamId);
      expect(res.status).toBe(400);
      expect(res.body.details?.[0]?.field).toBe('teamId');
    });

    it('created nothing and left the other account alone', async () => {
      expect((await account.owner.api.get('/rotations')).body.data).toEqual([]);
      expect((await other.owner.api.get(`/teams/${theirTeam.id}`)).status).toBe(200);
    });
  });

  it('nextUser follows the turns; a different member list restarts at the first member, the same list or a rename does not', async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const [a, b, c] = await agents(account, 3);
    const rotation = (await api.post('/rotations', { name: 'R', members: users([a, b, c]) })).body;
    const next = async () => (await api.get(`/rotations/${rotation.id}`)).body.nextUser;

    expect(await next()).toBe(a.email);
    expect((await assign(account))!.user).toBe(a.email);
    expect(await next()).toBe(b.email);
    expect((await assign(account))!.user).toBe(b.email);
    expect(await next()).toBe(c.email);

    // Same members again, a rename, (de)activation: the position stays.
    await api.patch(`/rotations/${rotation.id}`, { members: users([a, b, c], [1, 1, 1]), name: 'Renamed' });
    await api.patch(`/rotations/${rotation.id}`, { active: false });
    await api.patch(`/rotations/${rotation.id}`, { active: true });
    expect(await next()).toBe(c.email);

    // New order: restarts at its first member (without the reset, position 2 would give a).
    const patched = await api.patch(`/rotations/${rotation.id}`, { members: users([b, c, a]) });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ members: users([b, c, a], [1, 1, 1]), nextUser: b.email });
    expect((await assign(account))!.user).toBe(b.email);
    expect((await assign(account))!.user).toBe(c.email);

    // A weight change is a member change too.
    await api.patch(`/rotations/${rotation.id}`, { members: users([b, c, a], [1, 1, 2]) });
    expect(await next()).toBe(a.email); // SWRR over 1,1,2 starts with the heaviest
    const turns = [];
    for (let i = 0; i < 8; i++) turns.push((await assign(account))!.user);
    expect(turns).toEqual([a, b, c, a, a, b, c, a].map((u) => u.email));

    const log = await events(account, `entityType=rotation&entityId=${rotation.id}&event=rotation_updated`);
    expect(log.map((e) => Object.keys(e.data.changes).sort())).toEqual([['members'], ['members'], ['active'], ['active'], ['name']]);
    expect(log[1].data.changes.members).toEqual({ from: users([a, b, c], [1, 1, 1]), to: users([b, c, a], [1, 1, 1]) });
  });

  it('nextUser skips members no longer active in the account, and null when none is left', async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const [a, b, c] = await agents(account, 3);
    const rotation = (await api.post('/rotations', { name: 'R', members: users([a, b, c]) })).body;
    const next = async () => (await api.get(`/rotations/${rotation.id}`)).body;
    await api.patch(`/members/${a.email}`, { active: false });
    expect(await next()).toMatchObject({ nextUser: b.email, members: users([a, b, c], [1, 1, 1]) });
    await api.delete(`/members/${b.email}`);
    expect((await next()).nextUser).toBe(c.email);
    await api.patch(`/members/${c.email}`, { active: false });
    expect((await next()).nextUser).toBeNull();
    await api.patch(`/members/${a.email}`, { active: true });
    expect((await next()).nextUser).toBe(a.email);
  });

  it('soft-deletes: a deleted rotation is gone from every route and frees its active place', async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const rotation = (await api.post('/rotations', { name: 'R', members: [{ user: account.owner.email }] })).body;
    expect((await api.delete(`/rotations/${rotation.id}`)).status).toBe(204);
    expect(await api.get(`/rotations/${rotation.id}`)).toMatchObject({ status: 404, body: { error: 'rotation not found' } });
    expect((await api.patch(`/rotations/${rotation.id}`, { name: 'Back' })).status).toBe(404);
    expect((await api.delete(`/rotations/${rotation.id}`)).status).toBe(404);
    expect((await api.get('/rotations')).body.data).toEqual([]);
    expect(await assign(account)).toBeNull();
    expect((await api.post('/rotations', { name: 'R', members: [{ user: account.owner.email }] })).status).toBe(201);
  });

  it('checks existence (404) before the rules of the body (400) on PATCH', async () => {
    const account = await createAccount(t);
    expect((await account.owner.api.patch('/rotations/2147483647', { members: [{ user: newEmail() }] })).status).toBe(404);
  });

  it.each(['x', '0', '1.0', '2147483648'])('a malformed id (%s) is 400 on GET, PATCH and DELETE', async (bad) => {
    const api = (await createAccount(t)).owner.api;
    expect((await api.get(`/rotations/${bad}`)).status).toBe(400);
    expect((await api.patch(`/rotations/${bad}`, { name: 'x' })).status).toBe(400);
    expect((await api.delete(`/rotations/${bad}`)).status).toBe(400);
  });

  it("treats another account's rotations as not found (404) and never uses or changes them", async () => {
    const mine = await createAccount(t);
    const theirs = await createAccount(t);
    const their = (await theirs.owner.api.post('/rotations', { name: 'Theirs', members: [{ user: theirs.owner.email }] })).body;
    const api = mine.owner.api;
    expect(await api.get(`/rotations/${their.id}`)).toMatchObject({ status: 404, body: { error: 'rotation not found' } });
    expect((await api.patch(`/rotations/${their.id}`, { name: 'Hijacked' })).status).toBe(404);
    expect((await api.patch(`/rotations/${their.id}`, { active: false })).status).toBe(404);
    expect((await api.delete(`/rotations/${their.id}`)).status).toBe(404);
    expect((await api.get('/rotations')).body.data).toEqual([]);
    expect(await assign(mine)).toBeNull();
    expect((await theirs.owner.api.get(`/rotations/${their.id}`)).body).toEqual(their);
    expect(await events(mine, 'entityType=rotation')).toEqual([]);
  });

  it('paginates GET /rotations', async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api.post('/rotations', { name: `R${i}`, members: [{ user: account.owner.email }], active: false })).body.id);
    const first = await api.get('/rotations?limit=2');
    expect(first.body.data.map((r: { id: number }) => r.id)).toEqual(ids.slice(0, 2));
    const second = await api.get(`/rotations?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body).toEqual({ data: [expect.objectContaining({ id: ids[2], members: [{ user: account.owner.email, weight: 1 }] })], nextCursor: null });
    for (const query of ['limit=0', 'limit=101', 'cursor=x.y']) expect((await api.get(`/rotations?${query}`)).status).toBe(400);
  });

  it('audits creates, updates (field by field) and deletes; nothing for a no-op PATCH', async () => {
    const account = await createAccount(t);
    const manager = await account.member('manager');
    const [a, b] = await agents(account, 2);
    const team = await newTeam(account);
    const rotation = (await manager.api.post('/rotations', { name: 'R', teamId: team.id, members: users([a, b], [2]) })).body;
    await manager.api.patch(`/rotations/${rotation.id}`, {});
    await manager.api.patch(`/rotations/${rotation.id}`, { name: 'R', active: true, members: users([a, b], [2, 1]) });
    await manager.api.patch(`/rotations/${rotation.id}`, { name: 'R2', active: false, members: users([b]) });
    await manager.api.delete(`/rotations/${rotation.id}`);

    const log = await events(account, `entityType=rotation&entityId=${rotation.id}`);
    expect(log.map((e) => e.event)).toEqual(['rotation_deleted', 'rotation_updated', 'rotation_created']);
    expect(log.every((e) => e.user === manager.email)).toBe(true);
    expect(log[2].data).toEqual({ name: 'R', teamId: team.id, active: true, respectAvailability: false, firstTouchSeconds: null, maxReassignments: 2, members: users([a, b], [2, 1]) });
    expect(log[1].data).toEqual({
      changes: {
        name: { from: 'R', to: 'R2' },
        active: { from: true, to: false },
        members: { from: users([a, b], [2, 1]), to: users([b], [1]) },
      },
    });
    expect(log[0].data).toEqual({ name: 'R2', teamId: team.id, active: false });
  });

  const withRotation = async (a: TestAccount) =>
    (await a.owner.api.post('/rotations', { name: 'R', members: [{ user: a.owner.email }], active: false })).body.id as number;
  describeDenials('rotations', () => t, [
    { method: 'POST', path: '/rotations', role: 'manager', body: { name: 'R', members: [{ user: 'nobody@example.com' }], active: false } },
    { method: 'GET', path: '/rotations', role: 'viewer' },
    { method: 'GET', path: async (a) => `/rotations/${await withRotation(a)}`, role: 'viewer' },
    { method: 'PATCH', path: async (a) => `/rotations/${await withRotation(a)}`, role: 'manager', body: { name: 'Renamed' } },
    { method: 'DELETE', path: async (a) => `/rotations/${await withRotation(a)}`, role: 'manager' },
  ]);
});
