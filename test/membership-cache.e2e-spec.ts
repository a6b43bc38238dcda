import { AccountAccessService } from '../src/accounts/account-access.service';
import { startTestApp, type TestApp } from './support/app';
import { createAccount } from './support/builders';
import { Client } from './support/http';
import { dataSourceOf } from './support/leads';
import { itWhen } from './support/skips';
import { usingRealPostgres } from './support/test-database';

const twoProcesses = itWhen({ 'needs a PostgreSQL server both apps share (on PGlite each app has its own database)': usingRealPostgres() });

/**
 * The role a request acts with is read from memberships, and a process may reuse what it read for
 * MEMBERSHIP_CACHE_MS (default 1 s). A change made through the API is seen by the process that made it at once;
 * other processes see it within MEMBERSHIP_CACHE_MS.
 */
describe('membership role cache', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ MEMBERSHIP_CACHE_MS: '60000' }); // long, so a missed invalidation cannot hide
  });
  afterAll(() => t.close());

  it('a demotion through the API applies to the very next request, although the role was cached', async () => {
    const account = await createAccount(t);
    const admin = await account.member('admin');
    expect((await admin.api.post('/teams', { name: 'Before' })).status).toBe(201); // admin role now cached
    expect((await account.owner.api.patch(`/members/${admin.email}`, { role: 'agent' })).status).toBe(200);
    const refused = await admin.api.post('/teams', { name: 'After' });
    expect(refused.status).toBe(403);
  });

  it('a removal or deactivation through the API applies at once; adding back applies at once too', async () => {
    const account = await createAccount(t);
    const agent = await account.member('agent');
    expect((await agent.api.get('/teams')).status).toBe(200);
    await account.owner.api.delete(`/members/${agent.email}`);
    expect((await agent.api.get('/teams')).status).toBe(403);
    await account.owner.api.post('/members', { email: agent.email, role: 'viewer' });
    expect((await agent.api.get('/teams')).status).toBe(200); // refusals are never cached
    await account.owner.api.patch(`/members/${agent.email}`, { active: false });
    expect((await agent.api.get('/teams')).status).toBe(403);
  });

  it('reuses a role it read (a change made behind its back in SQL is not seen until the entry expires)', async () => {
    const account = await createAccount(t);
    const agent = await account.member('agent');
    expect((await agent.api.get('/teams')).status).toBe(200);
    await dataSourceOf(t).query('UPDATE memberships SET active = false WHERE account_id = $1 AND email = $2', [account.id, agent.email]);
    expect((await agent.api.get('/teams')).status).toBe(200); // from the cache: this is what saves the round trip
    t.app.get(AccountAccessService).forget(account.id, agent.email);
    expect((await agent.api.get('/teams')).status).toBe(403);
  });

  it('MEMBERSHIP_CACHE_MS=0 reads the role on every request', async () => {
    const uncached = await startTestApp({ MEMBERSHIP_CACHE_MS: '0' });
    try {
      const account = await createAccount(uncached);
      const agent = await account.member('agent');
      expect((await agent.api.get('/teams')).status).toBe(200);
      await dataSourceOf(uncached).query('UPDATE memberships SET active = false WHERE account_id = $1 AND email = $2', [account.id, agent.email]);
      expect((await agent.api.get('/teams')).status).toBe(403);
    } finally {
      await uncached.close();
    }
  });

  twoProcesses.it('another process stops honouring a removed member within MEMBERSHIP_CACHE_MS', async () => {
    const ttl = 400;
    const a = await startTestApp({ MEMBERSHIP_CACHE_MS: String(ttl) });
    const b = await startTestApp({ MEMBERSHIP_CACHE_MS: String(ttl) });
    try {
      const account = await createAccount(a);
      const agent = await account.member('agent');
      const onB = new Client(b.app, agent.token, account.id);
      expect((await onB.get('/teams')).status).toBe(200); // cached on b
      expect((await account.owner.api.delete(`/members/${agent.email}`)).status).toBe(204); // through a
      const removedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - removedAt < ttl * 5) {
        status = (await onB.get('/teams')).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(403);
      expect(Date.now() - removedAt).toBeLessThan(ttl + 300);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
