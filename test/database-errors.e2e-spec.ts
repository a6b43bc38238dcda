import { randomBytes } from 'node:crypto';
import { runTransaction, TRANSACTION_ATTEMPTS } from '../src/database/transaction';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { createTeam, dataSourceOf } from './support/leads';
import { usingRealPostgres } from './support/test-database';

/**
 * What the server does when PostgreSQL itself refuses a statement, forced by a trigger this suite installs on
 * `teams`: a team named `force:<SQLSTATE>:<n>:<tag>` makes the insert fail with that SQLSTATE on its first n
 * attempts. Each tag counts its attempts in a sequence of its own (a sequence does not roll back).
 *
 * - a deadlock (40P01) or serialization failure (40001) is run again on the server, up to 3 attempts in all,
 *   so the request succeeds instead of answering 409; past that, 409 as before;
 * - a data exception (22xxx) is a server bug (input validation should have refused the value): 500, logged,
 *   never a 400 with a misleading sentence; and never retried.
 */
describe('database errors: retries and data exceptions', () => {
  let t: TestApp;
  let account: TestAccount;
  beforeAll(async () => {
    t = await startTestApp();
    account = await createAccount(t);
    await dataSourceOf(t).query(`
      CREATE OR REPLACE FUNCTION test_force_error() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        m text[] := regexp_match(NEW.name, '^force:([0-9A-Z]{5}):([0-9]+):([a-z0-9]+)$');
      BEGIN
        IF m IS NOT NULL AND nextval('test_attempts_' || m[3]) <= m[2]::int THEN
          RAISE EXCEPTION 'forced by the test' USING ERRCODE = m[1];
        END IF;
        RETURN NEW;
      END $$`);
    await dataSourceOf(t).query('DROP TRIGGER IF EXISTS test_force_error ON teams');
    await dataSourceOf(t).query('CREATE TRIGGER test_force_error BEFORE INSERT ON teams FOR EACH ROW EXECUTE FUNCTION test_force_error()');
  });
  afterAll(async () => {
    await dataSourceOf(t).query('DROP TRIGGER IF EXISTS test_force_error ON teams');
    await t.close();
  });

  /** POST /teams with a name that fails `times` times with `state`; the answer and how many attempts ran. */
  async function forced(state: string, times: number) {
    const tag = randomBytes(5).toString('hex');
    await dataSourceOf(t).query(`CREATE SEQUENCE test_attempts_${tag}`);
    const res = await account.owner.api.post('/teams', { name: `force:${state}:${times}:${tag}` });
    const [{ attempts }] = await dataSourceOf(t).query(`SELECT last_value::int AS attempts FROM test_attempts_${tag}`);
    await dataSourceOf(t).query(`DROP SEQUENCE test_attempts_${tag}`);
    const [{ n }] = await dataSourceOf(t).query('SELECT count(*)::int AS n FROM teams WHERE account_id = $1 AND name LIKE $2', [account.id, `%${tag}`]);
    return { status: res.status, body: res.body, attempts, teams: n };
  }

  it.each([
    ['a deadlock (40P01) once', '40P01', 1],
    ['a deadlock (40P01) twice', '40P01', 2],
    ['a serialization failure (40001) once', '40001', 1],
  ])('%s: run again on the server, the request succeeds', async (_case, state, times) => {
    const res = await forced(state, times);
    expect({ status: res.status, attempts: res.attempts, teams: res.teams }).toEqual({ status: 201, attempts: times + 1, teams: 1 });
  });

  it(`a deadlock on every one of the ${TRANSACTION_ATTEMPTS} attempts: 409, nothing written`, async () => {
    const res = await forced('40P01', 99);
    expect(res).toEqual({
      status: 409,
      body: { error: 'The request conflicted with a concurrent change; retry it' },
      attempts: TRANSACTION_ATTEMPTS,
      teams: 0,
    });
  });

  it.each([
    ['numeric value out of range', '22003'],
    ['invalid datetime format', '22007'],
    ['datetime field overflow', '22008'],
    ['string data right truncation', '22001'],
    ['invalid text representation', '22P02'],
  ])('a data exception that reaches the database (%s, %s) is a server bug: 500 without details, not retried', async (_case, state) => {
    const res = await forced(state, 99);
    expect(res).toEqual({ status: 500, body: { error: 'Internal server error' }, attempts: 1, teams: 0 });
  });

  const realPostgres = usingRealPostgres() ? it : it.skip;
  if (!usingRealPostgres()) console.warn('database-errors: the real deadlock test is skipped: it needs a PostgreSQL server (two connections)');

  realPostgres('a real deadlock between two transactions locking two rows in opposite orders: the victim runs again and both commit', async () => {
    const ds = dataSourceOf(t);
    const [a, b] = [await createTeam(account.owner.api), await createTeam(account.owner.api)];
    let bothHoldTheirFirst!: () => void;
    const barrier = new Promise<void>((resolve) => (bothHoldTheirFirst = resolve));
    let holding = 0;
    const attempts = [0, 0];
    const crossing = (who: 0 | 1, firstId: number, secondId: number) =>
      runTransaction(ds, async (m) => {
        attempts[who]++;
        await m.query('SELECT id FROM teams WHERE id = $1 FOR UPDATE', [firstId]);
        if (++holding === 2) bothHoldTheirFirst();
        await barrier; // a second attempt finds it open, and simply waits for the other's row
        await m.query('SELECT id FROM teams WHERE id = $1 FOR UPDATE', [secondId]);
        await m.query('UPDATE teams SET updated_at = now() WHERE id = ANY($1)', [[firstId, secondId]]);
        return who;
      });
    const results = await Promise.all([crossing(0, a, b), crossing(1, b, a)]);
    expect(results).toEqual([0, 1]);
    expect(attempts.sort()).toEqual([1, 2]); // PostgreSQL aborted exactly one of them (40P01), which then ran again
  }, 30_000);
});
