import { get } from 'node:http';
import { readFileSync } from 'node:fs';
import { Client as PgClient } from 'pg';
import { startTestApp, TEST_JWT_SECRET, testConfig, tokenFor, type TestApp } from './support/app';
import { createAccount, newEmail, type TestAccount } from './support/builders';
import { createTeam } from './support/leads';
import { requestJson, startServer } from './support/server-process';
import { RUN_DATABASE_ENV, usingRealPostgres } from './support/test-database';

describe('GET /audit-logs/export (API.md section 13)', () => {
  let t: TestApp;
  let account: TestAccount;
  beforeAll(async () => {
    t = await startTestApp();
    account = await createAccount(t);
    for (let i = 0; i < 3; i++) await createTeam(account.owner.api, `Team, "quoted" ${i}\nline`);
  });
  afterAll(() => t.close());

  const download = (url: string, token = account.owner.token) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, 'x-account-id': account.id } });

  it('streams every matching entry oldest first as NDJSON, each line an AuditEntry as GET /audit-logs answers it', async () => {
    const res = await download('/audit-logs/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="audit-log-${account.id}-\\d{4}-\\d{2}-\\d{2}\\.ndjson"$`));
    const lines = res.body.split('\n');
    expect(lines.pop()).toBe('');
    const exported = lines.map((l) => JSON.parse(l));
    const listed = await account.owner.api.get('/audit-logs?limit=100');
    expect(exported).toEqual([...listed.body.data].reverse());
    expect(exported.map((e) => e.event)).toEqual(expect.arrayContaining(['team_created']));
  });

  it('takes the filters of GET /audit-logs', async () => {
    const res = await download('/audit-logs/export?event=team_created&format=ndjson');
    const events = res.body.trim().split('\n').map((l) => JSON.parse(l).event);
    expect(events).toEqual(['team_created', 'team_created', 'team_created']);
    const none = await download('/audit-logs/export?from=2020-01-01&to=2020-01-02');
    expect(none.statusCode).toBe(200);
    expect(none.body).toBe('');
  });

  it('writes CSV (RFC 4180) with a header row', async () => {
    const res = await download('/audit-logs/export?format=csv&event=team_created');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/\.csv"$/);
    const [header, ...rows] = res.body.split('\r\n');
    expect(header).toBe('id,created,event,entityType,entityId,user,apiKey,account_id,requestMethod,requestPath,requestIpAddress,requestId,requestHeaders,data');
    expect(rows.pop()).toBe('');
    // names with commas, quotes and line breaks are quoted; the newline inside a field keeps it one record
    const quoted = `"${JSON.stringify({ name: 'Team, "quoted" 0\nline' }).replaceAll('"', '""')}"`;
    expect(res.body).toContain(quoted);
    expect(rows.join('\r\n').match(/team_created/g)).toHaveLength(3);
  });

  it.each([
    ['format=xml', 400],
    ['limit=5', 400],
    ['from=soon', 400],
  ])('refuses %s', async (query, status) => {
    expect((await download(`/audit-logs/export?${query}`)).statusCode).toBe(status);
  });

  it('is for managers and up', async () => {
    const agent = await account.member('agent');
    expect((await download('/audit-logs/export', agent.token)).statusCode).toBe(403);
    const manager = await account.member('manager');
    expect((await download('/audit-logs/export', manager.token)).statusCode).toBe(200);
  });
});

const describeOnPostgres = usingRealPostgres() ? describe : describe.skip;
if (!usingRealPostgres()) console.log('audit export of 200,000 entries: skipped (spawns the built server on a PostgreSQL server it shares with the test)');

describeOnPostgres('GET /audit-logs/export: 200,000 entries in constant memory [PostgreSQL only]', () => {
  it('streams them all, in order, while the server process RSS stays flat', async () => {
    const url = process.env[RUN_DATABASE_ENV]!;
    // Sealing 200,000 entries is not what this measures: the seal job waits an hour.
    const server = await startServer({ DATABASE_URL: url, JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0', AUDIT_SEAL_INTERVAL_S: '3600' });
    try {
      const email = newEmail('exporter');
      const token = tokenFor(testConfig(), email);
      const created = await requestJson(server, 'POST', '/accounts', { token, body: { name: 'Export' }, timeoutMs: 30000 });
      expect(created.status).toBe(201);
      const accountId: string = created.body.id;
      let expected = 0;
      const pg = new PgClient({ connectionString: url });
      await pg.connect();
      try {
        // ~700 bytes per line: 140 MB in all, far more than the server's 160 MB heap could hold as one body
        await pg.query(
          `INSERT INTO audit_log (account_id, event, entity_type, entity_id, user_email, data, request_method, request_path, request_headers, request_ip)
           SELECT $1, 'lead_created', 'lead', g::text, $2, jsonb_build_object('firstName', 'Ada', 'note', repeat('x', 400), 'n', g),
                  'POST', '/leads', '{"x-account-id":"1","user-agent":"bulk"}'::jsonb, '127.0.0.1'
             FROM generate_series(1, 200000) g`,
          [accountId, email],
        );
        expected = Number((await pg.query(`SELECT count(*) FROM audit_log WHERE account_id = $1`, [accountId])).rows[0].count);
      } finally {
        await pg.end();
      }
      const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))![1]) * 1024;
      const before = rss();
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);
      let lines = 0;
      let bytes = 0;
      let lastId = 0;
      let ordered = true;
      let firstEvent = '';
      try {
        await new Promise<void>((resolve, reject) => {
          get(`${server.url}/audit-logs/export`, { agent: false, headers: { authorization: `Bearer ${token}`, 'x-account-id': accountId } }, (res) => {
            if (res.statusCode !== 200) return reject(new Error(`export answered ${res.statusCode}`));
            expect(res.headers['content-disposition']).toMatch(/^attachment; /);
            let tail = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              bytes += chunk.length;
              const parts = (tail + chunk).split('\n');
              tail = parts.pop()!;
              for (const line of parts) {
                const id = Number(/^\{"id":(\d+),/.exec(line)?.[1]);
                if (!(id > lastId)) ordered = false;
                if (lines === 0) firstEvent = /"event":"(\w+)"/.exec(line)![1];
                lastId = id;
                lines++;
              }
            });
            res.on('end', () => (tail === '' ? resolve() : reject(new Error('the export ended in the middle of a line'))));
            res.on('error', reject);
          }).on('error', reject);
        });
      } finally {
        clearInterval(sampler);
      }
      expect(expected).toBeGreaterThan(200_000);
      expect(lines).toBe(expected);
      expect(ordered).toBe(true);
      expect(firstEvent).toBe('account_created');
      expect(bytes).toBeGreaterThan(120 * 1024 * 1024);
      // constant memory: the whole export (>120 MB) never sits in the process; a few batches at most
      expect(peak - before).toBeLessThan(60 * 1024 * 1024);
      console.log(`audit export: ${lines} entries, ${(bytes / 1048576).toFixed(0)} MB; server RSS ${(before / 1048576).toFixed(0)} MB before, peak ${(peak / 1048576).toFixed(0)} MB`);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 300_000);
});
