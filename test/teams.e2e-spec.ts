import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { describeDenials } from './support/denial';

describe('teams', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const events = async (account: TestAccount, query: string) =>
    (await account.owner.api.get(`/audit-logs?${query}`)).body.data as { event: string; entityId: string; data: unknown; user: string }[];

  it('creates, reads, lists, renames and soft-deletes a team', async () => {
    const account = await createAccount(t);
    const manager = await account.member('manager');
    const viewer = await account.member('viewer');

    const created = await manager.api.post('/teams', { name: '  Enterprise sales ' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      accountId: account.id,
      name: 'Enterprise sales',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = created.body.id;

    expect(await viewer.api.get(`/teams/${id}`)).toMatchObject({ status: 200, body: created.body });
    expect((await viewer.api.get('/teams')).body).toEqual({ data: [created.body], nextCursor: null });

    const renamed = await manager.api.patch(`/teams/${id}`, { name: 'Mid-market' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, accountId: account.id, name: 'Mid-market', createdAt: created.body.createdAt });
    expect(new Date(renamed.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(created.body.updatedAt).getTime());
    // the answer is the stored row: the same updatedAt as a later read
    expect((await viewer.api.get(`/teams/${id}`)).body).toEqual(renamed.body);

    const deleted = await manager.api.delete(`/teams/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe('');
    // A deleted team no longer exists for the API.
    expect(await viewer.api.get(`/teams/${id}`)).toMatchObject({ status: 404, body: { error: 'team not found' } });
    expect((await manager.api.patch(`/teams/${id}`, { name: 'Back' })).status).toBe(404);
    expect((await manager.api.delete(`/teams/${id}`)).status).toBe(404);
    expect((await viewer.api.get('/teams')).body).toEqual({ data: [], nextCursor: null });
    expect((await manager.api.post(`/teams/${id}/lead-sources`, { name: 'Web' })).status).toBe(404);
    expect(await manager.api.post('/rotations', { name: 'R', teamId: id, members: [{ user: manager.email }] })).toMatchObject({
      status: 400,
      body: { error: 'team not found' },
    });
  });

  it('keeps names unique per account, case-insensitively, among live teams (409); a deleted name can be reused', async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const sales = (await api.post('/teams', { name: 'Sales' })).body;
    expect(await api.post('/teams', { name: 'sales' })).toEqual(
      expect.objectContaining({ status: 409, body: { error: 'a team with this name already exists in the account' } }),
    );
    expect((await api.post('/teams', { name: ' SALES ' })).status).toBe(409);

    const support = (await api.post('/teams', { name: 'Support' })).body;
    expect(await api.patch(`/teams/${support.id}`, { name: 'SaLeS' })).toMatchObject({
      status: 409,
      body: { error: 'a team with this name already exists in the account' },
    });
    // Changing only the case of its own name is a rename, not a conflict.
    expect(await api.patch(`/teams/${sales.id}`, { name: 'SALES' })).toMatchObject({ status: 200, body: { name: 'SALES' } });

    // Another account may use the same name.
    const other = await createAccount(t);
    expect((await other.owner.api.post('/teams', { name: 'Sales' })).status).toBe(201);

    expect((await api.delete(`/teams/${sales.id}`)).status).toBe(204);
    const again = await api.post('/teams', { name: 'sales' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(sales.id);
    expect((await api.patch(`/teams/${support.id}`, { name: 'Sales' })).status).toBe(409);
  });

  it('answers 409, never 500, when the same name is created concurrently', async () => {
    const account = await createAccount(t);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => account.owner.api.post('/teams', { name: i % 2 ? 'Race' : 'RACE' })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect((await account.owner.api.get('/teams')).body.data).toHaveLength(1);
    expect(await events(account, 'entityType=team&event=team_created')).toHaveLength(1);
  });

  describe('validates bodies and path ids: 400 with details, nothing created or changed', () => {
    let account: TestAccount;
    let team: { id: number; name: string };
    beforeAll(async () => {
      account = await createAccount(t);
      team = (await account.owner.api.post('/teams', { name: 'Sales' })).body;
    });

    it.each([{}, { name: '' }, { name: '   ' }, { name: 42 }, { name: null }, { name: 'x'.repeat(256) }, { name: 'ok', extra: 1 }, ['Sales']])(
      'POST /teams %j: 400 with details',
      async (body) => {
        const res = await account.owner.api.post('/teams', body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error: expect.any(String), details: expect.arrayContaining([expect.objectContaining({ message: expect.any(String) })]) });
      },
    );

    it('names an unknown field', async () => {
      expect((await account.owner.api.post('/teams', { name: 'ok', extra: 1 })).body.details).toEqual([{ field: 'extra', message: 'extra is not a known field' }]);
    });

    it.each([{ name: '' }, { name: null }, { name: 7 }, { id: 3 }])('PATCH /teams/{id} %j: 400 with details', async (body) => {
      const res = await account.owner.api.patch(`/teams/${team.id}`, body);
      expect(res.status).toBe(400);
      expect(res.body.details.length).toBeGreaterThan(0);
    });

    it.each(['abc', '0', '-1', '1.5', '99999999999', '1e3'])('path id %s: 400 on GET, PATCH and DELETE', async (bad) => {
      const api = account.owner.api;
      expect((await api.get(`/teams/${bad}`)).status).toBe(400);
      expect((await api.patch(`/teams/${bad}`, { name: 'x' })).status).toBe(400);
      expect((await api.delete(`/teams/${bad}`)).status).toBe(400);
    });

    it('created and changed nothing; an id in range that does not exist is 404', async () => {
      const api = account.owner.api;
      expect((await api.get('/teams')).body.data).toEqual([team]);
      expect((await api.get(`/teams/${team.id}`)).body.name).toBe('Sales');
      expect((await api.get('/teams/2147483647')).status).toBe(404);
    });
  });

  it("treats another account's team as not found (404) on every route and never changes it", async () => {
    const mine = await createAccount(t);
    const theirs = await createAccount(t);
    const their = (await theirs.owner.api.post('/teams', { name: 'Theirs' })).body;
    const api = mine.owner.api;
    expect(await api.get(`/teams/${their.id}`)).toMatchObject({ status: 404, body: { error: 'team not found' } });
    expect((await api.patch(`/teams/${their.id}`, { name: 'Hijacked' })).status).toBe(404);
    expect((await api.delete(`/teams/${their.id}`)).status).toBe(404);
    expect((await api.get('/teams')).body.data).toEqual([]);
    expect((await theirs.owner.api.get(`/teams/${their.id}`)).body).toEqual(their);
    expect(await events(mine, 'entityType=team')).toEqual([]);
  });

  it('paginates GET /teams by id with an opaque cursor', async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const ids: number[] = [];
    for (const name of ['A', 'B', 'C', 'D', 'E']) ids.push((await api.post('/teams', { name })).body.id);
    await api.delete(`/teams/${ids[1]}`);
    const live = [ids[0], ids[2], ids[3], ids[4]];

    const first = await api.get('/teams?limit=3');
    expect(first.body.data.map((x: { id: number }) => x.id)).toEqual(live.slice(0, 3));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api.get(`/teams?limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body).toEqual({ data: [expect.objectContaining({ id: live[3] })], nextCursor: null });
    expect((await api.get('/teams')).body.data).toHaveLength(4);

    for (const query of ['limit=0', 'limit=101', 'limit=x', 'cursor=garbage', `cursor=${first.body.nextCursor}x`]) {
      expect({ query, status: (await api.get(`/teams?${query}`)).status }).toEqual({ query, status: 400 });
    }
    // A cursor of another list is refused.
    const rotationsCursor = await (async () => {
      const m = await account.member('agent');
      for (const name of ['R1', 'R2']) await api.post('/rotations', { name, members: [{ user: m.email }], active: false });
      return (await api.get('/rotations?limit=1')).body.nextCursor;
    })();
    expect((await api.get(`/teams?cursor=${rotationsCursor}`)).status).toBe(400);
  });

  it('audits creates, renames and deletes in the same transaction, and nothing for a no-op PATCH', async () => {
    const account = await createAccount(t);
    const manager = await account.member('manager');
    const team = (await manager.api.post('/teams', { name: 'Sales' })).body;
    expect((await manager.api.patch(`/teams/${team.id}`, { name: 'Sales' })).status).toBe(200);
    expect((await manager.api.patch(`/teams/${team.id}`, {})).status).toBe(200);
    await manager.api.patch(`/teams/${team.id}`, { name: 'Field sales' });
    await manager.api.delete(`/teams/${team.id}`);

    const log = await events(account, `entityType=team&entityId=${team.id}`);
    expect(log.map((e) => e.event)).toEqual(['team_deleted', 'team_updated', 'team_created']);
    expect(log.every((e) => e.user === manager.email && e.entityId === String(team.id))).toBe(true);
    expect(log[2].data).toEqual({ name: 'Sales' });
    expect(log[1].data).toEqual({ changes: { name: { from: 'Sales', to: 'Field sales' } } });
    expect(log[0].data).toEqual({ name: 'Field sales' });
    expect(log[2]).toMatchObject({ requestMethod: 'POST', requestPath: '/teams' });

    // A refused change leaves no entry.
    await manager.api.post('/teams', { name: 'Dup' });
    await manager.api.post('/teams', { name: 'dup' });
    expect(await events(account, 'event=team_created')).toHaveLength(2);
  });

  it("deleting a team deletes its lead sources and rotations too, each with its own audit entry", async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const team = (await api.post('/teams', { name: 'Sales' })).body;
    const keep = (await api.post('/teams', { name: 'Support' })).body;
    const web = (await api.post(`/teams/${team.id}/lead-sources`, { name: 'Web' })).body;
    const fair = (await api.post(`/teams/${team.id}/lead-sources`, { name: 'Fair' })).body;
    const kept = (await api.post(`/teams/${keep.id}/lead-sources`, { name: 'Web' })).body;
    const rotation = (await api.post('/rotations', { name: 'R', teamId: team.id, members: [{ user: account.owner.email }] })).body;
    const keptRotation = (await api.post('/rotations', { name: 'R', teamId: keep.id, members: [{ user: account.owner.email }] })).body;

    expect((await api.delete(`/teams/${team.id}`)).status).toBe(204);
    expect((await api.get(`/lead-sources/${web.id}`)).status).toBe(404);
    expect((await api.get(`/lead-sources/${fair.id}`)).status).toBe(404);
    expect((await api.get(`/rotations/${rotation.id}`)).status).toBe(404);
    expect((await api.get(`/lead-sources/${kept.id}`)).status).toBe(200);
    expect((await api.get(`/rotations/${keptRotation.id}`)).status).toBe(200);

    const sourceLog = await events(account, 'event=lead_source_deleted');
    expect(sourceLog.map((e) => e.entityId).sort()).toEqual([String(web.id), String(fair.id)].sort());
    expect(sourceLog.find((e) => e.entityId === String(web.id))!.data).toEqual({ name: 'Web', teamId: team.id, reason: 'team_deleted' });
    const rotationLog = await events(account, 'event=rotation_deleted');
    expect(rotationLog).toEqual([expect.objectContaining({ entityId: String(rotation.id), data: { name: 'R', teamId: team.id, active: true, reason: 'team_deleted' } })]);
  });

  describeDenials('teams', () => t, [
    { method: 'POST', path: '/teams', role: 'manager', body: { name: 'Denied' } },
    { method: 'GET', path: '/teams', role: 'viewer' },
    { method: 'GET', path: async (a) => `/teams/${(await a.owner.api.post('/teams', { name: `T${Math.random()}` })).body.id}`, role: 'viewer' },
    { method: 'PATCH', path: async (a) => `/teams/${(await a.owner.api.post('/teams', { name: `T${Math.random()}` })).body.id}`, role: 'manager', body: { name: 'Renamed' } },
    { method: 'DELETE', path: async (a) => `/teams/${(await a.owner.api.post('/teams', { name: `T${Math.random()}` })).body.id}`, role: 'manager' },
  ]);
});
