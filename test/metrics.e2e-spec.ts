import { get } from 'node:http';
import { Client as PgClient } from 'pg';
import { MetricsService } from '../src/metrics/metrics.service';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/app';
import { createAccount } from './support/builders';
import { call } from './support/http';
import { createRotation, MINIMAL_LEAD } from './support/leads';
import { freePort, startServer } from './support/server-process';
import { itWhen, needsPostgres } from './support/skips';
import { RUN_DATABASE_ENV } from './support/test-database';
import { startReceiver, webhookSuiteTurn, type WebhookReceiver } from './support/webhook-receiver';

/** API.md section 14: GET /metrics, its gate (token on the API port, or a port of its own) and its content. */
const TOKEN = 'metrics-token-0123456789';

/** GET over a real socket (the METRICS_PORT listener is not Fastify's, inject cannot reach it). */
function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}

describe('metrics: off unless configured', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ METRICS_PORT: undefined, METRICS_TOKEN: undefined })));
  afterAll(() => t.close());

  it('answers 404 for /metrics with neither METRICS_PORT nor METRICS_TOKEN, even with a bearer token', async () => {
    expect((await call(t.app, { method: 'GET', url: '/metrics' })).status).toBe(404);
    expect((await call(t.app, { method: 'GET', url: '/metrics', token: TOKEN })).status).toBe(404);
    expect(t.app.get(MetricsService).enabled).toBe(false);
  });
});

