import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { startTestApp, TEST_JWT_SECRET, testConfig, tokenFor } from './support/app';
import { newEmail } from './support/builders';
import { call } from './support/http';
import { requestJson, startServer } from './support/server-process';
import { RUN_DATABASE_ENV, usingRealPostgres } from './support/test-database';

const describeOnPostgres = usingRealPostgres() ? describe : describe.skip;
if (!usingRealPostgres()) console.log('access log on shutdown: skipped (reads the database after the app closed: needs a PostgreSQL server)');

async function recordedIds(ids: string[]): Promise<string[]> {
  const pg = new PgClient({ connectionString: process.env[RUN_DATABASE_ENV] });
  await pg.connect();
  try {
    const { rows } = await pg.query(`SELECT request_id FROM access_log WHERE request_id = ANY($1) ORDER BY request_id`, [ids]);
    return rows.map((r) => r.request_id);
  } finally {
    await pg.end();
  }
}

describeOnPostgres('access log on shutdown [PostgreSQL only]', () => {
  it('writes the records still buffered when the application closes', async () => {
    const t = await startTestApp();
    const ids = Array.from({ length: 5 }, (_, i) => `close-${i}-${randomBytes(4).toString('hex')}`).sort();
    for (const id of ids) expect((await call(t.app, { method: 'GET', url: '/accounts', token: tokenFor(t.config, newEmail()), headers: { 'x-request-id': id } })).status).toBe(200);
    await t.close(); // at once: the once-a-second flush has not run
    expect(await recordedIds(ids)).toEqual(ids);
  });

  it('on SIGTERM the server writes what it holds before exiting 0; the request id is in the server log too', async () => {
    const server = await startServer({ DATABASE_URL: process.env[RUN_DATABASE_ENV], JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' });
    const token = tokenFor(testConfig(), newEmail());
    const id = `sigterm-${randomBytes(4).toString('hex')}`;
    const res = await new Promise<{ status: number; requestId: string }>((resolve, reject) => {
      const req = require('node:http').request(`${server.url}/accounts`, { agent: false, headers: { authorization: `Bearer ${token}`, 'x-request-id': id } }, (r: import('node:http').IncomingMessage) => {
        r.resume();
        r.on('end', () => resolve({ status: r.statusCode!, requestId: String(r.headers['x-request-id']) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res).toEqual({ status: 200, requestId: id });
    expect((await requestJson(server, 'GET', '/accounts', { token, timeoutMs: 10000 })).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await recordedIds([id])).toEqual([id]);
    expect(server.output()).toContain(`"req":{"id":"${id}"`);
  });
});
