import { startTestApp, type TestApp } from './support/app';
import { createAccount } from './support/builders';
import { call } from './support/http';
import { TcpProxy } from './support/tcp-proxy';
import { RUN_DATABASE_ENV, usingRealPostgres } from './support/test-database';

const describeOnPostgres = usingRealPostgres() ? describe : describe.skip;
if (!usingRealPostgres()) console.log('database-outage: skipped (needs a real PostgreSQL server to cut the connection to)');

describeOnPostgres('database outage', () => {
  let t: TestApp;
  let proxy: TcpProxy;

  beforeAll(async () => {
    const url = new URL(process.env[RUN_DATABASE_ENV]!);
    proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    url.port = String(await proxy.start());
    t = await startTestApp({ DATABASE_URL: url.toString() });
  });
  afterAll(async () => {
    // the app first, while the proxy still carries its pool's goodbyes; then the proxy
    await t.close().catch(() => undefined);
    await proxy.cut();
  });

  it('answers 503 quickly while the database is unreachable, and recovers by itself', async () => {
    const account = await createAccount(t);
    expect((await account.owner.api.get('/members')).status).toBe(200);

    await proxy.cut();
    const started = Date.now();
    const during = await account.owner.api.get('/members');
    expect(during.status).toBe(503);
    expect(during.body).toEqual({ error: expect.stringMatching(/^Database unavailable/) });
    const ready = await call(t.app, { method: 'GET', url: '/health/ready' });
    expect(ready.status).toBe(503);
    expect(ready.body.error).toBe('Database unavailable');
    expect((await call(t.app, { method: 'GET', url: '/health/live' })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(15000);

    await proxy.start();
    let after = await account.owner.api.get('/members');
    for (let i = 0; i < 20 && after.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = await account.owner.api.get('/members');
    }
    expect(after.status).toBe(200);
    expect((await call(t.app, { method: 'GET', url: '/health/ready' })).status).toBe(200);
  });
});
