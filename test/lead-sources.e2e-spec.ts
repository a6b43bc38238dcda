import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { describeDenials } from './support/denial';

describe('lead sources', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const newTeam = async (account: TestAccount, name = `Team ${Math.random()}`) => (await account.owner.api.post('/teams', { name })).body as { id: number };
  const events = async (account: TestAccount, query: string) =>
    (await account.owner.api.get(`/audit-logs?${query}`)).body.data as { event: string; entityId: string; data: unknown; user: string }[];

  it('creates a source in a team, reads, lists, renames and soft-deletes it', async () => {
    const account = await createAccount(t);
    const manager = await account.member('manager');
    const viewer = await account.member('viewer');
    const team = await newTeam(account);

    const created = await manager.api.post(`/teams/${team.id}/lead-sources`, { name: ' Website form ' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      accountId: account.id,
      teamId: team.id,
      name: 'Website form',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = created.body.id;
    expect(await viewer.api.get(`/lead-sources/${id}`)).toMatchObject({ status: 200, body: created.body });
    expect((await viewer.api.get(`/teams/${team.id}/lead-sources`)).body).toEqual({ data: [created.body], nextCursor: null });

    const renamed = await manager.api.patch(`/lead-sources/${id}`, { name: 'Trade show' });
    expect(renamed).toMatchObject({ status: 200, body: { id, teamId: team.id, name: 'Trade show', createdAt: created.body.createdAt } });
    // the answer is the stored row, updatedAt included
    expect((await viewer.api.get(`/lead-sources/${id}`)).body).toEqual(renamed.body);

    expect((await manager.api.delete(`/lead-sources/${id}`)).status).toBe(204);
    expect(await viewer.api.get(`/lead-sources/${id}`)).toMatchObject({ status: 404, body: { error: 'lead source not found' } });
    expect((await manager.api.patch(`/lead-sources/${id}`, { name: 'Back' })).status).toBe(404);
    expect((await manager.api.delete(`/lead-sources/${id}`)).status).toBe(404);
    expect((await viewer.api.get(`/teams/${team.id}/lead-sources`)).body).toEqual({ data: [], nextCursor: null });
  });

  it('keeps names unique per team, case-insensitively, among live sources (409); other teams and deleted names are free', async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const sales = await newTeam(account, 'Sales');
    const support = await newTeam(account, 'Support');
    const web = (await api.post(`/teams/${sales.id}/lead-sources`, { name: 'Web' })).body;
    expect(await api.post(`/teams/${sales.id}/lead-sources`, { name: ' WEB ' })).toMatchObject({
      status: 409,
      body: { error: 'a lead source with this name already exists in the team' },
    });
    expect((await api.post(`/teams/${support.id}/lead-sources`, { name: 'web' })).status).toBe(201);

    const fair = (await api.post(`/teams/${sales.id}/lead-sources`, { name: 'Fair' })).body;
    expect((await api.patch(`/lead-sources/${fair.id}`, { name: 'wEb' })).status).toBe(409);
    expect(await api.patch(`/lead-sources/${web.id}`, { name: 'WEB' })).toMatchObject({ status: 200, body: { name: 'WEB' } });

    expect((await api.delete(`/lead-sources/${web.id}`)).status).toBe(204);
    expect((await api.post(`/teams/${sales.id}/lead-sources`, { name: 'web' })).status).toBe(201);

    const concurrent = await Promise.all(Array.from({ length: 6 }, () => api.post(`/teams/${sales.id}/lead-sources`, { name: 'Race' })));
    expect(concurrent.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });

  it('answers 404 for a team that does not exist or was deleted', async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const team = await newTeam(account);
    await api.post(`/teams/${team.id}/lead-sources`, { name: 'Web' });
    await api.delete(`/teams/${team.id}`);
    expect(await api.get(`/teams/${team.id}/lead-sources`)).toMatchObject({ status: 404, body: { error: 'team not found' } });
    expect(await api.post(`/teams/${team.id}/lead-sources`, { name: 'Web' })).toMatchObject({ status: 404, body: { error: 'team not found' } });
    expect((await api.get('/teams/2147483647/lead-sources')).status).toBe(404);
  });

  it.each(['x', '0', '1.5'])('answers 400 for the malformed team id %s', async (bad) => {
    const api = (await createAccount(t)).owner.api;
    expect((await api.get(`/teams/${bad}/lead-sources`)).status).toBe(400);
    expect((await api.post(`/teams/${bad}/lead-sources`, { name: 'Web' })).status).toBe(400);
  });

  describe('validates bodies and path ids: 400 with details, nothing created or changed', () => {
    let account: TestAccount;
    let team: { id: number };
    let source: { id: number; name: string };
    beforeAll(async () => {
      account = await createAccount(t);
      team = await newTeam(account);
      source = (await account.owner.api.post(`/teams/${team.id}/lead-sources`, { name: 'Web' })).body;
    });

    it.each([{}, { name: '' }, { name: 42 }, { name: null }, { name: 'x'.repeat(256) }, { name: 'ok', teamId: 1 }])(
      'POST /teams/{id}/lead-sources %j: 400 with details',
      async (body) => {
        const res = await account.owner.api.post(`/teams/${team.id}/lead-sources`, body);
        expect(res.status).toBe(400);
        expect(res.body.details.length).toBeGreaterThan(0);
      },
    );

    it.each([{ name: '' }, { name: null }, { teamId: 1 }])('PATCH /lead-sources/{id} %j: 400 with details', async (body) => {
      const res = await account.owner.api.patch(`/lead-sources/${source.id}`, body);
      expect(res.status).toBe(400);
      expect(res.body.details.length).toBeGreaterThan(0);
    });

    it.each(['abc', '0', '-4', '2147483648'])('path id %s: 400 on GET, PATCH and DELETE', async (bad) => {
      const api = account.owner.api;
      expect((await api.get(`/lead-sources/${bad}`)).status).toBe(400);
      expect((await api.patch(`/lead-sources/${bad}`, { name: 'x' })).status).toBe(400);
      expect((await api.delete(`/lead-sources/${bad}`)).status).toBe(400);
    });

    it('created and changed nothing', async () => {
      expect((await account.owner.api.get(`/teams/${team.id}/lead-sources`)).body.data).toEqual([source]);
    });
  });

  it("treats another account's teams and sources as not found (404) on every route and never changes them", async () => {
    const mine = await createAccount(t);
    const theirs = await createAccount(t);
    const theirTeam = await newTeam(theirs);
    const theirSource = (await theirs.owner.api.post(`/teams/${theirTeam.id}/lead-sources`, { name: 'Theirs' })).body;
    const api = mine.owner.api;
    expect((await api.post(`/teams/${theirTeam.id}/lead-sources`, { name: 'Mine' })).status).toBe(404);
    expect((await api.get(`/teams/${theirTeam.id}/lead-sources`)).status).toBe(404);
    expect(await api.get(`/lead-sources/${theirSource.id}`)).toMatchObject({ status: 404, body: { error: 'lead source not found' } });
    expect((await api.patch(`/lead-sources/${theirSource.id}`, { name: 'Hijacked' })).status).toBe(404);
    expect((await api.delete(`/lead-sources/${theirSource.id}`)).status).toBe(404);
    expect((await theirs.owner.api.get(`/lead-sources/${theirSource.id}`)).body).toEqual(theirSource);
    expect((await theirs.owner.api.get(`/teams/${theirTeam.id}/lead-sources`)).body.data).toEqual([theirSource]);
    expect(await events(mine, 'entityType=lead_source')).toEqual([]);
  });

  it("paginates a team's sources, and lists only that team's", async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const team = await newTeam(account);
    const other = await newTeam(account);
    await api.post(`/teams/${other.id}/lead-sources`, { name: 'Elsewhere' });
    const ids: number[] = [];
    for (const name of ['A', 'B', 'C']) ids.push((await api.post(`/teams/${team.id}/lead-sources`, { name })).body.id);
    const first = await api.get(`/teams/${team.id}/lead-sources?limit=2`);
    expect(first.body.data.map((s: { id: number }) => s.id)).toEqual(ids.slice(0, 2));
    const second = await api.get(`/teams/${team.id}/lead-sources?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body).toEqual({ data: [expect.objectContaining({ id: ids[2], teamId: team.id })], nextCursor: null });
    expect((await api.get(`/teams/${team.id}/lead-sources?limit=3`)).body.nextCursor).toBeNull();
    for (const query of ['limit=0', 'limit=101', 'cursor=nope']) {
      expect((await api.get(`/teams/${team.id}/lead-sources?${query}`)).status).toBe(400);
    }
    const teamsCursor = (await api.get('/teams?limit=1')).body.nextCursor;
    expect((await api.get(`/teams/${team.id}/lead-sources?cursor=${teamsCursor}`)).status).toBe(400);
  });

  it('audits creates, renames and deletes, and nothing for a no-op or refused change', async () => {
    const account = await createAccount(t);
    const manager = await account.member('manager');
    const team = await newTeam(account);
    const source = (await manager.api.post(`/teams/${team.id}/lead-sources`, { name: 'Web' })).body;
    await manager.api.patch(`/lead-sources/${source.id}`, { name: 'Web' });
    await manager.api.patch(`/lead-sources/${source.id}`, {});
    await manager.api.patch(`/lead-sources/${source.id}`, { name: 'Website' });
    await manager.api.post(`/teams/${team.id}/lead-sources`, { name: 'website' });
    await manager.api.delete(`/lead-sources/${source.id}`);

    const log = await events(account, `entityType=lead_source&entityId=${source.id}`);
    expect(log.map((e) => e.event)).toEqual(['lead_source_deleted', 'lead_source_updated', 'lead_source_created']);
    expect(log.every((e) => e.user === manager.email)).toBe(true);
    expect(log.map((e) => e.data)).toEqual([
      { name: 'Website', teamId: team.id },
      { changes: { name: { from: 'Web', to: 'Website' } } },
      { name: 'Web', teamId: team.id },
    ]);
    expect(await events(account, 'entityType=lead_source')).toHaveLength(3);
  });

  const withSource = async (a: TestAccount) => {
    const team = await newTeam(a);
    return (await a.owner.api.post(`/teams/${team.id}/lead-sources`, { name: 'Web' })).body.id as number;
  };
  describeDenials('lead sources', () => t, [
    { method: 'POST', path: async (a) => `/teams/${(await newTeam(a)).id}/lead-sources`, role: 'manager', body: { name: 'Web' } },
    { method: 'GET', path: async (a) => `/teams/${(await newTeam(a)).id}/lead-sources`, role: 'viewer' },
    { method: 'GET', path: async (a) => `/lead-sources/${await withSource(a)}`, role: 'viewer' },
    { method: 'PATCH', path: async (a) => `/lead-sources/${await withSource(a)}`, role: 'manager', body: { name: 'Renamed' } },
    { method: 'DELETE', path: async (a) => `/lead-sources/${await withSource(a)}`, role: 'manager' },
  ]);
});
