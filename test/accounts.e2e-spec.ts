import { startTestApp, tokenFor, type TestApp } from './support/app';
import { createAccount, newEmail } from './support/builders';
import { Client } from './support/http';

describe('accounts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('POST /accounts makes the caller owner; GET /accounts lists it with the role', async () => {
    const email = newEmail('Founder').toUpperCase();
    const api = new Client(t.app, tokenFor(t.config, email));
    const created = await api.post('/accounts', { name: '  Acme Payments ' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^\d+$/), name: 'Acme Payments', role: 'owner', timeZone: 'UTC', defaultCountry: 'US', duplicatePolicy: 'allow', createdAt: expect.any(String) });
    const listed = await api.get('/accounts');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ data: [created.body], nextCursor: null });
    const members = await api.as(api.token, created.body.id).get('/members');
    expect(members.body.data).toEqual([expect.objectContaining({ email: email.toLowerCase(), role: 'owner', active: true })]);
  });

  it('records account_created and member_created in the audit log', async () => {
    const account = await createAccount(t);
    const log = await account.owner.api.get('/audit-logs');
    expect(log.status).toBe(200);
    expect(log.body.data.map((e: { event: string }) => e.event).sort()).toEqual(['account_created', 'member_created']);
    const entry = log.body.data.find((e: { event: string }) => e.event === 'account_created');
    expect(entry).toMatchObject({
      entityType: 'account',
      entityId: account.id,
      user: account.owner.email,
      apiKey: null,
      account_id: account.id,
      requestMethod: 'POST',
      requestPath: '/accounts',
      requestHeaders: expect.objectContaining({ authorization: '[REDACTED]' }),
    });
  });

  describe('validates the body: missing, empty or unknown fields are 400 with details and create nothing', () => {
    const email = newEmail();
    const api = () => new Client(t.app, tokenFor(t.config, email));

    it.each([{}, { name: '' }, { name: 'x', extra: 1 }, { name: 42 }, { name: 'x'.repeat(256) }])('POST /accounts %j: 400 with details', async (body) => {
      const res = await api().post('/accounts', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual(expect.any(String));
      expect(res.body.details.length).toBeGreaterThan(0);
    });

    it('created no account', async () => {
      expect((await api().get('/accounts')).body.data).toEqual([]);
    });
  });

  it('PATCH /accounts/{id} renames (owner only, same id as x-account-id)', async () => {
    const account = await createAccount(t);
    const renamed = await account.owner.api.patch(`/accounts/${account.id}`, { name: 'Renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: account.id, name: 'Renamed', role: 'owner' });
    const other = await createAccount(t);
    expect((await account.owner.api.patch(`/accounts/${other.id}`, { name: 'Hijack' })).status).toBe(404);
    const admin = await account.member('admin');
    expect((await admin.api.patch(`/accounts/${account.id}`, { name: 'Nope' })).status).toBe(403);
    const log = await account.owner.api.get('/audit-logs?event=account_updated');
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0].data).toEqual({ changes: { name: { from: 'Test account', to: 'Renamed' } } });
  });

  it('PATCH /accounts/{id} sets timeZone, defaultCountry and duplicatePolicy; one entry lists the changes', async () => {
    const account = await createAccount(t);
    const api = account.owner.api;
    const before = await api.get('/accounts');
    expect(before.body.data[0]).toMatchObject({ timeZone: 'UTC', defaultCountry: 'US', duplicatePolicy: 'allow' });
    const res = await api.patch(`/accounts/${account.id}`, { timeZone: 'America/Chicago', defaultCountry: 'de', duplicatePolicy: 'reject' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: account.id, name: 'Test account', timeZone: 'America/Chicago', defaultCountry: 'DE', duplicatePolicy: 'reject' });
    expect((await api.get('/accounts')).body.data[0]).toMatchObject({ timeZone: 'America/Chicago', defaultCountry: 'DE', duplicatePolicy: 'reject' });
    const log = await api.get('/audit-logs?event=account_updated');
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0].data).toEqual({
      changes: { timeZone: { from: 'UTC', to: 'America/Chicago' }, defaultCountry: { from: 'US', to: 'DE' }, duplicatePolicy: { from: 'allow', to: 'reject' } },
    });
    // the same values again change nothing and write nothing
    expect((await api.patch(`/accounts/${account.id}`, { timeZone: 'America/Chicago' })).status).toBe(200);
    expect((await api.get('/audit-logs?event=account_updated')).body.data).toHaveLength(1);
  });

  it.each([
    { timeZone: 'Mars/Olympus_Mons' },
    { timeZone: 'EST5EDT-nope' },
    { timeZone: '' },
    { timeZone: 42 },
    { timeZone: null },
    { defaultCountry: 'XX' },
    { defaultCountry: 'USA' },
    { defaultCountry: null },
    { duplicatePolicy: 'merge' },
    { name: 'ok', extra: true },
  ])('PATCH /accounts/{id} %j: 400 with details, nothing changed', async (body) => {
    const account = await createAccount(t);
    const res = await account.owner.api.patch(`/accounts/${account.id}`, body);
    expect(res.status).toBe(400);
    expect(res.body.details?.length).toBeGreaterThan(0);
    expect((await account.owner.api.get('/accounts')).body.data[0]).toMatchObject({ name: 'Test account', timeZone: 'UTC', defaultCountry: 'US', duplicatePolicy: 'allow' });
    expect((await account.owner.api.get('/audit-logs?event=account_updated')).body.data).toHaveLength(0);
  });

  it('paginates GET /accounts with a cursor', async () => {
    const email = newEmail();
    const api = new Client(t.app, tokenFor(t.config, email));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api.post('/accounts', { name: `A${i}` })).body.id);
    const first = await api.get('/accounts?limit=2');
    expect(first.body.data.map((a: { id: string }) => a.id)).toEqual(ids.slice(0, 2));
    const second = await api.get(`/accounts?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ data: [expect.objectContaining({ id: ids[2] })], nextCursor: null });
    expect((await api.get('/accounts?cursor=garbage')).status).toBe(400);
    expect((await api.get('/accounts?limit=0')).status).toBe(400);
    expect((await api.get('/accounts?limit=101')).status).toBe(400);
  });
});
