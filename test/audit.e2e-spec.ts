import { startTestApp, tokenFor, type TestApp } from './support/app';
import { createAccount, type TestAccount, type TestUser } from './support/builders';
import { call, Client } from './support/http';
import { createTeam, dataSourceOf, MINIMAL_LEAD } from './support/leads';

interface Entry {
  id: number;
  event: string;
  user: string;
  apiKey: string | null;
  data: Record<string, unknown>;
  created: string;
  requestMethod: string | null;
  requestPath: string | null;
  requestHeaders: Record<string, string> | null;
  requestIpAddress: string | null;
  account_id: string;
  entityType: string;
  entityId: string;
}

describe('audit log', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function list(api: Client, query = ''): Promise<Entry[]> {
    const res = await api.get(`/audit-logs${query}`);
    expect({ query, status: res.status }).toEqual({ query, status: 200 });
    return res.body.data;
  }

  describe('the lead_created entry', () => {
    it('holds who, what and the sanitized request; credentials never appear in it', async () => {
      const account = await createAccount(t);
      const agent = await account.member('agent');
      const cookie = 'session=cookie-secret-5f1d2a';
      const apiToken = 'api-token-secret-77c0e1';
      const clientSecret = 'client-secret-0b9e44';
      const res = await agent.api.post('/leads?skipTeamAndSourceRequirement=true', { ...MINIMAL_LEAD, company: 'Acme' }, {
        cookie,
        'x-api-token': apiToken,
        'X-Client-Secret': clientSecret,
        'idempotency-key': 'audit-key-1',
        'user-agent': 'audit-test/1.0',
      });
      expect(res.status).toBe(201);
      const [fromList] = await list(account.owner.api, `?leadId=${res.body.id}`);
      const [row] = await dataSourceOf(t).query('SELECT * FROM audit_log WHERE id = $1', [fromList.id]);
      expect(fromList).toEqual(res.body.auditLog[0]);
      expect(fromList).toMatchObject({
        event: 'lead_created',
        entityType: 'lead',
        entityId: String(res.body.id),
        user: agent.email,
        apiKey: null,
        account_id: account.id,
        requestMethod: 'POST',
        requestPath: '/leads?skipTeamAndSourceRequirement=true',
        requestIpAddress: '127.0.0.1',
        data: expect.objectContaining({ firstName: 'Ada', lastName: 'Lovelace', company: 'Acme', createdBy: agent.email, teamId: null }),
      });
      expect(fromList.requestHeaders).toMatchObject({
        authorization: '[REDACTED]',
        cookie: '[REDACTED]',
        'x-api-token': '[REDACTED]',
        'x-client-secret': '[REDACTED]',
        'x-account-id': account.id,
        'idempotency-key': 'audit-key-1',
        'user-agent': 'audit-test/1.0',
      });
      for (const secret of [agent.token, cookie, 'cookie-secret-5f1d2a', apiToken, clientSecret]) {
        expect(JSON.stringify(res.body)).not.toContain(secret);
        expect(JSON.stringify(fromList)).not.toContain(secret);
        expect(JSON.stringify(row)).not.toContain(secret);
      }
    });

    it('records the client address, ignoring X-Forwarded-For (TRUST_PROXY is off)', async () => {
      const account = await createAccount(t);
      const res = await account.owner.api.post('/leads', MINIMAL_LEAD, { 'x-forwarded-for': '203.0.113.7' });
      expect(res.body.auditLog[0].requestIpAddress).toBe('127.0.0.1');
    });
  });

  describe('GET /audit-logs', () => {
    let account: TestAccount;
    let agent: TestUser;
    let leads: number[];
    let all: Entry[];

    beforeAll(async () => {
      account = await createAccount(t);
      agent = await account.member('agent');
      await createTeam(account.owner.api, 'Audit team');
      leads = [];
      for (const api of [account.owner.api, agent.api, agent.api]) {
        const res = await api.post('/leads?skipTeamAndSourceRequirement=true', MINIMAL_LEAD);
        expect(res.status).toBe(201);
        leads.push(res.body.id);
      }
      all = await list(account.owner.api, '?limit=100');
    });

    it('lists the account’s entries newest first, in the seed’s shape plus entityType and entityId', async () => {
      expect(all.map((e) => e.event)).toEqual(['lead_created', 'lead_created', 'lead_created', 'team_created', 'member_created', 'member_created', 'account_created']);
      const ids = all.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      for (const e of all) {
        expect(Object.keys(e).sort()).toEqual(
          ['id', 'event', 'user', 'apiKey', 'data', 'created', 'requestMethod', 'requestPath', 'requestHeaders', 'requestIpAddress', 'requestId', 'account_id', 'entityType', 'entityId'].sort(),
        );
        expect(e.account_id).toBe(account.id);
        expect(Number.isInteger(e.id)).toBe(true);
        expect(new Date(e.created).toISOString()).toBe(e.created);
      }
    });

    it('filters by entityType, entityId, leadId, event, user, from and to (combined with AND)', async () => {
      const byLead = (id: number) => all.filter((e) => e.entityType === 'lead' && e.entityId === String(id));
      expect(await list(account.owner.api, '?entityType=lead')).toEqual(all.filter((e) => e.entityType === 'lead'));
      expect(await list(account.owner.api, `?entityType=lead&entityId=${leads[1]}`)).toEqual(byLead(leads[1]));
      expect(await list(account.owner.api, `?leadId=${leads[1]}`)).toEqual(byLead(leads[1]));
      expect(await list(account.owner.api, `?leadId=${leads[1]}&entityType=team`)).toEqual([]);
      expect(await list(account.owner.api, '?event=member_created')).toEqual(all.filter((e) => e.event === 'member_created'));
      expect(await list(account.owner.api, '?entityType=team&event=team_created')).toEqual(all.filter((e) => e.entityType === 'team'));
      expect(await list(account.owner.api, `?user=${encodeURIComponent(agent.email.toUpperCase())}`)).toEqual(all.filter((e) => e.user === agent.email));
      expect(await list(account.owner.api, `?user=${agent.email}&event=lead_created`)).toHaveLength(2);
      // from is inclusive, to exclusive; entries of one transaction share a timestamp
      const pivot = all.find((e) => e.entityId === String(leads[1]) && e.entityType === 'lead')!;
      const q = (s: string) => encodeURIComponent(s);
      expect(await list(account.owner.api, `?from=${q(pivot.created)}`)).toEqual(all.filter((e) => e.created >= pivot.created));
      expect(await list(account.owner.api, `?to=${q(pivot.created)}`)).toEqual(all.filter((e) => e.created < pivot.created));
      expect(await list(account.owner.api, `?from=${q(pivot.created)}&to=${q(pivot.created)}`)).toEqual([]);
      expect(await list(account.owner.api, `?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00%2B02:00`)).toEqual(all);
      expect(await list(account.owner.api, '?entityType=rotation')).toEqual([]);
    });

    it('refuses malformed filters with 400', async () => {
      for (const query of [
        'entityType=lizard',
        'leadId=abc',
        'leadId=0',
        'leadId=1.5',
        'event=Lead-Created',
        'from=yesterday',
        'to=2025-13-01T00:00:00Z',
        'from=2024',
        'entityId=',
        'user=',
        'limit=0',
        'limit=101',
        'cursor=garbage',
        'sort=asc',
      ]) {
        const res = await account.owner.api.get(`/audit-logs?${query}`);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
        expect(res.body.error).toEqual(expect.any(String));
      }
    });

    it('pages with a keyset cursor: every entry once, newest first, undisturbed by new entries', async () => {
      const seen: Entry[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await account.owner.api.get(`/audit-logs${query}`);
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.data);
        cursor = res.body.nextCursor;
        if (pages === 0) await account.owner.api.post('/leads?skipTeamAndSourceRequirement=true', MINIMAL_LEAD); // newer than the first page
        pages++;
      } while (cursor !== null);
      expect(seen).toEqual(all);
      expect(pages).toBe(Math.ceil(all.length / 2));
      // Filters apply on every page.
      const first = await account.owner.api.get('/audit-logs?event=lead_created&limit=1');
      const second = await account.owner.api.get(`/audit-logs?event=lead_created&limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body.data.map((e: Entry) => e.event)).toEqual(['lead_created']);
      expect(second.body.data[0].id).toBeLessThan(first.body.data[0].id);
      // A cursor of another list is refused.
      const members = await account.owner.api.get('/members?limit=1');
      expect((await account.owner.api.get(`/audit-logs?cursor=${encodeURIComponent(members.body.nextCursor)}`)).status).toBe(400);
    });

    it('is for managers and up (viewer and agent 403)', async () => {
      for (const role of ['viewer', 'agent'] as const) {
        const member = await account.member(role);
        const res = await member.api.get('/audit-logs');
        expect({ role, status: res.status }).toEqual({ role, status: 403 });
      }
      for (const role of ['manager', 'admin'] as const) {
        const member = await account.member(role);
        expect((await member.api.get('/audit-logs')).status).toBe(200);
      }
      const key = await account.owner.api.post('/api-keys', { name: 'reader', role: 'manager' });
      expect((await new Client(t.app, key.body.key, account.id).get('/audit-logs')).status).toBe(200);
      const agentKey = await account.owner.api.post('/api-keys', { name: 'agent', role: 'agent' });
      expect((await new Client(t.app, agentKey.body.key, account.id).get('/audit-logs')).status).toBe(403);
    });

    it('never shows another account’s entries, whatever the filters', async () => {
      const other = await createAccount(t);
      const theirLead = await other.owner.api.post('/leads', MINIMAL_LEAD);
      const theirs = await list(other.owner.api, '?limit=100');
      const mine = await list(account.owner.api, '?limit=100');
      expect(mine.some((e) => e.account_id !== account.id)).toBe(false);
      expect(theirs.some((e) => e.account_id !== other.id)).toBe(false);
      const theirIds = new Set(theirs.map((e) => e.id));
      expect(mine.some((e) => theirIds.has(e.id))).toBe(false);
      expect(await list(account.owner.api, `?leadId=${theirLead.body.id}`)).toEqual([]);
      expect(await list(account.owner.api, `?user=${other.owner.email}`)).toEqual([]);
      // The other account's id in x-account-id is refused outright.
      expect((await account.owner.api.as(account.owner.token, other.id).get('/audit-logs')).status).toBe(403);
    });
  });

  describe('entries cannot be changed or deleted', () => {
    it('no route changes or deletes an entry', async () => {
      const account = await createAccount(t);
      const [entry] = await list(account.owner.api);
      for (const method of ['PATCH', 'PUT', 'DELETE'] as const) {
        for (const url of ['/audit-logs', `/audit-logs/${entry.id}`]) {
          const res = await call(t.app, { method, url, token: account.owner.token, account: account.id, body: method === 'DELETE' ? undefined : { event: 'x' } });
          expect({ method, url, status: res.status }).toEqual({ method, url, status: 404 });
        }
      }
      expect((await list(account.owner.api)).find((e) => e.id === entry.id)).toEqual(entry);
    });

    it('the database refuses UPDATE, DELETE and TRUNCATE on audit_log, even through the app’s own connection', async () => {
      const account = await createAccount(t);
      const [entry] = await list(account.owner.api);
      const db = dataSourceOf(t);
      for (const sql of [
        `UPDATE audit_log SET event = 'tampered' WHERE id = ${entry.id}`,
        `UPDATE audit_log SET data = '{}'::jsonb WHERE account_id = ${account.id}`,
        `DELETE FROM audit_log WHERE id = ${entry.id}`,
        'TRUNCATE audit_log',
      ]) {
        // In a transaction that is rolled back whatever happens, so a regression cannot wipe other suites' rows.
        const runner = db.createQueryRunner();
        await runner.connect();
        await runner.startTransaction();
        try {
          await expect(runner.query(sql)).rejects.toThrow('audit_log is append-only');
        } finally {
          await runner.rollbackTransaction();
          await runner.release();
        }
      }
      expect((await list(account.owner.api)).find((e) => e.id === entry.id)).toEqual(entry);
    });
  });

  it('a user token for another user cannot read the account’s log', async () => {
    const account = await createAccount(t);
    const stranger = new Client(t.app, tokenFor(t.config, 'stranger@example.com'), account.id);
    expect((await stranger.get('/audit-logs')).status).toBe(403);
  });
});
