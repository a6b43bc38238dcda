import { Client as PgClient } from 'pg';
import { TEST_JWT_SECRET, testConfig, tokenFor } from './support/app';
import { newEmail } from './support/builders';
import { requestJson, startServer, type ServerProcess } from './support/server-process';
import { itWhen, needsPostgres } from './support/skips';
import { RUN_DATABASE_ENV, usingRealPostgres } from './support/test-database';

/**
 * API.md section 11, exact under concurrency across processes: N creates of one email at once, spread over
 * three built server processes (`dist/main.js`, run `npm run build` first) on one PostgreSQL database. Each
 * process first learns the account's settings and plan (one lead of another email), so the burst goes through
 * POST /leads's one-statement insert (under reject: its lead fences its keys, unique indexes
 * `leads_email_fence_key` / `leads_phone_fence_key`) as well as the checked transaction (every third request carries
 * an Idempotency-Key). A second connection plays a concurrent create under reject that has not committed yet (a
 * lead inserted with its fences) to prove each path waits for it and answers as if it came after. Skipped
 * visibly on PGlite.
 */
const { it: itReal } = itWhen(needsPostgres());
const N = 50;
const PROCESSES = 3;

describe('duplicates under concurrency, several server processes', () => {
  let servers: ServerProcess[] = [];
  let db: PgClient;
  const config = testConfig();

  beforeAll(async () => {
    if (!usingRealPostgres()) return;
    const env = { DATABASE_URL: process.env[RUN_DATABASE_ENV], MIGRATIONS_RUN: 'false', JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0' };
    servers = await Promise.all(Array.from({ length: PROCESSES }, () => startServer(env, 90000)));
    db = new PgClient({ connectionString: process.env[RUN_DATABASE_ENV] });
    await db.connect();
  }, 150000);

  afterAll(async () => {
    await db?.end();
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => Promise.race([s.exited, new Promise((r) => setTimeout(r, 12000).unref())])));
  });

  const send = (server: number, method: string, path: string, token: string, account?: string, body?: unknown, key?: string) =>
    requestJson(servers[server % PROCESSES], method, path, { token, account, body, timeoutMs: 60000, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

  /** A fresh account with `agents` agents in a default rotation, the policy set; each process warmed. */
  async function setUp(policy: string) {
    const token = tokenFor(config, newEmail('owner'));
    const { body: account } = await send(0, 'POST', '/accounts', token, undefined, { name: 'Concurrent duplicates' });
    const agents = [newEmail('agent'), newEmail('agent'), newEmail('agent')];
    for (const email of agents) expect((await send(1, 'POST', '/members', token, account.id, { email, role: 'agent' })).status).toBe(201);
    const rotation = await send(2, 'POST', '/rotations', token, account.id, { name: 'Default', members: agents.map((user) => ({ user })) });
    expect(rotation.status).toBe(201);
    expect((await send(0, 'PATCH', `/accounts/${account.id}`, token, account.id, { duplicatePolicy: policy })).status).toBe(200);
    for (let p = 0; p < PROCESSES; p++) expect((await send(p, 'POST', '/leads', token, account.id, { firstName: 'Warm', lastName: `${p}`, email: `warm${p}@example.com` })).status).toBe(201);
    return { token, accountId: account.id as string, agents, rotationId: rotation.body.id as number };
  }

  const burst = (token: string, accountId: string) =>
    Promise.all(
      Array.from({ length: N }, (_, i) =>
        send(i, 'POST', '/leads', token, accountId, { firstName: 'Same', lastName: `n${i}`, email: i % 2 ? 'SAME@example.com' : 'same@example.com' }, i % 3 === 0 ? `dup-${i}` : undefined),
      ),
    );

  itReal(`${N} concurrent creates of one email under reject: one lead, ${N - 1} answers 409 listing it`, async () => {
    const { token, accountId } = await setUp('reject');
    const answers = await burst(token, accountId);
    const created = answers.filter((a) => a.status === 201);
    expect(answers.filter((a) => a.status !== 201 && a.status !== 409)).toEqual([]);
    expect(created).toHaveLength(1);
    const conflicts = answers.filter((a) => a.status === 409);
    expect(conflicts).toHaveLength(N - 1);
    for (const c of conflicts) expect(c.body).toEqual({ error: 'a lead with the same email or phone already exists', duplicates: [{ id: created[0].body.id, matchedOn: ['email'] }] });
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM leads WHERE account_id = $1 AND email_key = 'same@example.com'`, [accountId]);
    expect(rows[0].n).toBe(1);
  }, 120000);

  /** Another connection inside a transaction: plays a create under reject that has not committed yet. */
  async function concurrently<T>(work: (other: PgClient) => Promise<T>): Promise<T> {
    const other = new PgClient({ connectionString: process.env[RUN_DATABASE_ENV] });
    await other.connect();
    try {
      await other.query('BEGIN');
      return await work(other);
    } finally {
      await other.end();
    }
  }
  /** A lead as a create under reject writes it: its keys fenced. */
  const insertFenced = async (other: PgClient, accountId: string, email: string | null, phone: string | null) => {
    const { rows } = await other.query(
      `INSERT INTO leads (account_id, first_name, last_name, email, email_key, phone, phone_key, created_by, email_fenced, phone_fenced)
       VALUES ($1, 'Late', 'L', $2::text, $2::text, $3::text, $3::text, 'x@example.com', $2::text IS NOT NULL, $3::text IS NOT NULL) RETURNING id`,
      [accountId, email, phone],
    );
    return Number(rows[0].id);
  };
  const countOf = async (accountId: string, email: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM leads WHERE account_id = $1 AND email_key = $2`, [accountId, email])).rows[0].n;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  itReal('reject, one-statement insert: a create of the same email not yet committed makes it wait; 409 once that commits, 201 if it rolls back', async () => {
    const { token, accountId } = await setUp('reject');
    await concurrently(async (other) => {
      const id = await insertFenced(other, accountId, 'late@example.com', null);
      // warmed process: the one-statement insert sees no duplicate and waits on the fence's unique index
      const pending = send(0, 'POST', '/leads', token, accountId, { firstName: 'Mine', lastName: 'M', email: 'late@example.com' });
      await pause(500);
      await other.query('COMMIT');
      const answer = await pending;
      expect(answer.status).toBe(409);
      expect(answer.body.duplicates).toEqual([{ id, matchedOn: ['email'] }]);
    });
    expect(await countOf(accountId, 'late@example.com')).toBe(1);
    await concurrently(async (other) => {
      await insertFenced(other, accountId, 'gone@example.com', null);
      const pending = send(0, 'POST', '/leads', token, accountId, { firstName: 'Mine', lastName: 'M', email: 'gone@example.com' });
      await pause(500);
      await other.query('ROLLBACK');
      expect((await pending).status).toBe(201);
    });
    expect(await countOf(accountId, 'gone@example.com')).toBe(1);
  }, 60000);

  itReal('reject, checked path (Idempotency-Key): a create of the same email committed between its look-up and its insert runs it again: 409', async () => {
    const { token, accountId } = await setUp('reject');
    await concurrently(async (other) => {
      // no advisory lock: the one-statement way takes none, so the checked path's look-up passes and its insert waits
      const id = await insertFenced(other, accountId, 'checked@example.com', null);
      const pending = send(1, 'POST', '/leads', token, accountId, { firstName: 'Mine', lastName: 'M', email: 'checked@example.com' }, 'checked-race');
      await pause(500);
      await other.query('COMMIT');
      const answer = await pending;
      expect(answer.status).toBe(409);
      expect(answer.body).toEqual({ error: 'a lead with the same email or phone already exists', duplicates: [{ id, matchedOn: ['email'] }] });
    });
    expect(await countOf(accountId, 'checked@example.com')).toBe(1);
  }, 60000);

  itReal('reject, POST /leads/bulk: a create of one of its emails committed meanwhile runs the batch again: that lead 409, the others created', async () => {
    const { token, accountId } = await setUp('reject');
    await concurrently(async (other) => {
      const id = await insertFenced(other, accountId, 'bulk-race@example.com', null);
      const leads = [{ firstName: 'B', lastName: '0', email: 'bulk-race@example.com' }, { firstName: 'B', lastName: '1', email: 'bulk-free@example.com' }];
      const pending = send(2, 'POST', '/leads/bulk', token, accountId, { leads });
      await pause(500);
      await other.query('COMMIT');
      const answer = await pending;
      expect(answer.status).toBe(200);
      expect(answer.body.created).toBe(1);
      expect(answer.body.results[0]).toEqual({ index: 0, status: 409, error: 'a lead with the same email or phone already exists', duplicates: [{ id, matchedOn: ['email'] }] });
      expect(answer.body.results[1]).toMatchObject({ index: 1, status: 201 });
    });
    expect(await countOf(accountId, 'bulk-race@example.com')).toBe(1);
    expect(await countOf(accountId, 'bulk-free@example.com')).toBe(1);
  }, 60000);

  itReal('reject: a one-statement insert that deadlocks with a concurrent create (two keys in opposite orders) answers through the checked path, never 500', async () => {
    const { token, accountId } = await setUp('reject');
    await concurrently(async (other) => {
      // the other side waits longest before looking for deadlocks: PostgreSQL aborts the server's statement
      await other.query(`SET LOCAL deadlock_timeout = '10s'`);
      const id = await insertFenced(other, accountId, null, '+14155550199');
      // the statement fences the email, then waits on the phone the other holds ...
      const pending = send(0, 'POST', '/leads', token, accountId, { firstName: 'Mine', lastName: 'M', email: 'deadlock@example.com', phone: '+1 415 555 0199' });
      await pause(300);
      // ... which now waits on the email the statement holds: a cycle, broken by aborting the statement (40P01)
      await other.query(`UPDATE leads SET email = 'deadlock@example.com', email_key = 'deadlock@example.com', email_fenced = true WHERE account_id = $1 AND id = $2`, [accountId, id]);
      await other.query('COMMIT');
      const answer = await pending;
      expect(answer.status).toBe(409);
      expect(answer.body.duplicates).toEqual([{ id, matchedOn: ['email', 'phone'] }]);
    });
    expect(await countOf(accountId, 'deadlock@example.com')).toBe(1);
  }, 60000);

  itReal('reject: POST /leads/bulk concurrent with single creates of the same email (both paths): one lead of it', async () => {
    const { token, accountId } = await setUp('reject');
    const bulk = (n: number) => ({ leads: [{ firstName: 'B', lastName: `${n}`, email: `bulk-only${n}@example.com` }, { firstName: 'B', lastName: `s${n}`, email: 'bulk-shared@example.com' }] });
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => send(i, 'POST', '/leads/bulk', token, accountId, bulk(i))),
      ...Array.from({ length: 30 }, (_, i) =>
        send(i, 'POST', '/leads', token, accountId, { firstName: 'S', lastName: `${i}`, email: 'Bulk-Shared@example.com' }, i % 3 === 0 ? `bulk-single-${i}` : undefined),
      ),
    ]);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 201 && a.status !== 409)).toEqual([]);
    expect(await countOf(accountId, 'bulk-shared@example.com')).toBe(1);
    for (let i = 0; i < 6; i++) expect(await countOf(accountId, `bulk-only${i}@example.com`)).toBe(1);
  }, 120000);

  itReal(`under reject through a team's rotation (leads batched per team): each email created once, every other answer 409`, async () => {
    const { token, accountId } = await setUp('reject');
    const team = await send(0, 'POST', '/teams', token, accountId, { name: 'Batched' });
    const { body: members } = await send(0, 'GET', '/members', token, accountId);
    const agents = members.data.filter((m: any) => m.role === 'agent').map((m: any) => ({ user: m.email }));
    expect((await send(1, 'POST', '/rotations', token, accountId, { name: 'Team', teamId: team.body.id, members: agents })).status).toBe(201);
    for (let p = 0; p < PROCESSES; p++) expect((await send(p, 'POST', '/leads', token, accountId, { firstName: 'Warm', lastName: 'T', teamId: team.body.id, email: `warm-team${p}@example.com` })).status).toBe(201);
    // 90 leads: 30 unique emails, and 60 creates of one email, all at once without keys (the one-statement way)
    const emails = Array.from({ length: 90 }, (_, i) => (i % 3 === 0 ? `unique${i}@example.com` : 'shared@example.com'));
    const answers = await Promise.all(emails.map((email, i) => send(i, 'POST', '/leads', token, accountId, { firstName: 'T', lastName: `n${i}`, teamId: team.body.id, email })));
    expect(answers.filter((a) => a.status !== 201 && a.status !== 409)).toEqual([]);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(31);
    const { rows } = await db.query(`SELECT email_key, count(*)::int AS n FROM leads WHERE account_id = $1 AND team_id = $2 GROUP BY email_key`, [accountId, team.body.id]);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows).toHaveLength(31 + PROCESSES);
  }, 120000);

  itReal(`${N} concurrent creates of one email under assign_to_owner: ${N} leads, all the first one's assignee, one rotation turn`, async () => {
    const { token, accountId, rotationId } = await setUp('assign_to_owner');
    const { rows: before } = await db.query('SELECT position::int AS position FROM rotations WHERE id = $1', [rotationId]);
    const answers = await burst(token, accountId);
    expect(answers.map((a) => a.status)).toEqual(Array(N).fill(201));
    const { rows } = await db.query(`SELECT id, assigned_to FROM leads WHERE account_id = $1 AND email_key = 'same@example.com' ORDER BY id`, [accountId]);
    expect(rows).toHaveLength(N);
    expect(new Set(rows.map((r) => r.assigned_to))).toEqual(new Set([rows[0].assigned_to]));
    const { rows: after } = await db.query('SELECT position::int AS position FROM rotations WHERE id = $1', [rotationId]);
    expect(after[0].position - before[0].position).toBe(1);
    expect(answers.filter((a) => a.body.auditLog[0].data.assignment?.reason === 'duplicate_owner')).toHaveLength(N - 1);
  }, 120000);
});
