import type { Client as PgClient } from 'pg';
import { loadConfig } from '../src/config/config.module';
import { runMigrationsLocked } from '../src/database/migration-runner';
import { openDataSource } from '../src/database/open-data-source';
import { ReadReplicas } from '../src/database/read-replicas';
import { AccessLogRecorder } from '../src/access-log/access-log-recorder';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { needsClusterTools, startClusterSet, type Cluster, type ClusterSet } from './support/pg-cluster';
import { itWhen, needsPostgres } from './support/skips';

/**
 * Read replicas (API.md section 14) with a real streaming replica: a throwaway primary made with initdb and a
 * replica of it made with pg_basebackup -R, each on a spare port. Reads are told apart by what they see: with
 * the replica's replay paused, a lead written on the primary is missing from an answer the replica gave.
 */
const { it } = itWhen({ ...needsPostgres(), ...needsClusterTools() });
const DB = 'leaddesk';

describe('read replicas: DATABASE_READ_URLS, READ_MAX_LAG_MS, x-consistency', () => {
  let clusters: ClusterSet | undefined;
  let replica: Cluster;
  let replicaSql: PgClient;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    if (!Object.values({ ...needsPostgres(), ...needsClusterTools() }).every(Boolean)) return;
    clusters = await startClusterSet();
    const admin = await clusters.primary.client();
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.end();
    const ds = await openDataSource(loadConfig({ DATABASE_URL: clusters.primary.url(DB), NODE_ENV: 'test' }).database);
    await runMigrationsLocked(ds);
    await ds.destroy();
    replica = await clusters.addReplica();
    replicaSql = await replica.client(DB);
  }, 180_000);

  afterAll(async () => {
    for (const t of apps) await t.close().catch(() => undefined);
    await replicaSql?.end().catch(() => undefined);
    clusters?.destroy();
  }, 60_000);

  const app = async (maxLagMs: number) => {
    const t = await startTestApp({ DATABASE_URL: clusters!.primary.url(DB), MIGRATIONS_RUN: 'false', DATABASE_READ_URLS: replica.url(DB), READ_MAX_LAG_MS: String(maxLagMs) });
    apps.push(t);
    return t;
  };
  const createLead = async (account: TestAccount, firstName: string) => {
    const res = await account.owner.api.post('/leads', { firstName, lastName: 'Replica', email: `${firstName.toLowerCase()}@example.com`, assignedTo: account.owner.email });
    expect(res.status).toBe(201);
    return res.body.id as number;
  };
  const onReplica = async (leadId: number) => (await replicaSql.query('SELECT 1 FROM leads WHERE id = $1', [leadId])).rowCount === 1;
  const until = async (what: () => Promise<boolean> | boolean, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const ids = (body: { data: { id: number }[] }) => body.data.map((l) => l.id);
  const pause = () => replicaSql.query('SELECT pg_wal_replay_pause()');
  const resume = () => replicaSql.query('SELECT pg_wal_replay_resume()');

  it('lists, searches, the access log, the audit log and its export read from the replica; x-consistency: strong and single reads from the primary; writes never go there', async () => {
    const t = await app(60_000);
    const replicas = t.app.get(ReadReplicas);
    const account = await createAccount(t);
    const first = await createLead(account, 'Ada');
    await until(() => onReplica(first));
    await replicas.check();
    expect(replicas.pick()).toBeDefined();

    const recorder = t.app.get(AccessLogRecorder);
    await recorder.flush();
    const logged = async (headers?: Record<string, string>) => (await account.owner.api.get('/access-logs?limit=100', headers)).body.data.length as number;

    await pause();
    try {
      // the access log: records flushed to the primary after the pause are missing from the replica's answer
      const before = await logged({ 'x-consistency': 'strong' });
      for (let i = 0; i < 3; i++) await account.owner.api.get('/teams');
      await recorder.flush();
      expect(await logged({ 'x-consistency': 'strong' })).toBeGreaterThanOrEqual(before + 3);
      expect(await logged()).toBeLessThanOrEqual(before);

      // written on the primary (a write on the replica would fail: it is read-only), not replayed on the replica
      const second = await createLead(account, 'Grace');
      expect(await onReplica(second)).toBe(false);
      const strong = { 'x-consistency': 'strong' };

      const list = await account.owner.api.get('/leads');
      expect(list.status).toBe(200);
      expect(ids(list.body)).toEqual([first]); // the replica's answer, 60 s bound
      expect(ids((await account.owner.api.get('/leads?q=grace')).body)).toEqual([]);
      expect(ids((await account.owner.api.get('/leads', strong)).body)).toEqual([second, first]);
      expect(ids((await account.owner.api.get('/leads?q=grace', strong)).body)).toEqual([second]);
      expect((await account.owner.api.get('/leads', { 'x-consistency': 'eventual' })).body.data).toHaveLength(1); // only `strong` counts
      expect((await account.owner.api.get(`/leads/${second}`)).status).toBe(200); // a single read: the primary

      const created = (body: { data: { event: string; entityId: string }[] }) => body.data.filter((e) => e.event === 'lead_created').map((e) => Number(e.entityId));
      expect(created((await account.owner.api.get('/audit-logs?entityType=lead')).body)).toEqual([first]);
      expect(created((await account.owner.api.get('/audit-logs?entityType=lead', strong)).body)).toEqual([second, first]);
      const exported = (csv: string) => csv.split('\r\n').filter((line) => line.includes(',lead_created,')).length;
      expect(exported((await account.owner.api.get('/audit-logs/export?format=csv')).body)).toBe(1);
      expect(exported((await account.owner.api.get('/audit-logs/export?format=csv', strong)).body)).toBe(2);

      expect(replicas.served.replica).toBeGreaterThanOrEqual(6); // every read above without x-consistency: strong
      // the replica's own view: its read pool ran the list statements
      const activity = await replicaSql.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'lead-desk-reads' AND datname = $1`, [DB]);
      expect(activity.rows[0].n).toBeGreaterThan(0);
    } finally {
      await resume();
    }
  }, 120_000);

  it('a replica paused beyond READ_MAX_LAG_MS is not read from: reads go to the primary, and back to the replica once it caught up', async () => {
    const t = await app(1000);
    const replicas = t.app.get(ReadReplicas);
    const account = await createAccount(t);
    const first = await createLead(account, 'Ada');
    await until(() => onReplica(first));
    await replicas.check();
    expect(replicas.pick()).toBeDefined();
    await pause();
    try {
      const second = await createLead(account, 'Grace');
      await new Promise((r) => setTimeout(r, 1500)); // past the bound; the monitor checks every 250 ms
      await until(async () => (await replicas.check(), replicas.pick() === undefined), 10_000);
      expect(await onReplica(second)).toBe(false);
      expect(ids((await account.owner.api.get('/leads')).body)).toEqual([second, first]); // the primary
    } finally {
      await resume();
    }
    await until(async () => (await replicas.check(), replicas.pick() !== undefined), 20_000);
    expect(ids((await account.owner.api.get('/leads')).body)).toHaveLength(2);
  }, 120_000);

  it('a replica stopped under load costs no failed request: its reads go to the primary', async () => {
    const t = await app(2000);
    const replicas = t.app.get(ReadReplicas);
    const account = await createAccount(t);
    const first = await createLead(account, 'Ada');
    await until(() => onReplica(first));
    await until(async () => (await replicas.check(), replicas.pick() !== undefined));
    await replicaSql.end();

    const statuses: Record<number, number> = {};
    let stop = false;
    const loop = async () => {
      while (!stop) {
        const res = await account.owner.api.get(Math.random() < 0.5 ? '/leads' : '/audit-logs');
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    };
    const loops = Array.from({ length: 6 }, loop);
    await new Promise((r) => setTimeout(r, 300));
    await replica.stopInBackground('immediate');
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await Promise.all(loops);
    expect(Object.keys(statuses)).toEqual(['200']);
    expect(replicas.served.replica).toBeGreaterThan(0);
    expect(statuses[200]).toBeGreaterThan(20);
    await replicas.check();
    expect(replicas.pick()).toBeUndefined();
    expect(ids((await account.owner.api.get('/leads')).body)).toEqual([first]);
  }, 120_000);
});
