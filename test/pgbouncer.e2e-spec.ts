import { Client as PgClient } from 'pg';
import { loadConfig } from '../src/config/config.module';
import { openDataSource } from '../src/database/open-data-source';
import { runMigrationsLocked } from '../src/database/migration-runner';
import { startTestApp, type TestApp } from './support/app';
import { createAccount } from './support/builders';
import { Client } from './support/http';
import { createRotation, MINIMAL_LEAD } from './support/leads';
import { needsPgBouncer, pgbouncerBinary, startPgBouncer, type PgBouncer } from './support/pgbouncer';
import { itWhen, needsPostgres } from './support/skips';
import { ADMIN_URL, DIRECT_DATABASE_ENV, RUN_DATABASE_ENV, withDatabase } from './support/test-database';

/**
 * DATABASE_POOL_MODE=transaction (API.md section 14): the server behind Debian's PgBouncer 1.18 in transaction
 * pooling mode, with far fewer server connections than the app's pool, so consecutive statements of one pooled
 * client really land on different PostgreSQL sessions. (The concurrency, scale-out and idempotency suites run
 * whole through PgBouncer with TEST_PGBOUNCER=1; .ci/run does that.)
 */
const { it } = itWhen({ ...needsPostgres(), ...needsPgBouncer() });
const CONCURRENT = 90;

describe('PgBouncer in transaction mode', () => {
  let bouncer: PgBouncer | undefined;
  const direct = () => process.env[DIRECT_DATABASE_ENV] ?? process.env[RUN_DATABASE_ENV]!;
  const apps: TestApp[] = [];
  const app = async (mode: 'transaction' | 'session') => {
    const t = await startTestApp({ DATABASE_URL: bouncer!.urlFor(direct()), DATABASE_POOL_MODE: mode, DATABASE_POOL_SIZE: '10' });
    apps.push(t);
    return t;
  };

  beforeAll(async () => {
    if (process.env[RUN_DATABASE_ENV] && pgbouncerBinary()) bouncer = await startPgBouncer(direct(), { poolSize: 2 });
  });
  afterAll(async () => {
    for (const t of apps) await t.close().catch(() => undefined);
    await bouncer?.stop();
  });

  /** CONCURRENT creates through one rotation of three agents: the statuses, and the leads per agent. */
  async function burst(t: TestApp, through: TestApp = t) {
    const account = await createAccount(t);
    const agents = await Promise.all([0, 1, 2].map(() => account.member('agent')));
    await createRotation(account.owner.api, agents.map((a) => a.email));
    const api = new Client(through.app, account.owner.token, account.id);
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        api.post('/leads', { ...MINIMAL_LEAD, email: `l${i}@example.com` }, i % 3 === 0 ? { 'idempotency-key': `key-${i}` } : undefined),
      ),
    );
    const statuses: Record<number, number> = {};
    const perAgent: Record<string, number> = {};
    for (const a of answers) {
      statuses[a.status] = (statuses[a.status] ?? 0) + 1;
      if (a.status === 201) perAgent[a.body.assignedTo] = (perAgent[a.body.assignedTo] ?? 0) + 1;
    }
    return { account, agents, statuses, perAgent, answers };
  }

  it('DATABASE_POOL_MODE=transaction: concurrent creates (some idempotent) all succeed, in exact round robin, and reads and replays work', async () => {
    const t = await app('transaction');
    const { account, agents, statuses, perAgent } = await burst(t);
    expect(statuses).toEqual({ 201: CONCURRENT });
    expect(Object.values(perAgent).sort()).toEqual([CONCURRENT / 3, CONCURRENT / 3, CONCURRENT / 3]);
    expect(Object.keys(perAgent).sort()).toEqual(agents.map((a) => a.email).sort());
    // a replay answers the stored response; lists and searches (prepared statements in session mode) work
    const replay = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, email: 'l0@example.com' }, { 'idempotency-key': 'key-0' });
    expect(replay.status).toBe(201);
    for (let i = 0; i < 5; i++) {
      const list = await account.owner.api.get('/leads?limit=100');
      expect(list.status).toBe(200);
      expect(list.body.data.length).toBe(CONCURRENT);
      expect((await account.owner.api.get('/leads?q=l1')).status).toBe(200);
    }
  }, 120_000);

  it('control: the same load in DATABASE_POOL_MODE=session through the same pooler fails (named statements meet other sessions)', async () => {
    // set up through a correct app (the session-mode one fails already there), loaded through the session-mode one
    const { statuses } = await burst(await app('transaction'), await app('session'));
    expect(statuses[201] ?? 0).toBeLessThan(CONCURRENT);
  }, 120_000);

  it('migrations through the pooler: three processes at once apply each migration once, and no advisory lock is left behind', async () => {
    const name = `leaddesk_test_pgb_${Date.now()}`;
    const admin = new PgClient({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      const url = bouncer!.urlFor(withDatabase(ADMIN_URL, name));
      const sources = await Promise.all([0, 1, 2].map(() => openDataSource(loadConfig({ DATABASE_URL: url, DATABASE_POOL_MODE: 'transaction', NODE_ENV: 'test' }).database)));
      try {
        const applied = await Promise.all(sources.map((ds) => runMigrationsLocked(ds)));
        const counts = applied.map((a) => a.length).sort((a, b) => a - b);
        expect(counts[0]).toBe(0);
        expect(counts[1]).toBe(0);
        expect(counts[2]).toBeGreaterThan(5);
        const [{ n }] = await sources[0].query('SELECT count(*)::int AS n FROM migrations');
        expect(n).toBe(counts[2]);
      } finally {
        for (const ds of sources) await ds.destroy();
      }
      const held = await admin.query(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1`,
        [name],
      );
      expect(held.rows[0].n).toBe(0);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }, 120_000);
});
