import { randomBytes } from 'node:crypto';
import { smoothWeightedSchedule } from '../src/rotations/weighted-round-robin';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { call, type Answer } from './support/http';
import { createTeam, dataSourceOf } from './support/leads';
import { usingRealPostgres } from './support/test-database';

/**
 * Many leads at once through one rotation, by `POST /leads` as clients send them: from two application
 * instances (two connection pools and two sets of in-process lanes, as two server processes would have) on one
 * PostgreSQL database, through every way a create goes: the one-statement insert (a lead alone), batches (leads
 * of one team arriving while a statement of that team is in flight) and the checked transaction (every request
 * with an Idempotency-Key). Whatever the way, the rotation must hand out its turns exactly: the assignees in
 * lead id order are the schedule itself, so every window of W consecutive leads matches the weights.
 */
const real = usingRealPostgres();
if (!real) console.warn('rotations-concurrency: skipped, it needs a real PostgreSQL server (several connections at once)');
const describeReal = real ? describe : describe.skip;

const POOL_SIZE = 15;

interface LeadRow {
  id: number;
  assigned_to: string;
  created_at: string;
}

describeReal('rotations: concurrent POST /leads on real PostgreSQL', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    first = await startTestApp({ DATABASE_POOL_SIZE: String(POOL_SIZE) });
    second = await startTestApp({ DATABASE_POOL_SIZE: String(POOL_SIZE) });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  async function setUp(weights: number[]) {
    const account = await createAccount(first);
    const agents = await Promise.all(weights.map(() => account.member('agent')));
    const teamId = await createTeam(account.owner.api);
    const res = await account.owner.api.post('/rotations', { name: 'Concurrent', teamId, members: agents.map((m, i) => ({ user: m.email, weight: weights[i] })) });
    expect(res.status).toBe(201);
    return { account, teamId, emails: agents.map((m) => m.email), rotationId: res.body.id as number };
  }

  /** POST /leads on `app`; every third request carries an Idempotency-Key (so it takes the checked transaction). */
  const postLead = (app: TestApp, account: TestAccount, teamId: number, i: number): Promise<Answer> =>
    call(app.app, {
      method: 'POST',
      url: '/leads',
      token: account.owner.token,
      account: account.id,
      body: { firstName: 'Lead', lastName: `n${i}`, teamId },
      headers: i % 3 === 0 ? { 'idempotency-key': `burst-${i}-${randomBytes(4).toString('hex')}` } : {},
    });

  /**
   * `n` leads in all: one lead first through each app (each app learns the team's plan, so the one-statement
   * insert and batches can be used), then the rest at once, alternating between the apps.
   */
  async function burst(account: TestAccount, teamId: number, n: number): Promise<Answer[]> {
    const warm = [await postLead(first, account, teamId, 1), await postLead(second, account, teamId, 2)];
    const rest = await Promise.all(Array.from({ length: n - 2 }, (_, i) => postLead(i % 2 ? second : first, account, teamId, i + 3)));
    return [...warm, ...rest];
  }

  /** The account's leads in id order. */
  async function leadsOf(account: TestAccount): Promise<LeadRow[]> {
    return dataSourceOf(first).query('SELECT id, assigned_to, created_at::text AS created_at FROM leads WHERE account_id = $1 ORDER BY id', [account.id]);
  }

  /**
   * Every request answered 201 with its own lead; in id order the assignees are schedule[0], schedule[1], ...;
   * every window of W consecutive leads gives each member exactly its weight; the position and the next user
   * follow. Returns the count per member.
   */
  async function check(answers: Answer[], account: TestAccount, emails: string[], weights: number[], rotationId: number): Promise<number[]> {
    expect(answers.filter((a) => a.status !== 201).map((a) => ({ status: a.status, body: a.body }))).toEqual([]);
    const leads = await leadsOf(account);
    expect(leads).toHaveLength(answers.length);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(answers.length);
    const schedule = smoothWeightedSchedule(weights);
    const W = schedule.length;
    const expected = leads.map((_, i) => emails[schedule[i % W]]);
    expect(leads.map((l) => l.assigned_to)).toEqual(expected);
    for (let start = 0; start + W <= leads.length; start++) {
      const window = leads.slice(start, start + W).map((l) => l.assigned_to);
      const counts = emails.map((e) => window.filter((u) => u === e).length);
      if (counts.some((c, i) => c !== weights[i])) throw new Error(`window of ${W} leads from #${start} gives ${JSON.stringify(counts)}, not the weights ${JSON.stringify(weights)}`);
    }
    const [{ position }] = await dataSourceOf(first).query('SELECT position::int AS position FROM rotations WHERE id = $1', [rotationId]);
    expect(position).toBe(leads.length);
    expect((await account.owner.api.get(`/rotations/${rotationId}`)).body.nextUser).toBe(emails[schedule[leads.length % W]]);
    const [{ entries }] = await dataSourceOf(first).query(
      `SELECT count(*)::int AS entries FROM audit_log WHERE account_id = $1 AND event = 'lead_created' AND (data -> 'assignment' ->> 'rotationId')::int = $2`,
      [account.id, rotationId],
    );
    expect(entries).toBe(leads.length);
    // The ways the leads went: batched leads share created_at (one statement); keyed ones took the checked transaction.
    const perInstant = new Map<string, number>();
    for (const l of leads) perInstant.set(l.created_at, (perInstant.get(l.created_at) ?? 0) + 1);
    const batched = leads.filter((l) => perInstant.get(l.created_at)! > 1).length;
    const [{ keyed }] = await dataSourceOf(first).query('SELECT count(*)::int AS keyed FROM idempotency_keys WHERE account_id = $1', [account.id]);
    console.log(`rotations-concurrency: ${leads.length} leads, ${batched} of them written in batches, ${keyed} through the checked transaction (Idempotency-Key)`);
    expect(batched).toBeGreaterThan(0);
    expect(keyed).toBe(Math.floor(answers.length / 3));
    return emails.map((e) => leads.filter((l) => l.assigned_to === e).length);
  }

  it('301 leads through 3 equal members from two instances: ⌊N/3⌋ or ⌈N/3⌉ each, strict order by id', async () => {
    const { account, teamId, emails, rotationId } = await setUp([1, 1, 1]);
    const answers = await burst(account, teamId, 301);
    expect(await check(answers, account, emails, [1, 1, 1], rotationId)).toEqual([101, 100, 100]);
  });

  it('weights 1, 2, 3: 300 leads from two instances give exactly 50, 100 and 150, every window of 6 exact', async () => {
    const { account, teamId, emails, rotationId } = await setUp([1, 2, 3]);
    const answers = await burst(account, teamId, 300);
    expect(await check(answers, account, emails, [1, 2, 3], rotationId)).toEqual([50, 100, 150]);
  });

  it('weights 3 and 1: 200 leads give exactly 150 and 50, every window of 4 exact', async () => {
    const { account, teamId, emails, rotationId } = await setUp([3, 1]);
    const answers = await burst(account, teamId, 200);
    expect(await check(answers, account, emails, [3, 1], rotationId)).toEqual([150, 50]);
  });
});
