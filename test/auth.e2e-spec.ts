import { DataSource } from 'typeorm';
import { sign } from 'jsonwebtoken';
import { startTestApp, TEST_JWT_SECRET, tokenFor, type TestApp } from './support/app';
import { createAccount, newEmail } from './support/builders';
import { Client } from './support/http';

describe('authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const now = () => Math.floor(Date.now() / 1000);

  it('accepts a valid HS256 JWT and knows the user by the lower-cased email', async () => {
    const email = newEmail('Mixed').replace('mixed', 'MiXeD');
    const token = sign({ sub: 'u1', email, exp: now() + 60 }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    const res = await new Client(t.app, token).post('/accounts', { name: 'A' });
    expect(res.status).toBe(201);
    const members = await new Client(t.app, token, res.body.id).get('/members');
    expect(members.body.data[0].email).toBe(email.toLowerCase());
  });

  it('refuses a malformed Authorization header', async () => {
    for (const authorization of ['Basic abc', 'Bearer', 'Bearer a b', 'token']) {
      const res = await new Client(t.app).get('/accounts', { authorization });
      expect({ authorization, status: res.status }).toEqual({ authorization, status: 401 });
    }
  });

  // Lifetimes (exp - iat) and issue times: 24 h at most by default, iat at most 60 s ahead (JWT_CLOCK_SKEW_SECONDS).
  it.each([
    ['a 1 h token', 200, { iat: 0, exp: 3600 }],
    ['exactly 24 h', 200, { iat: 0, exp: 24 * 3600 }],
    ['24 h and a second', 401, { iat: 0, exp: 24 * 3600 + 1 }],
    ['a year', 401, { iat: -60, exp: 365 * 86400 }],
    ['issued 30 s in the future (clock skew)', 200, { iat: 30, exp: 3600 }],
    ['issued 5 min in the future', 401, { iat: 300, exp: 3600 }],
    ['no iat, expiring in 1 h', 200, { exp: 3600 }],
    ['no iat, expiring in 25 h', 401, { exp: 25 * 3600 }],
  ] as [string, number, { iat?: number | string; exp: number }][])('%s → %i', async (_label, status, times) => {
    const at = (offset: number | string | undefined) => (typeof offset === 'number' ? now() + offset : offset);
    const claims = { sub: 'u', email: newEmail('life'), exp: at(times.exp), ...('iat' in times ? { iat: at(times.iat) } : {}) };
    const token = sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256', noTimestamp: !('iat' in times) });
    expect((await new Client(t.app, token).get('/accounts')).status).toBe(status);
  });

  it('the development tokens (npm run token, tests) pass, and one past the maximum is not issued', async () => {
    expect((await new Client(t.app, tokenFor(t.config, newEmail())).get('/accounts')).status).toBe(200);
    expect((await new Client(t.app, tokenFor(t.config, newEmail(), 24 * 3600)).get('/accounts')).status).toBe(200);
    expect(() => tokenFor(t.config, newEmail(), 24 * 3600 + 1)).toThrow(/JWT_MAX_LIFETIME_SECONDS/);
  });
});

describe('authentication with JWT_MAX_LIFETIME_SECONDS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ JWT_MAX_LIFETIME_SECONDS: '3600', JWT_CLOCK_SKEW_SECONDS: '0' });
  });
  afterAll(() => t.close());

  it.each([
    [1800, 200],
    [7200, 401],
  ])('a token living %i s → %i', async (lifetime, status) => {
    const now = Math.floor(Date.now() / 1000);
    const token = sign({ sub: 'u', email: newEmail(), iat: now, exp: now + lifetime }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    expect((await new Client(t.app, token).get('/accounts')).status).toBe(status);
  });
});

describe('authentication with JWT_ISSUER and JWT_AUDIENCE', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ JWT_ISSUER: 'https://issuer.example', JWT_AUDIENCE: 'lead-desk' });
  });
  afterAll(() => t.close());

  it('enforces issuer and audience when configured', async () => {
    const email = newEmail();
    const exp = Math.floor(Date.now() / 1000) + 60;
    const good = sign({ sub: 'u', email, exp, iss: 'https://issuer.example', aud: 'lead-desk' }, TEST_JWT_SECRET);
    const wrongIss = sign({ sub: 'u', email, exp, iss: 'https://evil.example', aud: 'lead-desk' }, TEST_JWT_SECRET);
    const wrongAud = sign({ sub: 'u', email, exp, iss: 'https://issuer.example', aud: 'other' }, TEST_JWT_SECRET);
    const none = sign({ sub: 'u', email, exp }, TEST_JWT_SECRET);
    expect((await new Client(t.app, good).get('/accounts')).status).toBe(200);
    for (const token of [wrongIss, wrongAud, none]) expect((await new Client(t.app, token).get('/accounts')).status).toBe(401);
    expect((await new Client(t.app, tokenFor(t.config, email)).get('/accounts')).status).toBe(200);
  });
});

