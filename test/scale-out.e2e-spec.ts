import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { TEST_JWT_SECRET, testConfig, tokenFor } from './support/app';
import { newEmail } from './support/builders';
import { requestJson, startServer, type ServerProcess } from './support/server-process';
import { itWhen, needsRedis } from './support/skips';
import { RUN_DATABASE_ENV, usingRealPostgres } from './support/test-database';

/**
 * Scale-out: three real server processes (the built dist/main.js) on one PostgreSQL database and one Redis.
 * Nothing that matters for correctness may live in a process's memory: 600 concurrent POST /leads spread over
 * the three must give an exact round robin, one lead and one `lead_created` entry per request, and the rate
 * limit must count one principal's requests across all three.
 */
const real = usingRealPostgres();
if (!real) console.log('scale-out: skipped (needs a PostgreSQL server that several server processes can share)');
const describeReal = real ? describe : describe.skip;

const PROCESSES = 3;
const LEADS = 600; // divisible by the 3 agents: exactly LEADS / 3 each
const LOADERS = 3; // agents that send the leads, LEADS / LOADERS each (below the rate limit)
const RATE_LIMIT = 250; // per principal per minute, shared through Redis
const RATE_PROBES = RATE_LIMIT + 12;
const REDIS_URL = 'redis://127.0.0.1:6379';
const CLIENT_TIMEOUT_MS = 150_000;

interface Answer {
  status: number;
  body: any;
  server: number;
  ms: number;
}

async function send(servers: ServerProcess[], server: number, method: string, path: string, token: string, account?: string, body?: unknown): Promise<Answer> {
  const started = Date.now();
  // Long enough that every request is answered (201 or 503): one given up on would go on in the server.
  const res = await requestJson(servers[server], method, path, { token, account, body, timeoutMs: CLIENT_TIMEOUT_MS });
  return { ...res, server, ms: Date.now() - started };
}