describe('metrics: on the API port behind METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ METRICS_TOKEN: TOKEN, METRICS_PORT: undefined })));
  afterAll(() => t.close());

  it('refuses a request without the token or with another one (401), in the contract error shape', async () => {
    const none = await call(t.app, { method: 'GET', url: '/metrics' });
    expect(none.status).toBe(401);
    expect(none.body.error).toEqual(expect.any(String));
    const wrong = await call(t.app, { method: 'GET', url: '/metrics', token: `${TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: expect.stringContaining('METRICS_TOKEN') });
  });

  it('serves the Prometheus text format: requests by route template and status, pool, rotation turns, access log, outbox, webhooks, process', async () => {
    const account = await createAccount(t);
    const agent = await account.member('agent');
    await createRotation(account.owner.api, [agent.email]);
    for (let i = 0; i < 3; i++) expect((await account.owner.api.post('/leads', MINIMAL_LEAD)).status).toBe(201);
    expect((await account.owner.api.get('/leads/999999')).status).toBe(404);
    expect((await account.owner.api.get('/leads')).status).toBe(200);
    const metrics = t.app.get(MetricsService);
    metrics.webhookAttempt('success');
    metrics.webhookAttempt('success');
    metrics.webhookAttempt('failure');
    metrics.setOutboxLagProvider(async () => 12.5);

    const res = await call(t.app, { method: 'GET', url: '/metrics', token: TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text: string = res.body;
    expect(text).toContain('# TYPE leaddesk_http_request_duration_seconds histogram');
    expect(sample(text, 'leaddesk_http_request_duration_seconds_count', { method: 'POST', route: '/leads', status: '201' })).toBe(3);
    // the template, never the path with its id
    expect(sample(text, 'leaddesk_http_request_duration_seconds_count', { method: 'GET', route: '/leads/:id', status: '404' })).toBe(1);
    expect(text).not.toContain('route="/leads/999999"');
    expect(sample(text, 'leaddesk_db_pool_connections', { pool: 'primary', state: 'in_use' })).toEqual(expect.any(Number));
    expect(sample(text, 'leaddesk_db_pool_connections', { pool: 'primary', state: 'waiting' })).toBe(0);
    expect(sample(text, 'leaddesk_db_pool_connections', { pool: 'primary', state: 'max' })).toBe(t.config.database.url ? t.config.database.poolSize : 1);
    expect(sample(text, 'leaddesk_rotation_turn_seconds_count', { outcome: 'taken' })).toBe(3);
    expect(sample(text, 'leaddesk_rotation_lock_timeouts_total')).toBe(0);
    expect(sample(text, 'leaddesk_access_log_buffered')).toEqual(expect.any(Number));
    expect(sample(text, 'leaddesk_access_log_dropped_total')).toBe(0);
    // no replica configured: the list read from the primary (the single read GET /leads/:id is not replica-eligible)
    expect(sample(text, 'leaddesk_db_reads_total', { target: 'primary' })).toBe(1);
    expect(sample(text, 'leaddesk_db_reads_total', { target: 'replica' })).toBe(0);
    expect(sample(text, 'leaddesk_outbox_lag_seconds')).toBe(12.5);
    expect(sample(text, 'leaddesk_webhook_attempts_total', { result: 'success' })).toBe(2);
    expect(sample(text, 'leaddesk_webhook_attempts_total', { result: 'failure' })).toBe(1);
    expect(sample(text, 'leaddesk_process_cpu_user_seconds_total')).toEqual(expect.any(Number));
    expect(sample(text, 'leaddesk_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('counts the metrics request itself under its route, like any other', async () => {
    await call(t.app, { method: 'GET', url: '/metrics', token: TOKEN });
    const text: string = (await call(t.app, { method: 'GET', url: '/metrics', token: TOKEN })).body;
    expect(sample(text, 'leaddesk_http_request_duration_seconds_count', { method: 'GET', route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'leaddesk_http_request_duration_seconds_count', { method: 'GET', route: '/metrics', status: '401' })).toBeGreaterThanOrEqual(1);
  });
});

describe('metrics: on METRICS_PORT, a listener of its own', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp({ METRICS_PORT: String(port), METRICS_TOKEN: undefined, HOST: '127.0.0.1' });
    await t.app.get(MetricsService).startServer();
  });
  afterAll(() => t.close());

  it('serves /metrics on its port without a token, and not on the API port (404)', async () => {
    const res = await httpGet(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain/);
    expect(res.body).toContain('leaddesk_db_pool_connections');
    expect((await httpGet(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    expect((await call(t.app, { method: 'GET', url: '/metrics' })).status).toBe(404);
    expect((await call(t.app, { method: 'GET', url: '/metrics', token: TOKEN })).status).toBe(404);
  });

  it('closes its listener when the app closes', async () => {
    await t.close();
    await expect(httpGet(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

describe('metrics: the built server on METRICS_PORT', () => {
  const { it: itPg } = itWhen(needsPostgres());
  itPg('listens on METRICS_PORT once started, and shuts it on SIGTERM', async () => {
    const metricsPort = await freePort();
    const server = await startServer({ DATABASE_URL: process.env[RUN_DATABASE_ENV], MIGRATIONS_RUN: 'false', JWT_SECRET: TEST_JWT_SECRET, METRICS_PORT: String(metricsPort) });
    try {
      const res = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(res.status).toBe(200);
      expect(res.body).toContain('leaddesk_http_request_duration_seconds');
      expect((await httpGet(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    await expect(httpGet(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  }, 60_000);
});

describe('metrics: rotation lock timeouts', () => {
  const { it: itPg } = itWhen(needsPostgres());
  itPg('a lead refused 503 because another transaction holds its rotation counts in leaddesk_rotation_lock_timeouts_total and the lock_timeout turn bucket', async () => {
    const t = await startTestApp({ METRICS_TOKEN: TOKEN, METRICS_PORT: undefined, ROTATION_LOCK_TIMEOUT_MS: '200' });
    const holder = new PgClient({ connectionString: process.env[RUN_DATABASE_ENV] });
    await holder.connect();
    try {
      const account = await createAccount(t);
      const agent = await account.member('agent');
      const rotationId = await createRotation(account.owner.api, [agent.email]);
      expect((await account.owner.api.post('/leads', MINIMAL_LEAD)).status).toBe(201);
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM rotations WHERE id = $1 FOR UPDATE', [rotationId]);
      expect((await account.owner.api.post('/leads', MINIMAL_LEAD)).status).toBe(503);
      await holder.query('ROLLBACK');
      const text: string = (await call(t.app, { method: 'GET', url: '/metrics', token: TOKEN })).body;
      expect(sample(text, 'leaddesk_rotation_lock_timeouts_total')).toBe(1);
      expect(sample(text, 'leaddesk_rotation_turn_seconds_count', { outcome: 'lock_timeout' })).toBe(1);
      expect(sample(text, 'leaddesk_rotation_turn_seconds_sum', { outcome: 'lock_timeout' })).toBeGreaterThanOrEqual(0.2);
      expect(sample(text, 'leaddesk_http_request_duration_seconds_count', { method: 'POST', route: '/leads', status: '503' })).toBe(1);
    } finally {
      await holder.end();
      await t.close();
    }
  }, 60_000);
});

describe('metrics: webhook attempts and outbox lag come from the webhooks feature', () => {
  let t: TestApp;
  let release: () => Promise<void>;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    release = await webhookSuiteTurn();
    receiver = await startReceiver({ answer: (d) => (d.event.type === 'lead.assigned' ? 500 : 200) });
    t = await startTestApp({
      METRICS_TOKEN: TOKEN,
      METRICS_PORT: undefined,
      WEBHOOK_DELIVERY: 'true',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_RETRY_SCHEDULE: '1h',
      WEBHOOK_POLL_MS: '50',
    });
  }, 300_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await release?.();
  });

  it('counts real delivery attempts by result, and shows the age of the oldest undelivered delivery', async () => {
    const account = await createAccount(t);
    const agent = await account.member('agent');
    await createRotation(account.owner.api, [agent.email]);
    const hook = await account.owner.api.post('/webhooks', { url: receiver.url, events: ['lead.created', 'lead.assigned'] });
    expect(hook.status).toBe(201);
    receiver.secrets.push(hook.body.secret);
    expect((await account.owner.api.post('/leads', MINIMAL_LEAD)).status).toBe(201);
    // lead.created is delivered; lead.assigned fails (500) and waits an hour for its retry
    await receiver.waitFor(() => receiver.deliveries.length >= 2, 20_000, 'both events attempted');
    await new Promise((r) => setTimeout(r, 300));
    const text = (await call(t.app, { method: 'GET', url: '/metrics', token: TOKEN })).body as string;
    expect(sample(text, 'leaddesk_webhook_attempts_total', { result: 'delivered' })).toBe(1);
    expect(sample(text, 'leaddesk_webhook_attempts_total', { result: 'http_error' })).toBe(1);
    expect(sample(text, 'leaddesk_outbox_lag_seconds')).toBeGreaterThan(0);
  });
});
