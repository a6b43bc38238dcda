// npm run bench: the built Lead Desk server against a raw Fastify + pg baseline doing the same transaction,
// in the same run, alternating rounds; then GET /leads on an account holding a million leads.
// Environment: BENCH_DATABASE_URL (a PostgreSQL server to create throwaway databases on; default the local one),
// BENCH_ROUNDS (2), BENCH_DURATION (10 s), BENCH_CONNECTIONS (50), BENCH_LIST_LEADS (1000000; 0 skips the list part),
// BENCH_APP_SQL (SQL run on the app's database after set-up, before any load: to measure what a schema feature costs),
// BENCH_APP_NODE_ARGS (extra node flags for the app, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it).
// BENCH_ACCESS_LOG=false runs the app with ACCESS_LOG=false (its access log off), to measure what recording costs.
// BENCH_ROUTING=1 gives the app's rotations caps (large, never reached) and respectAvailability with members who always
// work (API.md section 9), to measure what availability and caps cost POST /leads against the same run without.
// BENCH_DUPLICATE_POLICY=reject|assign_to_owner sets every bench account's duplicatePolicy before the POST /leads
// rounds (API.md section 11; compare with a run without it: reject may cost at most 10% of allow's req/s).
// BENCH_BULK=true adds POST /leads/bulk of 1000 leads at the same connections: leads/s against single POST /leads.
// BENCH_IMPORT_ROWS=100000 adds one POST /leads/import of that many CSV rows, with the server's RSS sampled.
// BENCH_WEBHOOKS=1: every bench account of the app gets one webhook endpoint subscribed to every event, to a local
// receiver answering 200 (the app runs with WEBHOOK_ALLOW_PRIVATE and WEBHOOK_ALLOW_HTTP); the outbox lag (age of
// the oldest undelivered delivery) is sampled every 250 ms during the app's rounds and reported with the summary.
// BENCH_PGBOUNCER=1 runs the app through a PgBouncer in transaction mode (Debian's pgbouncer, started here on a spare
// port; BENCH_PGBOUNCER_POOL server connections, default 20) with DATABASE_POOL_MODE=transaction; the baseline stays direct.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { sign } from 'jsonwebtoken';
import { Client } from 'pg';
import { startPgBouncer } from '../test/support/pgbouncer';
import { PRODUCTION_NODE_ARGS } from '../test/support/server-process';
import { BASELINE_SCHEMA } from './baseline-server';

const ROOT = join(__dirname, '..');
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const LIST_LEADS = Number(process.env.BENCH_LIST_LEADS ?? 1_000_000);
const APP_NODE_ARGS = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
const WEBHOOKS = ['1', 'true'].includes(process.env.BENCH_WEBHOOKS ?? '');
const SECRET = 'bench-secret-0123456789abcdef';
const ACCOUNTS = 20;
const TEAMS_PER_ACCOUNT = 2;
const AGENTS = 3;

interface Target {
  accountId: string;
  teamId: number;
  token: string;
  user: string;
}
interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** CPU milliseconds per request: the server process, and the database backends serving its database */
  cpu?: { server: number; database: number };
}

/** A server under test: its process and its database, whose CPU use is counted per request. */
interface Server {
  base: string;
  pid: number;
  database: string;
}

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU time (user + system) of a process, in ms; 0 once it is gone. */
function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S; // utime, stime
  } catch {
    return 0;
  }
}

