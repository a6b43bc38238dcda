import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { describeDenials } from './support/denial';
import { call } from './support/http';
import { countAuditEntries, createLead, dataSourceOf, MINIMAL_LEAD } from './support/leads';
import { usingRealPostgres } from './support/test-database';

const onPostgres = usingRealPostgres() ? it : it.skip;
if (!usingRealPostgres()) console.warn('leads-lifecycle: skipping the concurrent convert test, it needs a PostgreSQL server (several connections).');

async function eventsOf(t: TestApp, accountId: string, leadId: number): Promise<{ event: string; data: any }[]> {
  return dataSourceOf(t).query(
    `SELECT event, data FROM audit_log WHERE account_id = $1 AND entity_type = 'lead' AND entity_id = $2 ORDER BY id`,
    [accountId, String(leadId)],
  );
}

describe('POST /leads/{id}/archive, /unarchive, /convert', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const leadPath = (suffix: string) => async (a: TestAccount) => `/leads/${(await createLead(a.owner.api)).id}${suffix}`;
  describeDenials('lead lifecycle routes', () => t, [
    { method: 'POST', path: leadPath('/archive'), role: 'manager' },
    { method: 'POST', path: leadPath('/unarchive'), role: 'manager' },
    { method: 'POST', path: leadPath('/convert'), role: 'agent', body: {} },
  ]);

  describe('archive and unarchive', () => {
    it('a manager archives (200 Lead, lead_archived) and unarchives (lead_unarchived); repeating either changes and records nothing', async () => {
      const account = await createAccount(t);
      const manager = await account.member('manager');
      const lead = await createLead(account.owner.api);
      const archived = await manager.api.post(`/leads/${lead.id}/archive`);
      expect(archived.status).toBe(200);
      expect(archived.body).toEqual({
        ...lead,
        archived: true,
        updatedAt: expect.any(String),
        auditLog: [
          lead.auditLog[0],
          expect.objectContaining({
            event: 'lead_archived',
            user: manager.email,
            data: { changes: { archived: { from: false, to: true } } },
            requestMethod: 'POST',
            requestPath: `/leads/${lead.id}/archive`,
            entityType: 'lead',
            entityId: String(lead.id),
          }),
        ],
      });
      const again = await manager.api.post(`/leads/${lead.id}/archive`);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(archived.body);
      // An archived lead leaves the default list and is in archived=true.
      expect((await manager.api.get('/leads')).body.data).toEqual([]);
      expect((await manager.api.get('/leads?archived=true')).body.data.map((l: { id: number }) => l.id)).toEqual([lead.id]);

      const unarchived = await manager.api.post(`/leads/${lead.id}/unarchive`);
      expect(unarchived.status).toBe(200);
      expect(unarchived.body.archived).toBe(false);
      expect(unarchived.body.auditLog.at(-1)).toMatchObject({ event: 'lead_unarchived', data: { changes: { archived: { from: true, to: false } } } });
      expect((await manager.api.post(`/leads/${lead.id}/unarchive`)).body).toEqual(unarchived.body);
      expect((await eventsOf(t, account.id, lead.id)).map((e) => e.event)).toEqual(['lead_created', 'lead_archived', 'lead_unarchived']);
    });

    it('needs no body and no content type', async () => {
      const account = await createAccount(t);
      const lead = await createLead(account.owner.api);
      const res = await call(t.app, { method: 'POST', url: `/leads/${lead.id}/archive`, token: account.owner.token, account: account.id });
      expect(res.status).toBe(200);
    });
  });

  describe('convert', () => {
    let account: TestAccount;
    beforeAll(async () => {
      account = await createAccount(t);
    });

    it('an agent converts: 200 Lead with a generated applicationId (app_ + 24 hex), lead_converted; a second convert → 409, nothing recorded', async () => {
      const agent = await account.member('agent');
      const lead = await createLead(account.owner.api);
      const res = await agent.api.post(`/leads/${lead.id}/convert`);
      expect(res.status).toBe(200);
      expect(res.body.applicationId).toMatch(/^app_[0-9a-f]{24}$/);
      // The agent does not see the owner's request metadata (issue 13).
      const ownersEntry = { ...lead.auditLog[0], requestHeaders: null, requestIpAddress: null };
      expect(res.body).toEqual({ ...lead, applicationId: res.body.applicationId, updatedAt: expect.any(String), auditLog: [ownersEntry, expect.any(Object)] });
      expect(res.body.auditLog[1]).toMatchObject({
        event: 'lead_converted',
        user: agent.email,
        data: { changes: { applicationId: { from: null, to: res.body.applicationId } }, generated: true },
        requestPath: `/leads/${lead.id}/convert`,
      });
      const again = await agent.api.post(`/leads/${lead.id}/convert`, { applicationId: 'other' });
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ error: `lead is already converted (applicationId "${res.body.applicationId}")` });
      // The owner sees its own entry's request metadata, which the agent did not.
      expect((await account.owner.api.get(`/leads/${lead.id}`)).body).toEqual({ ...res.body, auditLog: [lead.auditLog[0], res.body.auditLog[1]] });
    });

    it('with an applicationId: that one (generated: false); null means generate one', async () => {
      const given = await createLead(account.owner.api);
      const res = await account.owner.api.post(`/leads/${given.id}/convert`, { applicationId: 'APP-2025-0042' });
      expect(res.status).toBe(200);
      expect(res.body.applicationId).toBe('APP-2025-0042');
      expect(res.body.auditLog.at(-1).data).toEqual({ changes: { applicationId: { from: null, to: 'APP-2025-0042' } }, generated: false });
      const viaNull = await createLead(account.owner.api);
      expect((await account.owner.api.post(`/leads/${viaNull.id}/convert`, { applicationId: null })).body.applicationId).toMatch(/^app_[0-9a-f]{24}$/);
    });

    it('generated ids differ', async () => {
      const a = await createLead(account.owner.api);
      const b = await createLead(account.owner.api);
      const [ra, rb] = [await account.owner.api.post(`/leads/${a.id}/convert`), await account.owner.api.post(`/leads/${b.id}/convert`)];
      expect(ra.body.applicationId).not.toBe(rb.body.applicationId);
    });

    it('an archived lead may be converted', async () => {
      const lead = await createLead(account.owner.api, { ...MINIMAL_LEAD, archived: true });
      const res = await account.owner.api.post(`/leads/${lead.id}/convert`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ archived: true, applicationId: expect.any(String) });
    });

    it.each([
      ['empty', { applicationId: '' }],
      ['blank', { applicationId: '   ' }],
      ['256 characters', { applicationId: 'a'.repeat(256) }],
      ['a number', { applicationId: 42 }],
      ['an unknown field', { applicationId: 'x', reason: 'won' }],
    ])('a bad body (%s) → 400, nothing changed', async (_label, body) => {
      const lead = await createLead(account.owner.api);
      const res = await account.owner.api.post(`/leads/${lead.id}/convert`, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'Request validation failed', details: expect.any(Array) });
      expect((await account.owner.api.get(`/leads/${lead.id}`)).body.applicationId).toBeNull();
    });

    onPostgres('two converts at once: one 200, one 409, one entry', async () => {
      const lead = await createLead(account.owner.api);
      const answers = await Promise.all([
        account.owner.api.post(`/leads/${lead.id}/convert`, { applicationId: 'first' }),
        account.owner.api.post(`/leads/${lead.id}/convert`, { applicationId: 'second' }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect((await eventsOf(t, account.id, lead.id)).filter((e) => e.event === 'lead_converted')).toHaveLength(1);
    });
  });

  describe("another account's lead does not exist: 404 on every route, nothing changed", () => {
    const routes: [string, 'GET' | 'PATCH' | 'POST', (id: number) => string, unknown][] = [
      ['GET /leads/{id}', 'GET', (id) => `/leads/${id}`, undefined],
      ['PATCH /leads/{id}', 'PATCH', (id) => `/leads/${id}`, { notes: 'hijacked' }],
      ['PATCH /leads/{id} (archived)', 'PATCH', (id) => `/leads/${id}`, { archived: true }],
      ['POST /leads/{id}/archive', 'POST', (id) => `/leads/${id}/archive`, undefined],
      ['POST /leads/{id}/unarchive', 'POST', (id) => `/leads/${id}/unarchive`, undefined],
      ['POST /leads/{id}/convert', 'POST', (id) => `/leads/${id}/convert`, {}],
    ];
    let mine: TestAccount;
    let theirs: TestAccount;
    let theirLead: any;
    beforeAll(async () => {
      mine = await createAccount(t);
      theirs = await createAccount(t);
      theirLead = await createLead(theirs.owner.api, { ...MINIMAL_LEAD, notes: 'theirs' });
    });

    it.each(routes)('%s', async (_label, method, path, body) => {
      const before = await countAuditEntries(t, theirs.id);
      const mineBefore = await countAuditEntries(t, mine.id);
      for (const id of [theirLead.id, 2147483647]) {
        const res = await call(t.app, { method, url: path(id), token: mine.owner.token, account: mine.id, body });
        expect({ id, status: res.status, body: res.body }).toEqual({ id, status: 404, body: { error: 'lead not found' } });
      }
      expect((await theirs.owner.api.get(`/leads/${theirLead.id}`)).body).toEqual(theirLead);
      expect(await countAuditEntries(t, theirs.id)).toBe(before);
      expect(await countAuditEntries(t, mine.id)).toBe(mineBefore);
    });

    it("the owner of another account gets 403 with that account's header and the lead's id, never the lead", async () => {
      const res = await call(t.app, { method: 'GET', url: `/leads/${theirLead.id}`, token: mine.owner.token, account: theirs.id });
      expect(res.status).toBe(403);
    });
  });

  describe('checks run in order: role (403), validation (400), existence (404), rules (400/409)', () => {
    let account: TestAccount;
    let stranger: TestAccount;
    let strangersLead: any;
    beforeAll(async () => {
      account = await createAccount(t);
      stranger = await createAccount(t);
      strangersLead = await createLead(stranger.owner.api);
    });

    it('a viewer with a bad body on an unknown lead → 403', async () => {
      const viewer = await account.member('viewer');
      expect((await viewer.api.patch(`/leads/${strangersLead.id}`, { firstName: 42 })).status).toBe(403);
      expect((await viewer.api.post(`/leads/${strangersLead.id}/convert`, { applicationId: 42 })).status).toBe(403);
    });

    it('an agent archiving an unknown lead → 403 (role first)', async () => {
      const agent = await account.member('agent');
      expect((await agent.api.post(`/leads/${strangersLead.id}/archive`)).status).toBe(403);
    });

    it('a bad body or id on an unknown lead → 400 (validation before existence)', async () => {
      expect((await account.owner.api.patch(`/leads/${strangersLead.id}`, { firstName: 42 })).status).toBe(400);
      expect((await account.owner.api.post(`/leads/${strangersLead.id}/convert`, { applicationId: 42 })).status).toBe(400);
      expect((await account.owner.api.post('/leads/abc/archive')).status).toBe(400);
    });

    it("a rule-breaking PATCH or a convert of another account's converted lead → 404 (existence before rules)", async () => {
      await stranger.owner.api.post(`/leads/${strangersLead.id}/convert`);
      expect((await account.owner.api.patch(`/leads/${strangersLead.id}`, { assignedTo: 'nobody@example.com' })).status).toBe(404);
      expect((await account.owner.api.post(`/leads/${strangersLead.id}/convert`)).status).toBe(404);
    });

    it('an agent changing archived on an unknown lead → 404, on a known one → 403, then the rules', async () => {
      const agent = await account.member('agent');
      expect((await agent.api.patch(`/leads/${strangersLead.id}`, { archived: true })).status).toBe(404);
      const lead = await createLead(account.owner.api);
      expect((await agent.api.patch(`/leads/${lead.id}`, { archived: true, assignedTo: 'nobody@example.com' })).status).toBe(403);
      expect((await agent.api.patch(`/leads/${lead.id}`, { assignedTo: 'nobody@example.com' })).body).toEqual({
        error: 'assignedTo must be an active member of the account',
      });
    });
  });
});