describe('authentication in two Lead Desk applications of one process', () => {
  // passport keeps one strategy per name for the whole process; each application's secret and issuer must still be its own
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ JWT_SECRET: 'secret-of-application-a-0123456789', JWT_ISSUER: 'https://a.example' });
    b = await startTestApp({ JWT_SECRET: 'secret-of-application-b-0123456789', JWT_ISSUER: 'https://b.example' });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it("each accepts its own tokens and refuses the other's", async () => {
    const email = newEmail();
    const forA = tokenFor(a.config, email);
    const forB = tokenFor(b.config, email);
    expect((await new Client(a.app, forA).get('/accounts')).status).toBe(200);
    expect((await new Client(b.app, forB).get('/accounts')).status).toBe(200);
    expect((await new Client(a.app, forB).get('/accounts')).status).toBe(401);
    expect((await new Client(b.app, forA).get('/accounts')).status).toBe(401);
  });
});

describe('API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('issues a key shown once, stored only as a hash, listed without secrets', async () => {
    const account = await createAccount(t);
    const created = await account.owner.api.post('/api-keys', { name: 'web form', role: 'agent' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      name: 'web form',
      role: 'agent',
      prefix: created.body.key.slice(0, 16),
      key: expect.stringMatching(/^ldk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/),
      createdBy: account.owner.email,
      createdAt: expect.any(String),
      revokedAt: null,
    });
    const listed = await account.owner.api.get('/api-keys');
    expect(listed.body.data).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect(listed.body.data[0]).not.toHaveProperty('key');
    const rows = await t.app.get(DataSource).query('SELECT key_hash FROM api_keys WHERE id = $1', [created.body.id]);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].key_hash).not.toContain(created.body.key.slice(17));
    const log = await account.owner.api.get('/audit-logs?event=api_key_created');
    expect(JSON.stringify(log.body)).not.toContain(created.body.key);
  });

  it('acts as its creator with the lower of its role and the creator’s, in its own account only', async () => {
    const account = await createAccount(t);
    const admin = await account.member('admin');
    const key = (await admin.api.post('/api-keys', { name: 'k', role: 'admin' })).body.key;
    const viaKey = new Client(t.app, key, account.id);
    expect((await viaKey.get('/members')).status).toBe(200);
    expect((await viaKey.post('/members', { email: newEmail(), role: 'viewer' })).status).toBe(201);
    const log = await account.owner.api.get('/audit-logs?event=member_created&limit=1');
    const keyId = (await account.owner.api.get('/api-keys')).body.data[0].id;
    expect(log.body.data[0]).toMatchObject({ user: admin.email, apiKey: String(keyId) });
    // the creator is demoted to agent: the key now acts as an agent
    await account.owner.api.patch(`/members/${admin.email}`, { role: 'agent' });
    expect((await viaKey.post('/members', { email: newEmail(), role: 'viewer' })).status).toBe(403);
    expect((await viaKey.get('/members')).status).toBe(200);
    // the creator is deactivated: 403 everywhere in the account
    await account.owner.api.patch(`/members/${admin.email}`, { active: false });
    expect((await viaKey.get('/members')).status).toBe(403);
    // another account's id with this key: 403, never its data
    const other = await createAccount(t);
    expect((await new Client(t.app, key, other.id).get('/members')).status).toBe(403);
    // API keys cannot create accounts; they see only their own account
    expect((await new Client(t.app, key).post('/accounts', { name: 'x' })).status).toBe(403);
  });

  it('cannot carry a role above its creator’s', async () => {
    const account = await createAccount(t);
    const admin = await account.member('admin');
    const res = await admin.api.post('/api-keys', { name: 'k', role: 'owner' });
    expect(res.status).toBe(403);
    expect((await account.owner.api.get('/api-keys')).body.data).toHaveLength(0);
  });

  it('revokes: the key gets 401 at once; another account cannot see or revoke it', async () => {
    const account = await createAccount(t);
    const created = (await account.owner.api.post('/api-keys', { name: 'k', role: 'viewer' })).body;
    const viaKey = new Client(t.app, created.key, account.id);
    expect((await viaKey.get('/members')).status).toBe(200);
    const other = await createAccount(t);
    expect((await other.owner.api.delete(`/api-keys/${created.id}`)).status).toBe(404);
    expect((await viaKey.get('/members')).status).toBe(200);
    expect((await account.owner.api.delete(`/api-keys/${created.id}`)).status).toBe(204);
    expect((await viaKey.get('/members')).status).toBe(401);
    expect((await account.owner.api.delete(`/api-keys/${created.id}`)).status).toBe(204);
    const revoked = (await account.owner.api.get('/api-keys')).body.data[0];
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect((await account.owner.api.get('/audit-logs?event=api_key_revoked')).body.data).toHaveLength(1);
    expect((await account.owner.api.delete('/api-keys/abc')).status).toBe(400);
    expect((await account.owner.api.delete('/api-keys/99999999')).status).toBe(404);
  });

  it('refuses a tampered key', async () => {
    const account = await createAccount(t);
    const key: string = (await account.owner.api.post('/api-keys', { name: 'k', role: 'viewer' })).body.key;
    const tampered = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect((await new Client(t.app, tampered, account.id).get('/members')).status).toBe(401);
  });
});
