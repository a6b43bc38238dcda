// Events and webhooks (API.md 10) over HTTP, delivered to real receivers on 127.0.0.1 sockets that verify every
// request with the reference `standardwebhooks` package. The app runs with WEBHOOK_ALLOW_PRIVATE=true (the
// receivers are on loopback), WEBHOOK_ALLOW_HTTP=true, a short retry schedule (WEBHOOK_RETRY_SCHEDULE, the same
// code path as the production 5s..10h one) and a fast poll.
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { describeDenials } from './support/denial';
import { LeadCreatePaths, type LeadCreatePath } from '../src/leads/lead-create-paths';
import { createLead, createRotation, createTeam, dataSourceOf, MINIMAL_LEAD } from './support/leads';
import { usingRealPostgres } from './support/test-database';
import { startReceiver, webhookSuiteTurn, type WebhookReceiver } from './support/webhook-receiver';

const SCHEDULE_MS = [300, 600, 300];

async function createEndpoint(account: TestAccount, receiver: WebhookReceiver, events: string[] = ['*']): Promise<{ id: number; secret: string }> {
  const res = await account.owner.api.post('/webhooks', { url: receiver.url, events, description: 'test receiver' });
  if (res.status !== 201) throw new Error(`createEndpoint: ${res.status} ${JSON.stringify(res.body)}`);
  receiver.secrets.push(res.body.secret);
  return res.body;
}

