import { randomBytes } from 'node:crypto';
import { startTestApp, tokenFor, type TestApp } from './support/app';
import { createAccount, newEmail } from './support/builders';
import { call, Client } from './support/http';
import { itWhen, needsRedis, TEST_REDIS_URL } from './support/skips';
import { usingRealPostgres } from './support/test-database';

describe('rate limits (in-process counters)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_ANON_PER_MINUTE: '3' });
  });
  afterAll(() => t.close());

  it('limits each principal across routes, with 429 and Retry-After; others are unaffected', async () => {
    const account = await createAccount(t); // 1 request
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await account.owner.api.get(i % 2 ? '/members' : '/accounts')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const limited = await account.owner.api.get('/members');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: expect.stringContaining('Too many requests') });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const someoneElse = new Client(t.app, tokenFor(t.config, newEmail()));
    expect((await someoneElse.get('/accounts')).status).toBe(200);
  });

  it('limits requests without valid credentials per client IP; health is never limited', async () => {
    const ip = `10.9.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
    const anon = () => t.app.inject({ method: 'GET', url: '/accounts', remoteAddress: ip, headers: { authorization: 'Bearer nope' } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await anon()).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    for (let i = 0; i < 10; i++) expect((await call(t.app, { method: 'GET', url: '/health/live' })).status).toBe(200);
  });
});

const shared = itWhen({ ...needsRedis(), 'needs a PostgreSQL server both apps share (on PGlite each app has its own database)': usingRealPostgres() });

describe('rate limits shared through Redis', () => {
  let a: TestApp | undefined;
  let b: TestApp | undefined;
  beforeAll(async () => {
    if (shared.reason) return; // its test is skipped, saying why
    const env = { RATE_LIMIT_PER_MINUTE: '4', REDIS_URL: TEST_REDIS_URL };
    a = await startTestApp(env);
    b = await startTestApp(env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  shared.it('two processes share one counter per principal', async () => {
    const account = await createAccount(a!); // 1 on a
    const onB = new Client(b!.app, account.owner.token, account.id);
    const statuses = [(await onB.get('/members')).status, (await account.owner.api.get('/members')).status, (await onB.get('/members')).status];
    expect(statuses).toEqual([200, 200, 200]);
    expect((await account.owner.api.get('/members')).status).toBe(429);
    expect((await onB.get('/members')).status).toBe(429);
  });
});

describe('rate limits with Redis unreachable', () => {
  it('keeps serving (fails open)', async () => {
    const t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '2', REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const account = await createAccount(t);
      for (let i = 0; i < 4; i++) expect((await account.owner.api.get('/members')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
