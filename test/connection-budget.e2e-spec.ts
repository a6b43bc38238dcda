import { Client as PgClient } from 'pg';
import { loadConfig } from '../src/config/config.module';
import { runMigrationsLocked } from '../src/database/migration-runner';
import { openDataSource } from '../src/database/open-data-source';
import { TEST_JWT_SECRET, testConfig, tokenFor } from './support/app';
import { newEmail } from './support/builders';
import { requestJson, startServer } from './support/server-process';
import { itWhen, needsPostgres } from './support/skips';
import { ADMIN_URL, withDatabase } from './support/test-database';

/**
 * The connection budget (README, docs/scale-out.md): a server process opens at most DATABASE_POOL_SIZE
 * connections to its database, whatever runs in it (requests, the job runner's jobs, the access-log flush,
 * migrations at start-up), and holds no LISTEN connection. A database of its own, so every connection to it
 * is this process's.
 */
const { it } = itWhen(needsPostgres());
const POOL = 3;

describe('connection budget', () => {
  it(`one server process with DATABASE_POOL_SIZE=${POOL}: never more than ${POOL} connections, through start-up, migrations, jobs and a burst of requests`, async () => {
    const name = `leaddesk_test_budget_${Date.now()}`;
    const admin = new PgClient({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = withDatabase(ADMIN_URL, name);
    let peak = 0;
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`, [name]);
        samples.push(rows[0].n);
        peak = Math.max(peak, rows[0].n);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const server = await startServer({ DATABASE_URL: url, DATABASE_POOL_SIZE: String(POOL), JWT_SECRET: TEST_JWT_SECRET, MIGRATIONS_RUN: 'true', RATE_LIMIT_PER_MINUTE: '0', AUDIT_SEAL_INTERVAL_S: '1' });
    try {
      const config = testConfig();
      const email = newEmail('owner');
      const token = tokenFor(config, email);
      const account = await requestJson(server, 'POST', '/accounts', { token, body: { name: 'Budget' }, timeoutMs: 30_000 });
      expect(account.status).toBe(201);
      const burst = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          i % 3 === 0
            ? requestJson(server, 'GET', '/leads', { token, account: account.body.id, timeoutMs: 60_000 })
            : requestJson(server, 'POST', '/leads', { token, account: account.body.id, body: { firstName: 'B', lastName: `L${i}`, assignedTo: email }, timeoutMs: 60_000 }),
        ),
      );
      expect(burst.every((r) => r.status === 200 || r.status === 201)).toBe(true);
      await new Promise((r) => setTimeout(r, 1500)); // an access-log flush and an audit-seal run (every second)
      const listeners = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event = 'ClientRead' AND query ILIKE 'LISTEN%'`, [name]);
      expect(listeners.rows[0].n).toBe(0);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      sampling = false;
      await sampler;
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
    console.log(`connection budget: ${samples.length} samples of pg_stat_activity, peak ${peak} connections (DATABASE_POOL_SIZE=${POOL})`);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(POOL);
  }, 120_000);

  it('a standalone DataSource (scripts, migrations CLI) opens one pool of DATABASE_POOL_SIZE too', async () => {
    const config = loadConfig({ DATABASE_URL: testConfig().database.url, DATABASE_POOL_SIZE: '2', NODE_ENV: 'test' }).database;
    const ds = await openDataSource(config);
    try {
      await runMigrationsLocked(ds);
      const pool = (ds.driver as unknown as { master: { options: { max: number } } }).master;
      expect(pool.options.max).toBe(2);
    } finally {
      await ds.destroy();
    }
  });
});
