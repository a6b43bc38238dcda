import { DataSource } from 'typeorm';
import { AssignmentService } from '../src/rotations/assignment.service';
import { smoothWeightedSchedule } from '../src/rotations/weighted-round-robin';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { usingRealPostgres } from './support/test-database';

/**
 * Many assignments at once through one rotation, from one and from two application instances (two
 * connection pools, as two server processes would have) on one PostgreSQL database. Each call runs in its
 * own transaction, as POST /leads does, and reads the position it left behind (under the row lock it holds)
 * so the test sees exactly which slot each call took.
 */
const real = usingRealPostgres();
if (!real) console.warn('rotations-concurrency: skipped, it needs a real PostgreSQL server (several connections at once)');
const describeReal = real ? describe : describe.skip;

const CALLS = 300;
const POOL_SIZE = 15;

interface Turn {
  user: string;
  slot: number;
}

describeReal('rotations: concurrent assignment on real PostgreSQL', () => {
  let first: TestApp;
  let second: TestApp;
  const slots = new Map<TestApp, <T>(task: () => Promise<T>) => Promise<T>>();
  /** Transactions inside nextAssignee at once, in all and per app: the test must really be concurrent. */
  const open = { now: 0, peak: 0, byApp: new Map<TestApp, number>(), bothApps: false };
  beforeEach(() => {
    open.peak = 0;
    open.bothApps = false;
  });
  beforeAll(async () => {
    first = await startTestApp({ DATABASE_POOL_SIZE: String(POOL_SIZE) });
    second = await startTestApp({ DATABASE_POOL_SIZE: String(POOL_SIZE) });
    slots.set(first, limiter(POOL_SIZE));
    slots.set(second, limiter(POOL_SIZE));
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  /** One assignment in its own transaction on `app`; the slot it took is the position it left, minus one. */
  const turn = (app: TestApp, account: TestAccount, rotationId: number): Promise<Turn> =>
    slots.get(app)!(() => app.app.get(DataSource).transaction(async (m) => {
      open.now++;
      open.peak = Math.max(open.peak, open.now);
      open.byApp.set(app, (open.byApp.get(app) ?? 0) + 1);
      if ((open.byApp.get(first) ?? 0) > 0 && (open.byApp.get(second) ?? 0) > 0) open.bothApps = true;
      const assignment = await app.app
        .get(AssignmentService)
        .nextAssignee(m, account.id, null)
        .finally(() => {
          open.now--;
          open.byApp.set(app, open.byApp.get(app)! - 1);
        });
      if (!assignment || assignment.rotationId !== rotationId) throw new Error(`unexpected assignment ${JSON.stringify(assignment)}`);
      const [{ position }]: { position: string }[] = await m.query('SELECT position FROM rotations WHERE account_id = $1 AND id = $2', [account.id, rotationId]);
      return { user: assignment.user, slot: Number(position) - 1 };
    }));

  async function setUp(weights: number[]) {
    const account = await createAccount(first);
    const members = await Promise.all(weights.map(() => account.member('agent')));
    const res = await account.owner.api.post('/rotations', { name: 'Concurrent', members: members.map((m, i) => ({ user: m.email, weight: weights[i] })) });
    expect(res.status).toBe(201);
    return { account, emails: members.map((m) => m.email), rotationId: res.body.id as number };
  }

  /** Every slot 0..CALLS-1 taken exactly once, each by the member the schedule gives it, and the counts. */
  async function check(turns: Turn[], emails: string[], weights: number[], account: TestAccount, rotationId: number): Promise<number[]> {
    expect(turns.map((x) => x.slot).sort((a, b) => a - b)).toEqual(Array.from({ length: CALLS }, (_, i) => i));
    const schedule = smoothWeightedSchedule(weights);
    for (const x of turns) expect({ slot: x.slot, user: x.user }).toEqual({ slot: x.slot, user: emails[schedule[x.slot % schedule.length]] });
    const rotation = await account.owner.api.get(`/rotations/${rotationId}`);
    expect(rotation.body.nextUser).toBe(emails[schedule[CALLS % schedule.length]]);
    console.log(`rotations-concurrency: up to ${open.peak} assignments in flight at once`);
    expect(open.peak).toBeGreaterThanOrEqual(5);
    return emails.map((e) => turns.filter((x) => x.user === e).length);
  }

  it(`${CALLS} concurrent assignments through a rotation of 3 equal members: exactly 100 each`, async () => {
    const { account, emails, rotationId } = await setUp([1, 1, 1]);
    const turns = await Promise.all(Array.from({ length: CALLS }, () => turn(first, account, rotationId)));
    expect(await check(turns, emails, [1, 1, 1], account, rotationId)).toEqual([100, 100, 100]);
  });

  it(`the same with two application instances on one database sharing the ${CALLS} calls`, async () => {
    const { account, emails, rotationId } = await setUp([1, 1, 1]);
    const turns = await Promise.all(Array.from({ length: CALLS }, (_, i) => turn(i % 2 ? second : first, account, rotationId)));
    expect(await check(turns, emails, [1, 1, 1], account, rotationId)).toEqual([100, 100, 100]);
    expect(open.bothApps).toBe(true);
  });

  it(`weights 1, 2, 3: ${CALLS} concurrent assignments from two instances give 50, 100 and 150`, async () => {
    const { account, emails, rotationId } = await setUp([1, 2, 3]);
    const turns = await Promise.all(Array.from({ length: CALLS }, (_, i) => turn(i % 3 ? first : second, account, rotationId)));
    expect(await check(turns, emails, [1, 2, 3], account, rotationId)).toEqual([50, 100, 150]);
    expect(open.bothApps).toBe(true);
  });
});

/**
 * At most `limit` tasks in flight, the others queued here. With `limit` = the pool size every transaction
 * gets a connection at once: the database sees `limit` transactions per app contending for the rotation's
 * row lock, and no call waits in the pool's own queue, whose 5 s acquire timeout (meant for requests, not
 * for a queue of 300 serialised transactions on a loaded machine) would fail it.
 */
function limiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < limit) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // the slot is handed over by release
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