/** Events of the account in the outbox, oldest first. */
async function outbox(t: TestApp, accountId: string): Promise<{ public_id: string; type: string; data: any }[]> {
  return dataSourceOf(t).query(`SELECT public_id, type, data FROM events WHERE account_id = $1 ORDER BY id`, [accountId]);
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('events and webhooks', () => {
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (options?: Parameters<typeof startReceiver>[0]) => {
    const r = await startReceiver(options);
    receivers.push(r);
    return r;
  };

  let release: () => Promise<void>;
  beforeAll(async () => {
    release = await webhookSuiteTurn();
    t = await startTestApp({
      WEBHOOK_DELIVERY: 'true',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_RETRY_SCHEDULE: SCHEDULE_MS.map((ms) => `${ms}ms`).join(','),
      WEBHOOK_POLL_MS: '50',
    });
  }, 300_000);
  afterAll(async () => {
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await release?.();
  });

  describeDenials('webhooks', () => t, [
    { method: 'POST', path: '/webhooks', role: 'admin', body: { url: 'http://127.0.0.1:9/hook', events: ['*'] } },
    { method: 'GET', path: '/webhooks', role: 'admin' },
    { method: 'GET', path: '/webhooks/1', role: 'admin' },
    { method: 'PATCH', path: '/webhooks/1', role: 'admin', body: { enabled: false } },
    { method: 'DELETE', path: '/webhooks/1', role: 'admin' },
    { method: 'POST', path: '/webhooks/1/rotate-secret', role: 'admin' },
    { method: 'POST', path: '/webhooks/1/test', role: 'admin' },
    { method: 'GET', path: '/webhooks/1/deliveries', role: 'admin' },
    { method: 'POST', path: '/webhooks/1/deliveries/1/retry', role: 'admin' },
    { method: 'POST', path: '/webhooks/1/replay', role: 'admin', body: { since: '2026-01-01T00:00:00Z' } },
  ]);

  describe('endpoints', () => {
    it('create shows a whsec_ secret of at least 24 random bytes once; read, list and update never show it; all audited without it', async () => {
      const account = await createAccount(t);
      const r = await receiver();
      const created = await account.owner.api.post('/webhooks', { url: r.url, events: ['lead.created', 'lead.converted'], description: 'CRM' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        accountId: account.id,
        url: r.url,
        events: ['lead.created', 'lead.converted'],
        description: 'CRM',
        enabled: true,
        disabledReason: null,
        previousSecretExpiresAt: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
      });
      expect(Buffer.from(created.body.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
      const id = created.body.id;
      const read = await account.owner.api.get(`/webhooks/${id}`);
      expect(read.status).toBe(200);
      expect(read.body.secret).toBeUndefined();
      const list = await account.owner.api.get('/webhooks');
      expect(list.body).toEqual({ data: [read.body], nextCursor: null });
      const patched = await account.owner.api.patch(`/webhooks/${id}`, { events: ['*'], description: null });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ events: ['*'], description: null });
      expect(patched.body.secret).toBeUndefined();
      const same = await account.owner.api.patch(`/webhooks/${id}`, { events: ['*'] });
      expect(same.status).toBe(200);
      expect((await account.owner.api.delete(`/webhooks/${id}`)).status).toBe(204);
      expect((await account.owner.api.get(`/webhooks/${id}`)).status).toBe(404);
      const audit = await account.owner.api.get(`/audit-logs?entityType=webhook&entityId=${id}`);
      expect(audit.body.data.map((e: any) => e.event).reverse()).toEqual(['webhook_created', 'webhook_updated', 'webhook_deleted']);
      expect(JSON.stringify(audit.body.data)).not.toContain(created.body.secret);
      expect(audit.body.data.at(-1).data).toEqual({ url: r.url, events: ['lead.created', 'lead.converted'], description: 'CRM' });
    });

    it.each([
      ['an unknown event type', { events: ['lead.exploded'] }, 'events'],
      ['no events', { events: [] }, 'events'],
      ['webhook.test (sent only by the test route)', { events: ['webhook.test'] }, 'events'],
      ['a URL that is not one', { url: 'not a url' }, 'url'],
      ['an ftp URL', { url: 'ftp://127.0.0.1/x' }, 'url'],
      ['a URL with credentials', { url: 'http://user:pw@127.0.0.1/x' }, 'url'],
      ['an unknown field', { secret: 'whsec_mine' }, 'secret'],
    ])('refuses %s with 400 and details, creating nothing', async (_name, change, field) => {
      const account = await createAccount(t);
      const res = await account.owner.api.post('/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['*'], ...change });
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: any) => d.field)).toContain(field);
      expect((await account.owner.api.get('/webhooks')).body.data).toEqual([]);
    });

    it("another account's webhook does not exist for the caller", async () => {
      const a = await createAccount(t);
      const b = await createAccount(t);
      const { id } = await createEndpoint(a, await receiver());
      for (const res of [
        await b.owner.api.get(`/webhooks/${id}`),
        await b.owner.api.patch(`/webhooks/${id}`, { enabled: false }),
        await b.owner.api.post(`/webhooks/${id}/test`),
        await b.owner.api.post(`/webhooks/${id}/rotate-secret`),
        await b.owner.api.get(`/webhooks/${id}/deliveries`),
        await b.owner.api.post(`/webhooks/${id}/replay`, { since: '2026-01-01T00:00:00Z' }),
        await b.owner.api.delete(`/webhooks/${id}`),
      ]) {
        expect(res.status).toBe(404);
      }
      expect((await a.owner.api.get(`/webhooks/${id}`)).body.enabled).toBe(true);
    });
  });

  describe('lead events', () => {
    it('POST /leads emits lead.created and lead.assigned, signed per Standard Webhooks, data.lead = the Lead without auditLog', async () => {
      const account = await createAccount(t);
      const agent = await account.member('agent');
      const r = await receiver();
      await createEndpoint(account, r);
      const plain = await createLead(account.owner.api); // no rotation yet: unassigned, no lead.assigned
      await createRotation(account.owner.api, [agent.email]);
      const lead = await createLead(account.owner.api, { ...MINIMAL_LEAD, monthlyTransactionVolume: 1200, lastContacted: '2026-11-30T10:00:00.123Z' });
      const named = await createLead(account.owner.api, { ...MINIMAL_LEAD, assignedTo: agent.email });
      await r.waitFor(() => r.deliveries.length >= 5);
      const { auditLog, ...expectedLead } = lead;
      expect(auditLog).toHaveLength(1);
      const types = r.deliveries.map((d) => `${d.event.type}:${d.event.data.lead.id}`).sort();
      expect(types).toEqual([`lead.assigned:${lead.id}`, `lead.created:${lead.id}`, `lead.created:${plain.id}`, `lead.created:${named.id}`, `lead.assigned:${named.id}`].sort());
      for (const d of r.deliveries) {
        expect(d.verifiedWith).toEqual([0]);
        expect(d.event).toEqual({ id: d.id, type: expect.any(String), accountId: account.id, createdAt: expect.any(String), data: expect.any(Object) });
        expect(d.id).toMatch(/^evt_[0-9a-f]{32}$/);
        expect(Math.abs(Number(d.timestamp) - Date.now() / 1000)).toBeLessThan(60);
      }
      const created = r.deliveries.find((d) => d.event.type === 'lead.created' && d.event.data.lead.id === lead.id)!;
      expect(created.event.data).toEqual({ lead: expectedLead });
      const assigned = r.deliveries.find((d) => d.event.type === 'lead.assigned' && d.event.data.lead.id === lead.id)!;
      expect(assigned.event.data).toEqual({ lead: expectedLead, previousUser: null, assignment: auditLog[0].data.assignment });
      expect(assigned.event.data.assignment).toMatchObject({ user: agent.email });
      const byName = r.deliveries.find((d) => d.event.type === 'lead.assigned' && d.event.data.lead.id === named.id)!;
      expect(byName.event.data).toMatchObject({ previousUser: null, assignment: { reason: 'named', user: agent.email } });
      // The outbox holds exactly what was delivered
      expect((await outbox(t, account.id)).map((e) => e.public_id).sort()).toEqual(r.deliveries.map((d) => d.id).sort());
    });

    it('every create path writes the events in its statement: checked, at once and batched (same data.lead as the answer)', async () => {
      const paths = jest.spyOn(t.app.get(LeadCreatePaths), 'created');
      const account = await createAccount(t);
      const agents = [await account.member('agent'), await account.member('agent')];
      const teamId = await createTeam(account.owner.api);
      await createRotation(account.owner.api, agents.map((a) => a.email), teamId);
      const r = await receiver();
      await createEndpoint(account, r, ['lead.created', 'lead.assigned']);
      const first = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId });
      expect(first.status).toBe(201);
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => account.owner.api.post('/leads', { ...MINIMAL_LEAD, lastName: `Batch ${i}`, teamId })));
      expect(answers.map((a) => a.status)).toEqual(Array(40).fill(201));
      const used = new Set<LeadCreatePath>(paths.mock.calls.map(([path]) => path));
      expect(used).toContain('checked');
      expect(used).toContain('at-once');
      if (usingRealPostgres()) expect(used).toContain('batched');
      paths.mockRestore();
      const leads = [first.body, ...answers.map((a) => a.body)];
      await r.waitFor(() => r.deliveries.length >= leads.length * 2);
      for (const { auditLog, ...lead } of leads) {
        const created = r.deliveries.filter((d) => d.event.type === 'lead.created' && d.event.data.lead.id === lead.id);
        const assigned = r.deliveries.filter((d) => d.event.type === 'lead.assigned' && d.event.data.lead.id === lead.id);
        expect(created.map((d) => d.event.data)).toEqual([{ lead }]);
        expect(assigned.map((d) => d.event.data)).toEqual([{ lead, previousUser: null, assignment: auditLog[0].data.assignment }]);
      }
      expect(await outbox(t, account.id)).toHaveLength(leads.length * 2);
    });

    it('PATCH emits lead.updated (data.changes), lead.stage_changed and lead.assigned; archive, unarchive and convert theirs', async () => {
      const account = await createAccount(t);
      const agent = await account.member('agent');
      const r = await receiver();
      const lead = await createLead(account.owner.api, { ...MINIMAL_LEAD, processStage: 'new' });
      await createEndpoint(account, r);
      const api = account.owner.api;
      expect((await api.patch(`/leads/${lead.id}`, { processStage: 'contacted', assignedTo: agent.email, company: 'Engines' })).status).toBe(200);
      expect((await api.patch(`/leads/${lead.id}`, { company: 'Engines' })).status).toBe(200); // nothing changed: no event
      expect((await api.post(`/leads/${lead.id}/archive`)).status).toBe(200);
      expect((await api.post(`/leads/${lead.id}/unarchive`)).status).toBe(200);
      const converted = await api.post(`/leads/${lead.id}/convert`, { applicationId: 'app-7' });
      expect(converted.status).toBe(200);
      await r.waitFor(() => r.deliveries.length >= 6);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const events = (await outbox(t, account.id)).filter((e) => e.type !== 'lead.created');
      expect(events.map((e) => e.type)).toEqual(['lead.updated', 'lead.stage_changed', 'lead.assigned', 'lead.archived', 'lead.unarchived', 'lead.converted']);
      expect(r.deliveries.map((d) => d.event.type).sort()).toEqual(events.map((e) => e.type).sort());
      const byType = (type: string) => r.deliveries.find((d) => d.event.type === type)!.event.data;
      expect(byType('lead.updated').changes).toEqual({
        company: { from: null, to: 'Engines' },
        processStage: { from: 'new', to: 'contacted' },
        assignedTo: { from: null, to: agent.email },
      });
      expect(byType('lead.updated').lead).toMatchObject({ id: lead.id, processStage: 'contacted', assignedTo: agent.email, company: 'Engines' });
      expect(byType('lead.updated').lead.auditLog).toBeUndefined();
      expect(byType('lead.stage_changed')).toMatchObject({ from: 'new', to: 'contacted' });
      expect(byType('lead.assigned')).toMatchObject({ previousUser: null, assignment: { reason: 'manual', user: agent.email } });
      expect(byType('lead.archived').lead.archived).toBe(true);
      expect(byType('lead.unarchived').lead.archived).toBe(false);
      const { auditLog: _log, ...convertedLead } = converted.body;
      expect(byType('lead.converted').lead).toEqual(convertedLead);
    });

    it('an endpoint receives only the types it subscribed to; a disabled one none, and gets them once enabled again', async () => {
      const account = await createAccount(t);
      const onlyConverted = await receiver();
      const paused = await receiver();
      await createEndpoint(account, onlyConverted, ['lead.converted']);
      const { id: pausedId } = await createEndpoint(account, paused);
      expect((await account.owner.api.patch(`/webhooks/${pausedId}`, { enabled: false })).body).toMatchObject({ enabled: false, disabledReason: 'disabled through the API' });
      const lead = await createLead(account.owner.api);
      await account.owner.api.post(`/leads/${lead.id}/convert`, {});
      await onlyConverted.waitFor(() => onlyConverted.deliveries.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(onlyConverted.deliveries.map((d) => d.event.type)).toEqual(['lead.converted']);
      expect(paused.deliveries).toEqual([]);
      expect((await account.owner.api.get(`/webhooks/${pausedId}/deliveries`)).body.data).toEqual([]);
      expect((await account.owner.api.patch(`/webhooks/${pausedId}`, { enabled: true })).body).toMatchObject({ enabled: true, disabledReason: null });
      // Events committed while it was disabled are not its; replay queues them
      const replay = await account.owner.api.post(`/webhooks/${pausedId}/replay`, { since: new Date(Date.now() - 60_000).toISOString() });
      expect(replay.status).toBe(202);
      expect(replay.body).toEqual({ queued: 2 });
      await paused.waitFor(() => paused.deliveries.length >= 2);
      expect(paused.deliveries.map((d) => d.event.type).sort()).toEqual(['lead.converted', 'lead.created']);
    });

    it('a change that rolls back emits nothing (the outbox is written in its transaction)', async () => {
      const account = await createAccount(t);
      const r = await receiver();
      await createEndpoint(account, r);
      const marker = `Rollback${Date.now()}`;
      const db = dataSourceOf(t);
      // A deferred check that fails at COMMIT, after the lead, its audit entry, its events and deliveries were written
      await db.query(`CREATE OR REPLACE FUNCTION webhook_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused at commit'; END $$`);
      await db.query(`CREATE CONSTRAINT TRIGGER webhook_test_refuse_${marker} AFTER INSERT OR UPDATE ON leads DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.first_name = '${marker}' OR NEW.notes = '${marker}') EXECUTE FUNCTION webhook_test_refuse()`);
      try {
        const lead = await createLead(account.owner.api);
        await r.waitFor(() => r.deliveries.length === 1);
        const failedCreate = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, firstName: marker });
        expect(failedCreate.status).toBeGreaterThanOrEqual(500);
        const failedPatch = await account.owner.api.patch(`/leads/${lead.id}`, { notes: marker });
        expect(failedPatch.status).toBeGreaterThanOrEqual(500);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect((await outbox(t, account.id)).map((e) => e.type)).toEqual(['lead.created']);
        expect(r.deliveries.map((d) => d.event.type)).toEqual(['lead.created']);
        const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM leads WHERE account_id = $1`, [account.id]);
        expect(n).toBe(1);
      } finally {
        await db.query(`DROP TRIGGER webhook_test_refuse_${marker} ON leads`);
      }
    });
  });

  describe('delivery', () => {
    it('retries on the schedule after failures, then delivers; the deliveries API shows attempts and the last result', async () => {
      const account = await createAccount(t);
      const r = await receiver({ answer: (d) => (d.attempt <= 2 ? 500 : 200) });
      const { id } = await createEndpoint(account, r);
      await createLead(account.owner.api);
      await r.waitFor(() => r.deliveries.some((d) => d.status === 200), 10_000);
      const times = r.deliveries.map((d) => d.receivedAt);
      expect(r.deliveries.map((d) => d.status)).toEqual([500, 500, 200]);
      expect(times[1] - times[0]).toBeGreaterThanOrEqual(SCHEDULE_MS[0] * 0.9 - 5);
      expect(times[2] - times[1]).toBeGreaterThanOrEqual(SCHEDULE_MS[1] * 0.9 - 5);
      await until(async () => (await account.owner.api.get(`/webhooks/${id}/deliveries`)).body.data[0]?.status === 'delivered', 'delivered');
      const [delivery] = (await account.owner.api.get(`/webhooks/${id}/deliveries?status=delivered`)).body.data;
      expect(delivery).toEqual({
        id: expect.any(Number),
        eventId: r.deliveries[0].id,
        eventType: 'lead.created',
        status: 'delivered',
        attempts: 3,
        lastStatusCode: 200,
        lastError: null,
        lastDurationMs: expect.any(Number),
        lastResponseBody: 'ok',
        lastAttemptAt: expect.any(String),
        nextAttemptAt: null,
        createdAt: expect.any(String),
      });
      expect((await account.owner.api.get(`/webhooks/${id}/deliveries?status=failed`)).body.data).toEqual([]);
    });

    it('gives up after the last retry (failed); a retry by hand attempts once more; test events go to that endpoint only', async () => {
      const account = await createAccount(t);
      const r = await receiver({ answer: () => 503 });
      const other = await receiver();
      const { id } = await createEndpoint(account, r);
      await createEndpoint(account, other);
      await createLead(account.owner.api);
      await other.waitFor(() => other.deliveries.length === 1);
      await r.waitFor(() => r.deliveries.length === SCHEDULE_MS.length + 1, 10_000);
      await until(async () => (await account.owner.api.get(`/webhooks/${id}/deliveries?status=failed`)).body.data.length === 1, 'failed');
      await new Promise((resolve) => setTimeout(resolve, SCHEDULE_MS[0] * 2));
      expect(r.deliveries).toHaveLength(SCHEDULE_MS.length + 1);
      const [failed] = (await account.owner.api.get(`/webhooks/${id}/deliveries`)).body.data;
      expect(failed).toMatchObject({ status: 'failed', attempts: 4, lastStatusCode: 503, lastError: 'HTTP 503', nextAttemptAt: null, lastResponseBody: 'no' });
      const retried = await account.owner.api.post(`/webhooks/${id}/deliveries/${failed.id}/retry`);
      expect(retried.status).toBe(202);
      await r.waitFor(() => r.deliveries.length === SCHEDULE_MS.length + 2);
      await until(async () => (await account.owner.api.get(`/webhooks/${id}/deliveries`)).body.data[0].attempts === 5, 'fifth attempt recorded');
      expect((await account.owner.api.post(`/webhooks/${id}/deliveries/999999/retry`)).status).toBe(404);
      // webhook.test: to this endpoint only
      const test = await account.owner.api.post(`/webhooks/${id}/test`);
      expect(test.status).toBe(202);
      expect(test.body).toEqual({ queued: 1, eventId: expect.stringMatching(/^evt_/) });
      await r.waitFor(() => r.deliveries.some((d) => d.event.type === 'webhook.test'));
      const testEvent = r.deliveries.find((d) => d.event.type === 'webhook.test')!;
      expect(testEvent.id).toBe(test.body.eventId);
      expect(testEvent.event.data).toEqual({ webhookId: id, message: expect.any(String) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(other.deliveries.map((d) => d.event.type)).toEqual(['lead.created']);
      const audit = await account.owner.api.get(`/audit-logs?entityType=webhook&entityId=${id}`);
      expect(audit.body.data.map((e: any) => e.event).reverse()).toEqual(['webhook_created', 'webhook_delivery_retried', 'webhook_tested']);
    });

    it('does not follow redirects (a 3xx is a failed attempt) and keeps only the first KiB of an answer', async () => {
      const account = await createAccount(t);
      const target = await receiver();
      const r = await receiver({ answer: () => 307, headers: { location: target.url }, body: 'x'.repeat(5000) });
      const { id } = await createEndpoint(account, r);
      await createLead(account.owner.api);
      await r.waitFor(() => r.deliveries.length >= 1);
      await until(async () => (await account.owner.api.get(`/webhooks/${id}/deliveries`)).body.data[0]?.lastStatusCode === 307, 'the first attempt recorded');
      const [delivery] = (await account.owner.api.get(`/webhooks/${id}/deliveries`)).body.data;
      expect(delivery).toMatchObject({ status: 'pending', lastStatusCode: 307, lastError: 'HTTP 307' });
      expect(delivery.lastResponseBody).toBe('x'.repeat(1024));
      expect(target.connections).toBe(0);
      await account.owner.api.patch(`/webhooks/${id}`, { enabled: false });
    });

    it('410 Gone disables the endpoint at once, with its reason; later events are not queued for it', async () => {
      const account = await createAccount(t);
      const r = await receiver({ answer: () => 410 });
      const { id } = await createEndpoint(account, r);
      await createLead(account.owner.api);
      await until(async () => (await account.owner.api.get(`/webhooks/${id}`)).body.enabled === false, 'disabled');
      expect((await account.owner.api.get(`/webhooks/${id}`)).body).toMatchObject({ enabled: false, disabledReason: 'the endpoint answered 410 Gone' });
      expect(r.deliveries).toHaveLength(1);
      await createLead(account.owner.api);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(r.deliveries).toHaveLength(1);
      const deliveries = (await account.owner.api.get(`/webhooks/${id}/deliveries`)).body.data;
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410 });
    });

    it('an endpoint whose deliveries have all failed for 5 days is disabled', async () => {
      const account = await createAccount(t);
      const r = await receiver({ answer: () => 500 });
      const { id } = await createEndpoint(account, r);
      // It has been failing for 5 days (the clock is not the test's to move; its record is)
      await dataSourceOf(t).query(`UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE account_id = $1 AND id = $2`, [account.id, id]);
      await createLead(account.owner.api);
      await until(async () => (await account.owner.api.get(`/webhooks/${id}`)).body.enabled === false, 'disabled');
      expect((await account.owner.api.get(`/webhooks/${id}`)).body.disabledReason).toBe('every delivery failed for 5 days');
      const [pending] = (await account.owner.api.get(`/webhooks/${id}/deliveries`)).body.data;
      expect(pending).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: null });
    });

    it('during a secret rotation every delivery carries both signatures, each verified by standardwebhooks', async () => {
      const account = await createAccount(t);
      const r = await receiver();
      const { id, secret: oldSecret } = await createEndpoint(account, r);
      const rotated = await account.owner.api.post(`/webhooks/${id}/rotate-secret`);
      expect(rotated.status).toBe(201);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(oldSecret);
      expect(new Date(rotated.body.previousSecretExpiresAt).getTime()).toBeGreaterThan(Date.now() + 23.9 * 3600_000);
      r.secrets.push(rotated.body.secret);
      await createLead(account.owner.api);
      await r.waitFor(() => r.deliveries.length === 1);
      const [d] = r.deliveries;
      expect(d.signature.split(' ')).toHaveLength(2);
      expect(d.verifiedWith).toEqual([0, 1]);
      // A receiver that only knows the new secret verifies too, as does one that only knows the old
      const audit = await account.owner.api.get(`/audit-logs?entityType=webhook&entityId=${id}&event=webhook_secret_rotated`);
      expect(audit.body.data).toHaveLength(1);
      expect(JSON.stringify(audit.body.data)).not.toContain(rotated.body.secret.slice(6));
    });

    it('deleting an endpoint deletes its deliveries; one its fan-out wrote as it was deleted is dropped by the worker, never attempted', async () => {
      const account = await createAccount(t);
      const r = await receiver({ answer: () => 500 });
      const { id } = await createEndpoint(account, r);
      await createLead(account.owner.api);
      await r.waitFor(() => r.deliveries.length === 1);
      const db = dataSourceOf(t);
      const deliveries = async () => (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE account_id = $1 AND endpoint_id = $2`, [account.id, id]))[0].n;
      expect(await deliveries()).toBe(1);
      expect((await account.owner.api.delete(`/webhooks/${id}`)).status).toBe(204);
      expect(await deliveries()).toBe(0);
      // A lead insert that read the endpoint before the deletion committed writes its delivery after it
      const received = r.deliveries.length;
      await db.query(
        `INSERT INTO webhook_deliveries (account_id, endpoint_id, event_id, next_attempt_at) SELECT account_id, $2, id, now() FROM events WHERE account_id = $1 ORDER BY id LIMIT 1`,
        [account.id, id],
      );
      await until(async () => (await deliveries()) === 0, 'the orphan delivery dropped');
      expect(r.deliveries).toHaveLength(received);
    });

    it('lists deliveries newest first, page by page', async () => {
      const account = await createAccount(t);
      const r = await receiver();
      const { id } = await createEndpoint(account, r);
      for (let i = 0; i < 3; i++) await createLead(account.owner.api);
      await r.waitFor(() => r.deliveries.length === 3);
      const first = await account.owner.api.get(`/webhooks/${id}/deliveries?limit=2`);
      expect(first.body.data).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await account.owner.api.get(`/webhooks/${id}/deliveries?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body).toEqual({ data: [expect.objectContaining({ eventType: 'lead.created' })], nextCursor: null });
      const ids = [...first.body.data, ...second.body.data].map((d: any) => d.eventId);
      expect(ids).toEqual((await outbox(t, account.id)).map((e) => e.public_id).reverse());
      expect((await account.owner.api.get(`/webhooks/${id}/deliveries?status=lost`)).status).toBe(400);
    });
  });
});