function histogram(values: (number | string)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** Decided before the tests run, so the shared rate-limit test is skipped visibly without Redis. */
const withRedis = itWhen(needsRedis(REDIS_URL));
const redisUp = withRedis.reason === null;

describeReal(`scale-out: ${PROCESSES} server processes on one database`, () => {
  let servers: ServerProcess[] = [];
  let db: PgClient;

  beforeAll(async () => {
    const env = {
      DATABASE_URL: process.env[RUN_DATABASE_ENV],
      MIGRATIONS_RUN: 'false',
      JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_PER_MINUTE: redisUp ? String(RATE_LIMIT) : '0',
      REDIS_URL: redisUp ? REDIS_URL : undefined,
    };
    const started = await Promise.allSettled(Array.from({ length: PROCESSES }, () => startServer(env, 90000)));
    servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    db = new PgClient({ connectionString: process.env[RUN_DATABASE_ENV] });
    await db.connect();
  }, 150000);

  afterAll(async () => {
    await db?.end();
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => Promise.race([s.exited, new Promise((r) => setTimeout(r, 12000).unref())])));
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  });

  interface Burst {
    answers: Answer[];
    agents: string[];
    rotationId: number;
    run: string;
    tookMs: number;
    leads: { id: number; last_name: string; assigned_to: string }[];
    entries: { entity_id: string; rotation_id: string | null }[];
    position: number;
    nextUser: string | null;
  }
  let burst: Burst | undefined;

  /** Waits (up to a minute) until the account's leads and entries have not changed for a second. */
  async function settled(accountId: string): Promise<void> {
    let last = '';
    for (let i = 0; i < 120; i++) {
      const [row] = (
        await db.query(
          `SELECT (SELECT count(*) FROM leads WHERE account_id = $1) || '/' || (SELECT count(*) FROM audit_log WHERE account_id = $1) AS n`,
          [accountId],
        )
      ).rows;
      if (row.n === last) return;
      last = row.n;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** Sets up an account through the API and fires the burst once; the tests below each judge one side of it. */
  async function fireBurst(): Promise<Burst> {
    if (burst) return burst;
    const config = testConfig();
    const ownerToken = tokenFor(config, newEmail('owner'));
    const created = await send(servers, 0, 'POST', '/accounts', ownerToken, undefined, { name: 'Scale-out' });
    expect(created.status).toBe(201);
    const accountId: string = created.body.id;

    // Set up through the API, each step on a different process.
    const agents = Array.from({ length: 3 }, () => newEmail('agent'));
    const loaders = Array.from({ length: LOADERS }, () => newEmail('loader'));
    for (const [i, email] of [...agents, ...loaders].entries()) {
      const added = await send(servers, i % PROCESSES, 'POST', '/members', ownerToken, accountId, { email, role: 'agent' });
      expect(added.status).toBe(201);
    }
    const team = await send(servers, 1, 'POST', '/teams', ownerToken, accountId, { name: 'Scale-out team' });
    expect(team.status).toBe(201);
    const rotation = await send(servers, 2, 'POST', '/rotations', ownerToken, accountId, {
      name: 'Scale-out rotation',
      teamId: team.body.id,
      members: agents.map((user) => ({ user })),
    });
    expect(rotation.status).toBe(201);
    const rotationId: number = rotation.body.id;

    // Every request in flight at once, spread round robin over the processes; each lead tagged by its lastName.
    const run = randomBytes(4).toString('hex');
    const loaderTokens = loaders.map((email) => tokenFor(config, email));
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: LEADS }, (_, i) =>
        send(servers, i % PROCESSES, 'POST', '/leads', loaderTokens[i % LOADERS], accountId, {
          firstName: 'Scale',
          lastName: `out-${run}-${i}`,
          teamId: team.body.id,
        }).catch((error: Error) => ({ status: 0, body: { error: error.message }, server: i % PROCESSES, ms: Date.now() - started })),
      ),
    );
    const tookMs = Date.now() - started;

    // Behind the API: the leads, their entries and the rotation's position, read in one snapshot once nothing
    // changes any more (a request the client gave up on would still be running in its server).
    await settled(accountId);
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const leads = (await db.query('SELECT id, last_name, assigned_to FROM leads WHERE account_id = $1 ORDER BY id', [accountId])).rows;
    const entries = (
      await db.query(
        `SELECT entity_id, data->'assignment'->>'rotationId' AS rotation_id FROM audit_log WHERE account_id = $1 AND event = 'lead_created'`,
        [accountId],
      )
    ).rows;
    const [{ position }] = (await db.query('SELECT position::int FROM rotations WHERE account_id = $1 AND id = $2', [accountId, rotationId])).rows;
    await db.query('COMMIT');
    const nextUser = (await send(servers, 1, 'GET', `/rotations/${rotationId}`, ownerToken, accountId)).body.nextUser;
    burst = { answers, agents, rotationId, run, tookMs, leads, entries, position, nextUser };

    const ok = answers.filter((a) => a.status === 201);
    console.log(
      `scale-out: ${LEADS} concurrent POST /leads over ${PROCESSES} processes in ${tookMs} ms (slowest answer ${Math.max(...answers.map((a) => a.ms))} ms, ` +
        `${Math.round((ok.length * 1000) / tookMs)} 201s per second over the whole burst): statuses ${JSON.stringify(histogram(answers.map((a) => a.status)))}, ` +
        `201s per process ${JSON.stringify(histogram(ok.map((a) => a.server)))}; stored ${leads.length} leads, ${entries.length} lead_created entries, ` +
        `${leads.length - new Set(leads.map((l: { last_name: string }) => l.last_name)).size} duplicates; ` +
        `per agent ${agents.map((e) => leads.filter((l: { assigned_to: string }) => l.assigned_to === e).length).join('/')}, rotation position ${position}`,
    );
    return burst;
  }

  it(`${LEADS} concurrent POST /leads over ${PROCESSES} processes are all answered 201`, async () => {
    const { answers } = await fireBurst();
    const unanswered = answers.filter((a) => a.status !== 201);
    // A 503 here is the 5 s wait for a pooled connection running out: every lead through one rotation takes its
    // turn under that rotation's row lock, so the burst drains at the speed of one commit after another.
    expect({ statuses: histogram(answers.map((a) => a.status)), example: unanswered[0]?.body }).toEqual({ statuses: { 201: LEADS }, example: undefined });
    expect(answers.every((a) => a.body.auditLog?.length === 1 && a.body.auditLog[0].event === 'lead_created')).toBe(true);
    for (const s of servers) expect(s.output()).not.toMatch(/"level":50/);
  }, 300000);

  it('nothing lost, doubled or half-written: the leads stored are exactly those answered 201, each with one lead_created entry', async () => {
    const { answers, leads, entries, run } = await fireBurst();
    const answered = answers.filter((a) => a.status === 201);
    const entriesPerLead = histogram(entries.map((e) => e.entity_id));
    const leadIds = new Set(leads.map((l) => String(l.id)));
    expect(answers.every((a) => a.status === 201 || a.status === 503)).toBe(true); // never a 500, never no answer
    expect(new Set(answered.map((a) => String(a.body.id)))).toEqual(leadIds);
    expect(leads.map((l) => l.last_name).sort()).toEqual(answered.map((a) => a.body.lastName).sort());
    expect(leads.every((l) => l.last_name.startsWith(`out-${run}-`))).toBe(true);
    expect(leads.filter((l) => entriesPerLead[l.id] !== 1)).toEqual([]);
    expect(entries.filter((e) => !leadIds.has(e.entity_id))).toEqual([]);
  }, 300000);

  it('exact round robin across the processes: the cyclic member order by lead id, position = leads assigned, no slot twice', async () => {
    const { answers, leads, entries, agents, rotationId, position, nextUser } = await fireBurst();
    const n = leads.length;
    expect(entries.every((e) => e.rotation_id === String(rotationId))).toBe(true);
    const perAgent = agents.map((e) => leads.filter((l) => l.assigned_to === e).length);
    expect(perAgent).toEqual(agents.map((_, i) => Math.floor(n / 3) + (i < n % 3 ? 1 : 0)));
    expect(agents.map((e) => answers.filter((a) => a.status === 201 && a.body.assignedTo === e).length)).toEqual(perAgent);
    // The rotation row stays locked from a lead's slot to its commit and the lead is inserted under that lock,
    // so lead ids follow slot order: by id, the assignees must be the members' exact cyclic order.
    expect(leads.filter((l, i) => l.assigned_to !== agents[i % agents.length]).map((l) => l.id)).toEqual([]);
    expect(position).toBe(n);
    expect(nextUser).toBe(agents[n % agents.length]);
  }, 300000);

  withRedis.it(`one principal's rate limit is counted across the ${PROCESSES} processes (Redis)`, async () => {
    const token = tokenFor(testConfig(), newEmail('busy'));
    const answers = await Promise.all(Array.from({ length: RATE_PROBES }, (_, i) => send(servers, i % PROCESSES, 'GET', '/accounts', token)));
    const statuses = histogram(answers.map((a) => a.status));
    const limitedPerServer = histogram(answers.filter((a) => a.status === 429).map((a) => a.server));
    console.log(
      `scale-out rate limit: ${RATE_PROBES} concurrent GET /accounts by one user over ${PROCESSES} processes, limit ${RATE_LIMIT}/min shared through Redis: ` +
        `statuses ${JSON.stringify(statuses)}, 429s per process ${JSON.stringify(limitedPerServer)}`,
    );
    // Each process saw about RATE_PROBES / 3 requests, far below the limit: only a shared counter refuses any.
    expect(statuses).toEqual({ 200: RATE_LIMIT, 429: RATE_PROBES - RATE_LIMIT });
  });
});
