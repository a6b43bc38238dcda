import { loadConfig } from '../src/config/config.module';
import { runMigrationsLocked } from '../src/database/migration-runner';
import { openDataSource } from '../src/database/open-data-source';
import { TEST_JWT_SECRET, testConfig, tokenFor } from './support/app';
import { newEmail } from './support/builders';
import { needsClusterTools, startClusterSet, type ClusterSet } from './support/pg-cluster';
import { needsPgBouncer, startPgBouncer, type PgBouncer } from './support/pgbouncer';
import { requestJson, startServer, type ServerProcess } from './support/server-process';
import { get } from 'node:http';
import { itWhen, needsPostgres } from './support/skips';

/**
 * The whole scale-out set-up of API.md section 14 on one machine: three server processes behind one PgBouncer
 * (transaction mode, DATABASE_POOL_MODE=transaction) in front of a primary, with a streaming replica for reads.
 * 600 concurrent creates through one rotation of three agents, with lists in parallel: an exact round robin, no
 * 5xx, every list answered by the replica (each server's leaddesk_db_reads_total).
 */
const needs = { ...needsPostgres(), ...needsPgBouncer(), ...needsClusterTools() };
const { it } = itWhen(needs);
const DB = 'leaddesk';
const LEADS = 600;
const LISTS = 60;
const METRICS_TOKEN = 'metrics-token-0123456789';

function scrape(server: ServerProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`${server.url}/metrics`, { agent: false, headers: { authorization: `Bearer ${METRICS_TOKEN}` } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}
const counter = (text: string, target: string) => Number(new RegExp(`^leaddesk_db_reads_total\\{target="${target}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);

describe('scale-out: three processes behind PgBouncer with a read replica', () => {
  let clusters: ClusterSet | undefined;
  let bouncer: PgBouncer | undefined;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    if (!Object.values(needs).every(Boolean)) return;
    clusters = await startClusterSet();
    const admin = await clusters.primary.client();
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.end();
    const ds = await openDataSource(loadConfig({ DATABASE_URL: clusters.primary.url(DB), NODE_ENV: 'test' }).database);
    await runMigrationsLocked(ds);
    await ds.destroy();
    const replica = await clusters.addReplica();
    bouncer = await startPgBouncer(clusters.primary.url(DB), { poolSize: 12 });
    for (let i = 0; i < 3; i++) {
      servers.push(
        await startServer({
          DATABASE_URL: bouncer.urlFor(clusters.primary.url(DB)),
          DATABASE_POOL_MODE: 'transaction',
          DATABASE_READ_URLS: replica.url(DB),
          READ_MAX_LAG_MS: '10000',
          MIGRATIONS_RUN: 'false',
          JWT_SECRET: TEST_JWT_SECRET,
          RATE_LIMIT_PER_MINUTE: '0',
          METRICS_TOKEN,
        }),
      );
    }
  }, 240_000);

  afterAll(async () => {
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
    await bouncer?.stop();
    clusters?.destroy();
  }, 60_000);

  it(`${LEADS} concurrent creates over 3 processes with ${LISTS} lists in parallel: exact round robin, no 5xx, lists from the replica`, async () => {
    const config = testConfig();
    const owner = newEmail('owner');
    const token = tokenFor(config, owner);
    const call = (i: number, method: string, path: string, body?: unknown, account?: string) =>
      requestJson(servers[i % 3], method, path, { token, account, body, timeoutMs: 150_000 });
    const account = await call(0, 'POST', '/accounts', { name: 'Scale' });
    expect(account.status).toBe(201);
    const id: string = account.body.id;
    const agents = [newEmail('a'), newEmail('b'), newEmail('c')];
    for (const email of agents) expect((await call(0, 'POST', '/members', { email, role: 'agent' }, id)).status).toBe(201);
    expect((await call(1, 'POST', '/rotations', { name: 'R', members: agents.map((user) => ({ user })) }, id)).status).toBe(201);
    const before = await Promise.all(servers.map(scrape));

    const started = Date.now();
    const answers = await Promise.all([
      ...Array.from({ length: LEADS }, (_, i) => call(i, 'POST', '/leads', { firstName: 'Load', lastName: `L${i}` }, id).then((r) => ({ kind: 'create', ...r }))),
      ...Array.from({ length: LISTS }, (_, i) => call(i, 'GET', '/leads?limit=20', undefined, id).then((r) => ({ kind: 'list', ...r }))),
    ]);
    const statuses: Record<string, number> = {};
    for (const a of answers) statuses[`${a.kind} ${a.status}`] = (statuses[`${a.kind} ${a.status}`] ?? 0) + 1;
    const perAgent: Record<string, number> = {};
    for (const a of answers) if (a.kind === 'create' && a.status === 201) perAgent[a.body.assignedTo] = (perAgent[a.body.assignedTo] ?? 0) + 1;
    const after = await Promise.all(servers.map(scrape));
    const replicaReads = after.reduce((n, text, i) => n + counter(text, 'replica') - counter(before[i], 'replica'), 0);
    const primaryReads = after.reduce((n, text, i) => n + counter(text, 'primary') + counter(text, 'primary_fallback') - counter(before[i], 'primary') - counter(before[i], 'primary_fallback'), 0);
    console.log(
      `scale-out behind PgBouncer with a replica: ${LEADS} creates + ${LISTS} lists in ${Date.now() - started} ms; statuses ${JSON.stringify(statuses)}; ` +
        `per agent ${JSON.stringify(Object.values(perAgent))}; list reads: replica ${replicaReads}, primary ${primaryReads}`,
    );
    expect(statuses).toEqual({ 'create 201': LEADS, 'list 200': LISTS });
    expect(Object.keys(perAgent).sort()).toEqual([...agents].sort());
    expect(Object.values(perAgent)).toEqual([LEADS / 3, LEADS / 3, LEADS / 3]);
    expect(replicaReads).toBe(LISTS);
    expect(primaryReads).toBe(0);
    const total = await call(2, 'GET', '/leads?limit=1', undefined, id);
    expect(total.status).toBe(200);
  }, 240_000);
});
