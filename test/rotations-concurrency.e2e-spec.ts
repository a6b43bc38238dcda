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
const POOL_SIZE = '15';

interface Turn {
  user: string;
  slot: number;
}

describeReal('rotations: concurrent assignment on real PostgreSQL', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    first = await startTestApp({ DATABASE_POOL_SIZE: POOL_SIZE });
    second = await startTestApp({ DATABASE_POOL_SIZE: POOL_SIZE });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  /** One assignment in its own transaction on `app`; the slot it took is the position it left, minus one. */
  const turn = (app: TestApp, account: TestAccount, rotationId: number): Promise<Turn> =>
    app.app.get(DataSource).transaction(async (m) => {
      const assignment = await app.app.get(AssignmentService).nextAssignee(m, account.id, null);
      if (!assignment || assignment.rotationId !== rotationId) throw new Error(`unexpected assignment ${JSON.stringify(assignment)}`);
      const [{ position }]: { position: string }[] = await m.query('SELECT position FROM rotations WHERE account_id = $1 AND id = $2', [account.id, rotationId]);
      return { user: assignment.user, slot: Number(position) - 1 };
    });

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
  });

  it(`weights 1, 2, 3: ${CALLS} concurrent assignments from two instances give 50, 100 and 150`, async () => {
    const { account, emails, rotationId } = await setUp([1, 2, 3]);
    const turns = await Promise.all(Array.from({ length: CALLS }, (_, i) => turn(i % 3 ? first : second, account, rotationId)));
    expect(await check(turns, emails, [1, 2, 3], account, rotationId)).toEqual([50, 100, 150]);
  });
});
