// Where webhooks may go (API.md 10), with the production defaults: https only, public addresses only. Refused
// at creation (400) and, when the destination changed since (DNS, or the row), at every attempt on the address
// actually connected to: `destination not allowed`, and no connection is made.
import { startTestApp, type TestApp } from './support/app';
import { createAccount } from './support/builders';
import { createLead, dataSourceOf } from './support/leads';
import { WebhookAttempts, WebhookMetrics } from '../src/webhooks/webhook-observers';
import { startReceiver, webhookSuiteTurn, type WebhookReceiver } from './support/webhook-receiver';

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let release: () => Promise<void>;
beforeAll(async () => {
  release = await webhookSuiteTurn();
}, 300_000);
afterAll(() => release?.());

describe('webhook destinations (WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE unset)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_DELIVERY: 'true', WEBHOOK_POLL_MS: '50' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it.each([
    ['http (https only)', 'http://93.184.215.14/hook', 'url must be an https URL'],
    ['loopback', 'https://127.0.0.1/hook', 'destination not allowed'],
    ['loopback by name', 'https://localhost/hook', 'destination not allowed'],
    ['IPv6 loopback', 'https://[::1]/hook', 'destination not allowed'],
    ['private 10/8', 'https://10.1.2.3/hook', 'destination not allowed'],
    ['private 192.168/16', 'https://192.168.0.10/hook', 'destination not allowed'],
    ['link-local / cloud metadata', 'https://169.254.169.254/latest/meta-data', 'destination not allowed'],
    ['carrier-grade NAT (Alibaba metadata)', 'https://100.100.100.200/', 'destination not allowed'],
    ['unique-local (AWS IPv6 metadata)', 'https://[fd00:ec2::254]/', 'destination not allowed'],
    ['IPv6 link-local', 'https://[fe80::1]/', 'destination not allowed'],
    ['multicast', 'https://224.0.0.1/', 'destination not allowed'],
    ['unspecified', 'https://0.0.0.0/', 'destination not allowed'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/', 'destination not allowed'],
  ])('refuses %s at creation with 400 naming url, creating nothing', async (_name, url, message) => {
    const account = await createAccount(t);
    const res = await account.owner.api.post('/webhooks', { url, events: ['*'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Request validation failed');
    expect(res.body.details).toEqual([{ field: 'url', message: expect.stringContaining(message) }]);
    expect((await account.owner.api.get('/webhooks')).body.data).toEqual([]);
  });

  it('refuses the same on PATCH', async () => {
    const account = await createAccount(t);
    const created = await account.owner.api.post('/webhooks', { url: 'https://93.184.215.14/hook', events: ['*'] });
    expect(created.status).toBe(201);
    const res = await account.owner.api.patch(`/webhooks/${created.body.id}`, { url: 'https://10.0.0.1/hook' });
    expect(res.status).toBe(400);
    expect((await account.owner.api.get(`/webhooks/${created.body.id}`)).body.url).toBe('https://93.184.215.14/hook');
  });

  it.each([
    ['an IP literal', (port: number) => `https://127.0.0.1:${port}/hook`],
    ['a name that resolves to loopback', (port: number) => `https://localhost:${port}/hook`],
  ])('at delivery, a destination that became private (%s) fails with "destination not allowed" and is never connected to', async (_name, urlOf) => {
    const account = await createAccount(t);
    const created = await account.owner.api.post('/webhooks', { url: 'https://93.184.215.14/hook', events: ['*'] });
    expect(created.status).toBe(201);
    // What DNS could do after creation: the destination now points at this machine
    await dataSourceOf(t).query(`UPDATE webhook_endpoints SET url = $3 WHERE account_id = $1 AND id = $2`, [account.id, created.body.id, urlOf(receiver.port)]);
    const connections = receiver.connections;
    await createLead(account.owner.api);
    await until(async () => (await account.owner.api.get(`/webhooks/${created.body.id}/deliveries`)).body.data[0]?.attempts >= 1 &&
      (await account.owner.api.get(`/webhooks/${created.body.id}/deliveries`)).body.data[0]?.lastError !== null, 'the first attempt');
    const [delivery] = (await account.owner.api.get(`/webhooks/${created.body.id}/deliveries`)).body.data;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastError: 'destination not allowed', lastStatusCode: null });
    expect(receiver.connections).toBe(connections);
  });
});

describe('WEBHOOK_DELIVERY=false', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_DELIVERY: 'false', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_POLL_MS: '50' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('delivers nothing from this process; events and their deliveries accumulate', async () => {
    const attempted = jest.spyOn(t.app.get(WebhookAttempts), 'attempted');
    const account = await createAccount(t);
    const created = await account.owner.api.post('/webhooks', { url: receiver.url, events: ['*'] });
    expect(created.status).toBe(201);
    await createLead(account.owner.api);
    await account.owner.api.post(`/webhooks/${created.body.id}/test`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.connections).toBe(0);
    expect(attempted).not.toHaveBeenCalled();
    const deliveries = (await account.owner.api.get(`/webhooks/${created.body.id}/deliveries`)).body.data;
    expect(deliveries.map((d: any) => [d.eventType, d.status, d.attempts])).toEqual([
      ['webhook.test', 'pending', 0],
      ['lead.created', 'pending', 0],
    ]);
    const [{ n }] = await dataSourceOf(t).query(`SELECT count(*)::int AS n FROM events WHERE account_id = $1`, [account.id]);
    expect(n).toBe(2);
    // The outbox lag the metrics read: the waiting deliveries are at least that old
    const lag = await t.app.get(WebhookMetrics).outboxLag();
    expect(lag.oldestUndeliveredSeconds).toBeGreaterThanOrEqual(0.4);
    expect(lag.oldestDueSeconds).toBeGreaterThanOrEqual(0.4);
  });
});
