import { DateTime } from 'luxon';
import { randomBytes } from 'node:crypto';
import { AccessLogPartitions } from '../src/access-log/access-log-partitions';
import { AccessLogRecorder } from '../src/access-log/access-log-recorder';
import { startTestApp, tokenFor, type TestApp } from './support/app';
import { createAccount, newEmail, type TestAccount } from './support/builders';
import { call, Client } from './support/http';
import { dataSourceOf, MINIMAL_LEAD } from './support/leads';

interface Row {
  account_id: string | null;
  user_email: string | null;
  api_key_id: number | null;
  method: string;
  route: string | null;
  status: number;
  request_id: string;
  user_agent: string | null;
}

const rid = (label: string) => `al-${label}-${randomBytes(6).toString('hex')}`;

describe('access log: every request recorded (API.md section 12)', () => {
  let t: TestApp;
  let account: TestAccount;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1000', RATE_LIMIT_ANON_PER_MINUTE: '2' });
    account = await createAccount(t);
  });
  afterAll(() => t.close());

  /** The access-log rows of these request ids, once written (records are flushed in batches). */
  async function recorded(ids: string[], expected = ids.length): Promise<Row[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      await new Promise((r) => setImmediate(r));
      await t.app.get(AccessLogRecorder).flush();
      const rows: Row[] = await dataSourceOf(t).query(
        `SELECT account_id::text, user_email, api_key_id, method, route, status, request_id, user_agent FROM access_log WHERE request_id = ANY($1)`,
        [ids],
      );
      if (rows.length >= expected || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('records each outcome once, with its status, route template, caller and account; a 429, 404, 413 and 415 too', async () => {
    const viewer = await account.member('viewer');
    const stranger = new Client(t.app, tokenFor(t.config, newEmail('stranger')), account.id);
    const key = await account.owner.api.post('/api-keys', { name: 'form', role: 'agent' });
    expect(key.status).toBe(201);
    const lead = await account.owner.api.post('/leads?skipTeamAndSourceRequirement=true', MINIMAL_LEAD);
    expect(lead.status).toBe(201);
    const ip = `10.77.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
    const cases: [string, () => Promise<number>, Partial<Row>][] = [];
    const add = (label: string, status: number, send: (id: string) => Promise<{ status: number }>, row: Partial<Row>) => {
      const id = rid(label);
      cases.push([id, async () => (await send(id)).status, { ...row, status, request_id: id }]);
      return id;
    };
    const h = (id: string) => ({ 'x-request-id': id, 'user-agent': 'access-log-test/1.0' });
    add('created', 201, (id) => account.owner.api.post('/teams', { name: `Team ${id}` }, h(id)), { route: '/teams', method: 'POST', user_email: account.owner.email, account_id: account.id });
    add('ok', 200, (id) => account.owner.api.get(`/leads/${lead.body.id}`, h(id)), { route: '/leads/:id', method: 'GET', account_id: account.id, user_agent: 'access-log-test/1.0' });
    add('api-key', 200, (id) => new Client(t.app, key.body.key, account.id).get('/teams', h(id)), { route: '/teams', user_email: account.owner.email, api_key_id: key.body.id, account_id: account.id });
    add('no-account', 400, (id) => new Client(t.app, account.owner.token).get('/teams', h(id)), { route: '/teams', user_email: account.owner.email, account_id: null });
    add('bad-token', 401, (id) => new Client(t.app, 'not-a-token', account.id).get('/teams', h(id)), { route: '/teams', user_email: null, account_id: account.id });
    add('stranger', 403, (id) => stranger.get('/teams', h(id)), { route: '/teams', user_email: expect.stringContaining('stranger-'), account_id: account.id });
    add('role', 403, (id) => viewer.api.post('/teams', { name: 'nope' }, h(id)), { route: '/teams', user_email: viewer.email, account_id: account.id });
    add('no-such-account', 403, (id) => new Client(t.app, account.owner.token, '987654321012').get('/teams', h(id)), { account_id: null, user_email: account.owner.email });
    add('unknown-route', 404, (id) => account.owner.api.get('/no-such-route', h(id)), { route: null, account_id: account.id });
    add('no-such-lead', 404, (id) => account.owner.api.get('/leads/99999999', h(id)), { route: '/leads/:id', account_id: account.id });
    add('too-large', 413, (id) => call(t.app, { method: 'POST', url: '/leads', token: account.owner.token, account: account.id, headers: { ...h(id), 'content-type': 'application/json' }, payload: `{"firstName":"${'x'.repeat(1024 * 1024 + 10)}"}` }), { route: '/leads', method: 'POST' });
    add('not-json', 415, (id) => call(t.app, { method: 'POST', url: '/leads', token: account.owner.token, account: account.id, headers: { ...h(id), 'content-type': 'text/plain' }, payload: 'firstName=Ada' }), { route: '/leads' });
    add('bad-json', 400, (id) => call(t.app, { method: 'POST', url: '/leads', token: account.owner.token, account: account.id, headers: { ...h(id), 'content-type': 'application/json' }, payload: '{"firstName":' }), { route: '/leads' });
    add('health', 200, (id) => call(t.app, { method: 'GET', url: '/health/live', headers: h(id) }), { route: '/health/live', user_email: null, account_id: null });
    const anon = (id: string) => t.app.inject({ method: 'GET', url: '/teams', remoteAddress: ip, headers: { ...h(id), authorization: 'Bearer nope', 'x-account-id': account.id } }).then((r) => ({ status: r.statusCode }));
    add('anon-1', 401, anon, { user_email: null });
    add('anon-2', 401, anon, { user_email: null });
    add('limited', 429, anon, { route: '/teams', user_email: null, account_id: account.id });

    const statuses = [];
    for (const [, send] of cases) statuses.push(await send());
    expect(statuses).toEqual(cases.map(([, , row]) => row.status));
    const rows = await recorded(cases.map(([id]) => id));
    for (const [id, , expected] of cases) {
      const mine = rows.filter((r) => r.request_id === id);
      expect({ id, count: mine.length }).toEqual({ id, count: 1 });
      expect(mine[0]).toMatchObject(expected);
    }
  });

  it('keeps no body, query value, credential or header but the user agent', async () => {
    const secrets = { body: `body-secret-${randomBytes(4).toString('hex')}`, query: `query-secret-${randomBytes(4).toString('hex')}`, cookie: `cookie-secret-${randomBytes(4).toString('hex')}` };
    const id = rid('privacy');
    const res = await account.owner.api.post(`/leads?skipTeamAndSourceRequirement=true&q=${secrets.query}`, { ...MINIMAL_LEAD, company: secrets.body }, { 'x-request-id': id, cookie: secrets.cookie });
    expect(res.status).toBe(400); // q is not a POST /leads parameter
    const [row] = await recorded([id]);
    const all = await dataSourceOf(t).query(`SELECT * FROM access_log WHERE request_id = $1`, [id]);
    expect(row).toMatchObject({ route: '/leads', status: 400 });
    for (const secret of [...Object.values(secrets), account.owner.token]) expect(JSON.stringify(all)).not.toContain(secret);
  });

  describe('x-request-id', () => {
    it.each([
      ['kept when 1..128 visible ASCII', 'abc-123_./:@!~', true],
      ['kept at 128 characters', 'r'.repeat(128), true],
      ['replaced when longer than 128', 'r'.repeat(129), false],
      ['replaced when it holds a space', 'two words', false],
      ['replaced when it holds non-ASCII', 'café', false],
    ])('%s', async (_name, given, kept) => {
      const res = await call(t.app, { method: 'GET', url: '/teams', token: account.owner.token, account: account.id, headers: { 'x-request-id': given } });
      expect(res.status).toBe(200);
      const answered = res.headers['x-request-id'] as string;
      if (kept) expect(answered).toBe(given);
      else expect(answered).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(await recorded([answered])).toHaveLength(1);
    });

    it('is generated when absent, answered on errors too, and recorded in the audit entries of the request', async () => {
      const refused = await call(t.app, { method: 'GET', url: '/teams' });
      expect(refused.status).toBe(401);
      expect(refused.headers['x-request-id']).toEqual(expect.any(String));
      const id = rid('audit');
      const team = await account.owner.api.post('/teams', { name: `Audited ${id}` }, { 'x-request-id': id });
      expect(team.status).toBe(201);
      expect(team.headers['x-request-id']).toBe(id);
      const entries = await account.owner.api.get(`/audit-logs?entityType=team&entityId=${team.body.id}`);
      expect(entries.body.data).toEqual([expect.objectContaining({ event: 'team_created', requestId: id })]);
      const lead = await account.owner.api.post('/leads?skipTeamAndSourceRequirement=true', MINIMAL_LEAD, { 'x-request-id': `${id}-lead` });
      expect(lead.body.auditLog[0].requestId).toBe(`${id}-lead`);
    });
  });

  describe('GET /access-logs', () => {
    let other: TestAccount;
    let admin: Client;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      other = await createAccount(t);
      admin = (await other.member('admin')).api;
      ids.created = rid('list-created');
      ids.forbidden = rid('list-403');
      ids.missing = rid('list-404');
      ids.read = rid('list-read');
      await other.owner.api.post('/teams', { name: 'Listed' }, { 'x-request-id': ids.created });
      await (await other.member('viewer')).api.post('/teams', { name: 'No' }, { 'x-request-id': ids.forbidden });
      await other.owner.api.get('/teams/99999999', { 'x-request-id': ids.missing });
      await other.owner.api.get('/teams', { 'x-request-id': ids.read });
      await recorded(Object.values(ids));
    });

    const requestIds = (res: { body: { data: { requestId: string }[] } }) => res.body.data.map((r) => r.requestId).filter((id) => Object.values(ids).includes(id));

    it('lists the account\'s records newest first, in the contract\'s shape, and nothing of other accounts', async () => {
      const res = await admin.get('/access-logs?limit=100');
      expect(res.status).toBe(200);
      expect(requestIds(res)).toEqual([ids.read, ids.missing, ids.forbidden, ids.created]);
      expect(res.body.data.every((r: { accountId: string }) => r.accountId === other.id)).toBe(true);
      const created = res.body.data.find((r: { requestId: string }) => r.requestId === ids.created);
      expect(Object.keys(created).sort()).toEqual(['accountId', 'apiKeyId', 'at', 'durationMs', 'id', 'ip', 'method', 'requestId', 'route', 'status', 'user', 'userAgent'].sort());
      expect(created).toMatchObject({ accountId: other.id, user: other.owner.email, apiKeyId: null, method: 'POST', route: '/teams', status: 201, ip: '127.0.0.1' });
      expect(created.durationMs).toBeGreaterThanOrEqual(0);
    });

    it.each([
      ['status=4xx', ['missing', 'forbidden']],
      ['status=403', ['forbidden']],
      ['status=201', ['created']],
      ['method=post', ['forbidden', 'created']],
      ['route=/teams/:id', ['missing']],
    ])('filters by %s', async (query, expected) => {
      const res = await admin.get(`/access-logs?limit=100&${query}`);
      expect(res.status).toBe(200);
      expect(requestIds(res)).toEqual(expected.map((k) => ids[k]));
    });

    it('filters by user and pages with a cursor', async () => {
      const first = await admin.get(`/access-logs?limit=1&user=${encodeURIComponent(other.owner.email.toUpperCase())}&route=/teams`);
      expect(first.status).toBe(200);
      expect(first.body.data.map((r: { requestId: string }) => r.requestId)).toEqual([ids.read]);
      const second = await admin.get(`/access-logs?limit=1&user=${encodeURIComponent(other.owner.email)}&route=/teams&cursor=${first.body.nextCursor}`);
      expect(second.body.data.map((r: { requestId: string }) => r.requestId)).toEqual([ids.created]);
    });

    it.each([
      ['status=4x', 'status'],
      ['status=600', 'status'],
      ['method=FETCH', 'method'],
      ['apiKeyId=abc', 'apiKeyId'],
      ['from=yesterday', 'from'],
      ['cursor=forged.cursor', null],
    ])('refuses %s with 400', async (query, field) => {
      const res = await admin.get(`/access-logs?${query}`);
      expect(res.status).toBe(400);
      if (field) expect(res.body.details).toEqual([expect.objectContaining({ field })]);
    });

    it('is for admins and owners only', async () => {
      const manager = await other.member('manager');
      expect((await manager.api.get('/access-logs')).status).toBe(403);
      expect((await other.owner.api.get('/access-logs')).status).toBe(200);
    });
  });

  describe('GET /api-keys/{id}/usage', () => {
    it('counts a key\'s requests per day by status class; another account\'s key is 404', async () => {
      const owner = account.owner.api;
      const key = await owner.post('/api-keys', { name: 'usage', role: 'viewer' });
      const keyApi = new Client(t.app, key.body.key, account.id);
      const sent = [];
      for (const url of ['/teams', '/teams', '/leads/99999999']) sent.push((await keyApi.get(url, { 'x-request-id': rid('usage') })).headers['x-request-id'] as string);
      sent.push((await keyApi.post('/teams', { name: 'viewer cannot' }, { 'x-request-id': rid('usage') })).headers['x-request-id'] as string);
      await recorded(sent);
      const res = await owner.get(`/api-keys/${key.body.id}/usage`);
      expect(res.status).toBe(200);
      const today = new Date().toISOString().slice(0, 10);
      expect(res.body).toEqual({ data: [{ day: today, requests: 4, status2xx: 2, status4xx: 2, status5xx: 0 }] });
      // days are the account's: far east of UTC the same requests fall on that zone's date
      expect((await owner.patch(`/accounts/${account.id}`, { timeZone: 'Pacific/Kiritimati' })).status).toBe(200);
      const kiritimati = DateTime.now().setZone('Pacific/Kiritimati').toISODate();
      expect((await owner.get(`/api-keys/${key.body.id}/usage`)).body).toEqual({ data: [{ day: kiritimati, requests: 4, status2xx: 2, status4xx: 2, status5xx: 0 }] });
      await owner.patch(`/accounts/${account.id}`, { timeZone: 'UTC' });
      const empty = await owner.get(`/api-keys/${key.body.id}/usage?from=2020-01-01&to=2020-02-01`);
      expect(empty.body).toEqual({ data: [] });
      const other = await createAccount(t);
      expect((await other.owner.api.get(`/api-keys/${key.body.id}/usage`)).status).toBe(404);
      expect((await owner.get(`/api-keys/${key.body.id}/usage?from=2026-02-01&to=2026-01-01`)).status).toBe(400);
      expect((await (await account.member('manager')).api.get(`/api-keys/${key.body.id}/usage`)).status).toBe(403);
    });
  });

  describe('partitions and retention', () => {
    it('creates the day partitions ahead, moves stray rows out of the default partition, and drops expired partitions whole', async () => {
      const db = dataSourceOf(t);
      const partitions = t.app.get(AccessLogPartitions);
      const exists = async (name: string) => (await db.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [name]))[0].found;
      // today's partitions were made at start-up
      const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
      expect(await exists(`access_log_p${today}`)).toBe(true);
      // a row of a day without a partition lands in the default one, and moves when its partition is made
      const id = rid('stray');
      await db.query(`INSERT INTO access_log (at, method, status, duration_ms, request_id) VALUES ('2020-01-02T10:00:00Z', 'GET', 200, 1, $1)`, [id]);
      await db.transaction((m) => partitions.maintain(m, new Date('2020-01-01T12:00:00Z')));
      for (const day of ['20200101', '20200102', '20200103']) expect(await exists(`access_log_p${day}`)).toBe(true);
      expect(await db.query(`SELECT tableoid::regclass::text AS part FROM access_log WHERE request_id = $1`, [id])).toEqual([{ part: 'access_log_p20200102' }]);
      // 30 days on (ACCESS_LOG_RETENTION_DAYS default), those days are dropped: no DELETE, the partitions are gone
      await db.transaction((m) => partitions.maintain(m, new Date('2020-03-01T12:00:00Z')));
      for (const day of ['20200101', '20200102', '20200103']) expect(await exists(`access_log_p${day}`)).toBe(false);
      expect(await exists('access_log_p20200301')).toBe(true);
      expect(await db.query(`SELECT 1 FROM access_log WHERE request_id = $1`, [id])).toEqual([]);
      expect(await exists(`access_log_p${today}`)).toBe(true);
      await db.transaction(async (m) => {
        for (const day of ['20200301', '20200302', '20200303']) await m.query(`DROP TABLE access_log_p${day}`);
      });
    });
  });
});