/** CPU ms of the server process and of each backend connected to its database (this machine's PostgreSQL only). */
async function cpuSnapshot(server: Server): Promise<{ server: number; backends: Map<number, number> }> {
  // Not the bench's own connection sampling the outbox lag (BENCH_WEBHOOKS): its queries are not the server's work
  const pids = await admin(
    async (c) =>
      (await c.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name IS DISTINCT FROM $2`, [server.database, SAMPLER_APPLICATION])).rows.map((r) => r.pid as number),
  );
  return { server: cpuMsOf(server.pid), backends: new Map(pids.map((pid) => [pid, cpuMsOf(pid)])) };
}

/**
 * CPU per request is what this noisy, shared 2-core machine measures best: requests/s move with whatever else
 * runs, the CPU each request costs hardly does. Backends that came and went between the snapshots are missed.
 */
function cpuPerRequest(before: Awaited<ReturnType<typeof cpuSnapshot>>, after: Awaited<ReturnType<typeof cpuSnapshot>>, requests: number) {
  let database = 0;
  for (const [pid, ms] of after.backends) database += ms - (before.backends.get(pid) ?? 0);
  return { server: (after.server - before.server) / requests, database: database / requests };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const url = (db: string) => Object.assign(new URL(ADMIN_URL), { pathname: `/${db}` }).toString();

async function admin<T>(fn: (c: Client) => Promise<T>, database?: string): Promise<T> {
  const c = new Client({ connectionString: database ? url(database) : ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startProcess(args: string[], env: Record<string, string>, health: string): Promise<{ child: ChildProcess; base: string; readyMs: number }> {
  const port = await freePort();
  const started = Date.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH!, PORT: String(port), HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (await fetch(base + health).then((r) => r.ok, () => false)) return { child, base, readyMs: Date.now() - started };
    await sleep(50);
  }
  throw new Error(`${args.join(' ')} did not become ready`);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function api(base: string, token: string, method: string, path: string, account?: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(account ? { 'x-account-id': account } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const tokenFor = (email: string) => sign({ sub: email, email }, SECRET, { algorithm: 'HS256', expiresIn: '6h' });

/** Accounts, agents, teams and one rotation per team, made through the API as a user would. */
async function setUpApp(base: string, accounts: number, teams: number): Promise<Target[]> {
  const targets: Target[] = [];
  await Promise.all(
    Array.from({ length: accounts }, async (_, a) => {
      const owner = `owner${a}-${randomBytes(3).toString('hex')}@bench.example`;
      const token = tokenFor(owner);
      const { id } = await api(base, token, 'POST', '/accounts', undefined, { name: `Bench ${a}` });
      const agents = Array.from({ length: AGENTS }, (_, i) => `agent${i}-${a}@bench.example`);
      for (const email of agents) await api(base, token, 'POST', '/members', id, { email, role: 'agent' });
      for (let t = 0; t < teams; t++) {
        const team = await api(base, token, 'POST', '/teams', id, { name: `Team ${t}` });
        const routing = process.env.BENCH_ROUTING === '1';
        await api(base, token, 'POST', '/rotations', id, {
          name: `Rotation ${t}`,
          teamId: team.id,
          ...(routing ? { respectAvailability: true } : {}),
          members: agents.map((user) => (routing ? { user, caps: { day: 10_000, week: 10_000 } } : { user })),
        });
        targets.push({ accountId: id, teamId: team.id, token, user: owner });
      }
    }),
  );
  return targets;
}

async function setUpBaseline(db: string, accounts: number, teams: number, offset: number): Promise<Target[]> {
  return admin(async (c) => {
    await c.query(BASELINE_SCHEMA);
    const targets: Target[] = [];
    for (let a = offset; a < offset + accounts; a++) {
      const user = `owner${a}@bench.example`;
      await c.query(`INSERT INTO memberships VALUES ($1, $2, 'owner', true)`, [a, user]);
      for (let t = 1; t <= teams; t++) {
        await c.query('INSERT INTO teams VALUES ($1, $2, $3)', [a, t, `Team ${t}`]);
        await c.query('INSERT INTO rotations (account_id, id, team_id, members) VALUES ($1, $2, $2, $3)', [a, t, [0, 1, 2].map((i) => `agent${i}-${a}@bench.example`)]);
        targets.push({ accountId: String(a), teamId: t, token: '', user });
      }
    }
    return targets;
  }, db);
}

async function load(server: Server, targets: Target[], baseline: boolean, duration: number): Promise<Figures> {
  let i = 0;
  // every lead of every round a new email: under BENCH_DUPLICATE_POLICY=reject a repeated one would be a 409
  const round = randomBytes(4).toString('hex');
  const before = await cpuSnapshot(server);
  const result = await autocannon({
    url: server.base,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'POST',
        path: '/leads',
        setupRequest: (req: autocannon.Request) => {
          const t = targets[i++ % targets.length];
          return {
            ...req,
            headers: {
              'content-type': 'application/json',
              'x-account-id': t.accountId,
              ...(baseline ? { 'x-user': t.user } : { authorization: `Bearer ${t.token}` }),
            },
            body: JSON.stringify({ teamId: t.teamId, firstName: 'Ada', lastName: `Lovelace ${i}`, email: `ada${i}-${round}@example.com`, company: 'Analytical Engines' }),
          };
        },
      },
    ],
  });
  const cpu = cpuPerRequest(before, await cpuSnapshot(server), Math.max(1, result.requests.total));
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx + result.errors + result.timeouts, cpu };
}

async function main(): Promise<void> {
  const stamp = `${Date.now()}_${randomBytes(2).toString('hex')}`;
  const appDb = `leaddesk_bench_${stamp}`;
  const baseDb = `leaddesk_bench_raw_${stamp}`;
  await admin(async (c) => {
    await c.query(`CREATE DATABASE ${appDb}`);
    await c.query(`CREATE DATABASE ${baseDb}`);
  });
  const children: ChildProcess[] = [];
  const bouncer = process.env.BENCH_PGBOUNCER === '1' ? await startPgBouncer(url(appDb), { poolSize: Number(process.env.BENCH_PGBOUNCER_POOL ?? 20) }) : undefined;
  if (bouncer) console.log(`app through PgBouncer (transaction mode, ${bouncer.poolSize} server connections) on port ${bouncer.port}`);
  const appDatabase: Record<string, string> = bouncer ? { DATABASE_URL: bouncer.urlFor(url(appDb)), DATABASE_POOL_MODE: 'transaction' } : { DATABASE_URL: url(appDb) };
  try {
    const app = await startProcess([...PRODUCTION_NODE_ARGS, ...APP_NODE_ARGS, 'dist/main.js'], { ...appDatabase, JWT_SECRET: SECRET, RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_ANON_PER_MINUTE: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production', ACCESS_LOG: process.env.BENCH_ACCESS_LOG ?? 'true', ...(WEBHOOKS ? { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_ALLOW_HTTP: 'true' } : {}) }, '/health/ready');
    children.push(app.child);
    const raw = await startProcess(['-r', 'ts-node/register/transpile-only', 'bench/baseline-server.ts'], { DATABASE_URL: url(baseDb) }, '/health');
    children.push(raw.child);
    console.log(`app ready in ${app.readyMs} ms (includes migrations on an empty database)`);

    const scenarios = {
      spread: { app: await setUpApp(app.base, ACCOUNTS, TEAMS_PER_ACCOUNT), raw: await setUpBaseline(baseDb, ACCOUNTS, TEAMS_PER_ACCOUNT, 1) },
      oneRotation: { app: await setUpApp(app.base, 1, 1), raw: await setUpBaseline(baseDb, 1, 1, 1000) },
    };
    if (process.env.BENCH_APP_SQL) await admin((c) => c.query(process.env.BENCH_APP_SQL!), appDb);
    if (DUPLICATE_POLICY) {
      const accounts = new Map([...scenarios.spread.app, ...scenarios.oneRotation.app].map((t) => [t.accountId, t.token]));
      for (const [id, token] of accounts) await api(app.base, token, 'PATCH', `/accounts/${id}`, id, { duplicatePolicy: DUPLICATE_POLICY });
      console.log(`duplicatePolicy ${DUPLICATE_POLICY} on every bench account`);
    }
    const hooks = WEBHOOKS ? await startWebhookBench(app.base, [...scenarios.spread.app, ...scenarios.oneRotation.app], appDb) : null;
    // warm both servers (JIT, pools, caches)
    const servers = { app: { base: app.base, pid: app.child.pid!, database: appDb }, raw: { base: raw.base, pid: raw.child.pid!, database: baseDb } };
    await load(servers.app, scenarios.spread.app, false, 3);
    await load(servers.raw, scenarios.spread.raw, true, 3);
    if (hooks) await hooks.drain();

    const runs: Record<string, Figures[]> = {};
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(app.child.pid!))), 250);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, s] of Object.entries(scenarios)) {
        const order = round % 2 === 0 ? (['raw', 'app'] as const) : (['app', 'raw'] as const);
        for (const who of order) {
          if (hooks) hooks.sampling = who === 'app';
          const figures = await load(servers[who], s[who], who === 'raw', DURATION);
          if (hooks) hooks.sampling = false;
          (runs[`${name}/${who}`] ??= []).push(figures);
          // The app's undelivered backlog is delivered before the next round, not during the baseline's (where it
          // would slow the baseline down and flatter the ratio); the time it takes is reported with the lag
          if (who === 'app' && hooks) await hooks.drain();
          console.log(`round ${round + 1} ${name.padEnd(11)} ${who.padEnd(3)} ${figures.rps.toFixed(0).padStart(5)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms  non-2xx ${figures.non2xx}  CPU/req ${cpuText(figures)}`);
        }
      }
    }
    clearInterval(sampler);
    const webhooks = hooks ? await hooks.finish() : null;
    const med = (key: string): Figures => {
      const rs = runs[key];
      const cpu = { server: median(rs.map((r) => r.cpu!.server)), database: median(rs.map((r) => r.cpu!.database)) };
      return { rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), non2xx: rs.reduce((n, r) => n + r.non2xx, 0), cpu };
    };
    const summary = {
      machine: `${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      settings: { rounds: ROUNDS, durationSeconds: DURATION, connections: CONNECTIONS },
      startupMs: app.readyMs,
      peakRssMb: Math.round(peakRss),
      post: {
        spread: { app: med('spread/app'), raw: med('spread/raw') },
        oneRotation: { app: med('oneRotation/app'), raw: med('oneRotation/raw') },
      },
      list: LIST_LEADS > 0 ? await listBench(app.base, appDb) : null,
      duplicatePolicy: DUPLICATE_POLICY ?? 'allow',
      bulk: BULK ? await bulkBench(servers.app, scenarios.spread.app) : null,
      import: IMPORT_ROWS > 0 ? await importBench(app.base, app.child.pid!) : null,
      webhooks,
    };
    printSummary(summary);
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', `${stamp}.json`), JSON.stringify(summary, null, 2));
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sleep(1500);
    await bouncer?.stop();
    await admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${appDb} WITH (FORCE)`);
      await c.query(`DROP DATABASE IF EXISTS ${baseDb} WITH (FORCE)`);
    });
  }
}

const DUPLICATE_POLICY = process.env.BENCH_DUPLICATE_POLICY;
const BULK = process.env.BENCH_BULK === 'true';
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 0);
const BULK_SIZE = 1000;
const BULK_CALLS = Number(process.env.BENCH_BULK_CALLS ?? 2);

/**
 * POST /leads/bulk of 1000 leads, as many at once as the POST /leads rounds use (CONNECTIONS): leads created per second.
 * A bulk call takes seconds, not milliseconds, so a fixed duration would cut most calls off in flight (their work done
 * but not counted: at 50 connections a 10 s window counted a handful of calls while 50 were being served). Instead each
 * connection sends BENCH_BULK_CALLS calls (2), after 4 warm-up calls, and the figure is the leads the
 * answers say were created over the wall time from the first call to the last answer; CPU per lead as for POST /leads.
 */
async function bulkBench(server: Server, targets: Target[]) {
  let i = 0;
  const round = randomBytes(4).toString('hex');
  let created = 0;
  const run = (connections: number, amount: number) =>
    autocannon({
      url: server.base,
      connections,
      amount,
      timeout: 600,
      requests: [
        {
          method: 'POST',
          path: '/leads/bulk',
          setupRequest: (req: autocannon.Request) => {
            const t = targets[i++ % targets.length];
            const leads = Array.from({ length: BULK_SIZE }, (_, k) => ({ teamId: t.teamId, firstName: 'Ada', lastName: `Bulk ${i}-${k}`, email: `bulk${i}-${k}-${round}@example.com`, company: 'Analytical Engines' }));
            return { ...req, headers: { 'content-type': 'application/json', 'x-account-id': t.accountId, authorization: `Bearer ${t.token}` }, body: JSON.stringify({ leads }) };
          },
          onResponse: (status: number, body: string) => {
            if (status === 200) created += Number(/^\{"created":(\d+)/.exec(body)?.[1] ?? 0);
          },
        },
      ],
    });
  await run(2, 4); // warm-up (JIT, pool)
  created = 0;
  const before = await cpuSnapshot(server);
  const started = performance.now();
  const result = await run(CONNECTIONS, CONNECTIONS * BULK_CALLS);
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuPerRequest(before, await cpuSnapshot(server), Math.max(1, created));
  return {
    calls: result.requests.total,
    created,
    seconds,
    leadsPerSecond: created / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    cpuPerLead: cpu,
  };
}

/** One POST /leads/import of IMPORT_ROWS rows into a fresh account, the server's RSS sampled meanwhile (constant memory). */
async function importBench(base: string, pid: number) {
  const owner = `importer-${randomUUID()}@bench.example`;
  const token = tokenFor(owner);
  const { id: accountId } = await api(base, token, 'POST', '/accounts', undefined, { name: 'Import' });
  const lines = ['firstName,lastName,email'];
  for (let r = 0; r < IMPORT_ROWS; r++) lines.push(`Ada,L${r},i${r}@example.com`);
  const body = lines.join('\n');
  const rssBeforeMb = Math.round(rssMb(pid));
  let rssPeakMb = rssBeforeMb;
  const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, Math.round(rssMb(pid)))), 100);
  const started = Date.now();
  const res = await fetch(`${base}/leads/import`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-account-id': accountId, 'content-type': 'text/csv' }, body });
  // read the streamed answer without keeping it: its end says how many were created
  let tail = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) tail = (tail + Buffer.from(chunk).toString('utf8')).slice(-200);
  const created = Number(/"created":(\d+)/.exec(tail)?.[1] ?? -1);
  clearInterval(sampler);
  return { rows: IMPORT_ROWS, status: res.status, ms: Date.now() - started, created, rssBeforeMb, rssPeakMb, bodyMb: +(body.length / 2 ** 20).toFixed(1) };
}

/**
 * BENCH_WEBHOOKS: a local receiver answering 200 and one endpoint (every event) per bench account; samples the outbox
 * lag (oldest pending, not parked delivery) every 250 ms during the app's rounds, and what that delivery is doing
 * (due, in flight, waiting for a retry); `drain` waits for the outbox to empty (after each app round, so the
 * baseline's rounds do not share the machine with the app's backlog).
 */
/** The application_name of the bench's lag-sampling connection, whose CPU is not counted as the app's. */
const SAMPLER_APPLICATION = 'lead-desk-bench-sampler';

async function startWebhookBench(base: string, targets: Target[], appDb: string) {
  const { createServer } = await import('node:http');
  let received = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  const accounts = new Map(targets.map((t) => [t.accountId, t.token]));
  for (const [accountId, token] of accounts) await api(base, token, 'POST', '/webhooks', accountId, { url: hookUrl, events: ['*'] });
  const db = new Client({ connectionString: url(appDb), application_name: SAMPLER_APPLICATION });
  await db.connect();
  const lagSql = `SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS lag FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at IS NOT NULL`;
  // What the oldest undelivered delivery is doing when sampled: waiting to be claimed (due), in flight (claimed),
  // or waiting for a retry after a failed attempt (with that attempt's error): where the lag comes from
  const oldestSql = `SELECT CASE WHEN locked_until > now() THEN 'in flight' WHEN next_attempt_at <= now() THEN 'due' ELSE 'retry: ' || coalesce(last_error, '?') END AS state
                       FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at IS NOT NULL ORDER BY created_at LIMIT 1`;
  const lags: number[] = [];
  let drainMs = 0;
  const oldest = new Map<string, number>();
  const sample = async () => {
    if (!hooks.sampling) return;
    lags.push((await db.query(lagSql)).rows[0].lag);
    const state: string | undefined = (await db.query(oldestSql)).rows[0]?.state;
    if (state) oldest.set(state, (oldest.get(state) ?? 0) + 1);
  };
  const sampler = setInterval(() => void sample().catch(() => undefined), 250);
  const hooks = {
    /** Lag is sampled only while set: during the app's rounds (at the bench's rate), not the baseline's or a drain */
    sampling: false,
    /** Waits until nothing is left to deliver (at most 2 minutes); adds the wait to the drain time. */
    async drain() {
      const started = Date.now();
      while ((await db.query(lagSql)).rows[0].lag > 0 && Date.now() - started < 120_000) await sleep(100);
      drainMs += Date.now() - started;
    },
    async finish() {
      clearInterval(sampler);
      await this.drain();
      const attempts = (await db.query(`SELECT attempts, count(*)::integer AS n FROM webhook_deliveries GROUP BY attempts ORDER BY attempts`)).rows;
      await db.end();
      receiver.close();
      const sorted = [...lags].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      return {
        endpoints: accounts.size,
        received,
        lagP50S: at(0.5),
        lagP99S: at(0.99),
        lagMaxS: sorted.at(-1) ?? 0,
        drainMs,
        /** deliveries by attempts made */
        attempts: Object.fromEntries(attempts.map((r) => [r.attempts, r.n])),
        /** samples by what the oldest undelivered delivery was doing */
        oldest: Object.fromEntries(oldest),
      };
    },
  };
  return hooks;
}

/** GET /leads on one account holding LIST_LEADS leads, bulk-loaded by SQL. */
async function listBench(base: string, appDb: string) {
  const owner = `lister-${randomUUID()}@bench.example`;
  const token = tokenFor(owner);
  const { id: accountId } = await api(base, token, 'POST', '/accounts', undefined, { name: 'Million' });
  const loadStart = Date.now();
  await admin(async (c) => {
    await c.query(
      `INSERT INTO leads (account_id, first_name, last_name, email, company, phone, created_by, created_at, updated_at)
       SELECT $1, 'First' || g, 'Last' || g, 'lead' || g || '@example.com', 'Company ' || (g % 5000), '+1555' || lpad(g::text, 7, '0'), $2,
              now() - (g || ' seconds')::interval, now()
         FROM generate_series(1, $3) g`,
      [accountId, owner, LIST_LEADS],
    );
    await c.query('ANALYZE leads');
  }, appDb);
  console.log(`loaded ${LIST_LEADS} leads in ${Date.now() - loadStart} ms`);
  // a deep cursor: follow nextCursor from a page that starts deep in the list
  const deepFrom = await admin(
    async (c) => (await c.query('SELECT created_at, id FROM leads WHERE account_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1', [accountId, Math.floor(LIST_LEADS * 0.9)])).rows[0],
    appDb,
  );
  const deepCursor = await deepCursorFor(base, token, accountId, deepFrom);
  const measure = async (path: string) => {
    const r = await autocannon({ url: base + path, connections: 10, duration: Math.max(5, Math.round(DURATION / 2)), headers: { authorization: `Bearer ${token}`, 'x-account-id': accountId } });
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx + r.errors + r.timeouts };
  };
  const rounds: Record<string, Figures[]> = { first: [], deep: [], search: [] };
  for (let round = 0; round < ROUNDS; round++) {
    rounds.first.push(await measure('/leads?limit=25'));
    rounds.deep.push(await measure(`/leads?limit=25&cursor=${encodeURIComponent(deepCursor)}`));
    rounds.search.push(await measure('/leads?limit=25&q=company%2012'));
  }
  const med = (rs: Figures[]) => ({ rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), non2xx: rs.reduce((n, r) => n + r.non2xx, 0) });
  return { leads: LIST_LEADS, first: med(rounds.first), deep: med(rounds.deep), search: med(rounds.search) };
}

/** The API's own cursor for the row just before `from`: asked of the API with createdTo, then one page walked. */
async function deepCursorFor(base: string, token: string, accountId: string, from: { created_at: Date }): Promise<string> {
  const page = await api(base, token, 'GET', `/leads?limit=1&createdTo=${encodeURIComponent(new Date(from.created_at.getTime() + 1000).toISOString())}`, accountId);
  if (!page.nextCursor) throw new Error('no deep cursor');
  return page.nextCursor;
}

const cpuTotal = (f: Figures) => f.cpu!.server + f.cpu!.database;
const cpuText = (f: Figures) => `server ${f.cpu!.server.toFixed(2)} ms + database ${f.cpu!.database.toFixed(2)} ms = ${cpuTotal(f).toFixed(2)} ms`;

function printSummary(s: Record<string, any>): void {
  const row = (label: string, a: Figures, b?: Figures, ratioLabel = 'app/raw') =>
    `${label.padEnd(28)} ${a.rps.toFixed(0).padStart(6)} req/s  p50 ${String(a.p50).padStart(4)} ms  p99 ${String(a.p99).padStart(4)} ms  non-2xx ${a.non2xx}` +
    (b ? `   ${ratioLabel} req/s ${(a.rps / b.rps).toFixed(2)}x  p99 ${(a.p99 / b.p99).toFixed(2)}x` : '') +
    (a.cpu ? `\n${''.padEnd(28)} CPU per request: ${cpuText(a)}` + (b?.cpu ? `   raw/app total ${(cpuTotal(b) / cpuTotal(a)).toFixed(2)}x` : '') : '');
  console.log(`\n== Lead Desk benchmark (${s.machine}) ==`);
  console.log(`medians of ${s.settings.rounds} alternating rounds, ${s.settings.durationSeconds} s each, ${s.settings.connections} connections`);
  console.log(row('POST /leads spread   raw', s.post.spread.raw));
  console.log(row('POST /leads spread   app', s.post.spread.app, s.post.spread.raw));
  console.log(row('POST /leads 1 rot.   raw', s.post.oneRotation.raw));
  console.log(row('POST /leads 1 rot.   app', s.post.oneRotation.app, s.post.oneRotation.raw));
  console.log(`one busy rotation vs spread (app): ${(s.post.oneRotation.app.rps / s.post.spread.app.rps).toFixed(2)}x`);
  if (s.list) {
    console.log(row(`GET /leads first page (${s.list.leads})`, s.list.first));
    console.log(row('GET /leads deep page', s.list.deep, s.list.first, 'deep/first'));
    console.log(`deep page p50 / first page p50: ${(s.list.deep.p50 / Math.max(1, s.list.first.p50)).toFixed(2)}x`);
    console.log(row('GET /leads q search', s.list.search));
  }
  if (s.bulk) {
    const b = s.bulk;
    console.log(`POST /leads/bulk (1000 leads, ${s.settings.connections} connections, ${b.calls} calls): ${b.created} created in ${b.seconds.toFixed(1)} s = ${b.leadsPerSecond.toFixed(0)} leads/s, p50 ${b.p50} ms, p99 ${b.p99} ms, non-2xx ${b.non2xx}`);
    const perLead = b.cpuPerLead.server + b.cpuPerLead.database;
    console.log(`                             CPU per lead: server ${b.cpuPerLead.server.toFixed(3)} ms + database ${b.cpuPerLead.database.toFixed(3)} ms = ${perLead.toFixed(3)} ms`);
    const single = s.post.spread.app;
    const singleCpu = single.cpu ? single.cpu.server + single.cpu.database : NaN;
    console.log(`bulk vs single POST /leads (spread), per lead: ${(b.leadsPerSecond / single.rps).toFixed(1)}x leads/s, ${(singleCpu / perLead).toFixed(1)}x less CPU (issue 19 asks >= 5x)`);
  }
  if (s.import) console.log(`POST /leads/import ${s.import.rows} rows: ${s.import.ms} ms, ${s.import.created} created; server RSS ${s.import.rssBeforeMb} MB before, peak ${s.import.rssPeakMb} MB`);
  if (s.webhooks) {
    const w = s.webhooks;
    console.log(`webhooks: ${w.received} deliveries received; outbox lag (oldest undelivered) p50 ${w.lagP50S.toFixed(2)} s, p99 ${w.lagP99S.toFixed(2)} s, max ${w.lagMaxS.toFixed(2)} s; drained ${w.drainMs} ms after the app's rounds in all`);
    console.log(`webhooks: deliveries by attempts ${JSON.stringify(w.attempts)}; the oldest undelivered one was, by samples: ${JSON.stringify(w.oldest)}`);
  }
  console.log(`start-up to ready: ${s.startupMs} ms; peak RSS under load: ${s.peakRssMb} MB`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
