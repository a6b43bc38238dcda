import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { IdempotencyErrors } from '../src/leads/leads.errors';
import { idempotencyLockName } from '../src/leads/idempotency.service';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { call } from './support/http';
import { countAuditEntries, countLeads, MINIMAL_LEAD } from './support/leads';
import { RUN_DATABASE_ENV, usingRealPostgres } from './support/test-database';

/**
 * A request whose Idempotency-Key another request holds waits for it without holding a pooled connection:
 * with a pool of 3 and ten requests waiting on one slow key, another account is still served at once. The slow
 * key's holder is a transaction of another session (as another server process would hold it).
 */
const real = usingRealPostgres();
if (!real) console.warn('idempotency-wait: skipped, it needs a real PostgreSQL server (a second session holds the key)');
const describeReal = real ? describe : describe.skip;

const POOL_SIZE = 3;
const WAITERS = 10;

describeReal('Idempotency-Key: waiting holds no connection', () => {
  let t: TestApp;
  let holder: PgClient;
  beforeAll(async () => {
    t = await startTestApp({ DATABASE_POOL_SIZE: String(POOL_SIZE) });
    holder = new PgClient({ connectionString: process.env[RUN_DATABASE_ENV] });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await t?.close();
  });

  const newKey = () => `slow-${randomBytes(6).toString('hex')}`;

  /** Holds the key's lock in a transaction of another session, as a slow request of another process would. */
  async function holdKey(account: TestAccount, key: string): Promise<() => Promise<void>> {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [idempotencyLockName(account.id, key)]);
    return async () => {
      await holder.query('ROLLBACK');
    };
  }

  const postWithKey = (account: TestAccount, key: string) =>
    call(t.app, { method: 'POST', url: '/leads', token: account.owner.token, account: account.id, body: MINIMAL_LEAD, headers: { 'idempotency-key': key } });

  async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
    const started = Date.now();
    const result = await work();
    return [result, Date.now() - started];
  }

  it(`${WAITERS} requests waiting on one slow key (pool of ${POOL_SIZE}) do not delay another account; then one lead, the rest replay it`, async () => {
    const slow = await createAccount(t);
    const other = await createAccount(t);
    const key = newKey();
    const release = await holdKey(slow, key);
    let waiters: Promise<Awaited<ReturnType<typeof postWithKey>>[]> | undefined;
    try {
      waiters = Promise.all(Array.from({ length: WAITERS }, () => postWithKey(slow, key)));
      await new Promise((r) => setTimeout(r, 300)); // all of them are waiting by now
      const served: { what: string; status: number; ms: number }[] = [];
      for (let i = 0; i < 3; i++) {
        const [list, listMs] = await timed(() => other.owner.api.get('/leads'));
        served.push({ what: 'GET /leads', status: list.status, ms: listMs });
        const [created, createMs] = await timed(() => other.owner.api.post('/leads', MINIMAL_LEAD));
        served.push({ what: 'POST /leads', status: created.status, ms: createMs });
      }
      console.log(`idempotency-wait: another account served while ${WAITERS} requests wait on a slow key: ${JSON.stringify(served)}`);
      // Before: each waiter held a connection for up to 10 s, so these queued for the pool until the key was free.
      for (const s of served) expect({ ...s, fast: s.ms < 1500 }).toEqual({ ...s, status: s.what === 'GET /leads' ? 200 : 201, fast: true });
    } finally {
      await release();
    }
    const answers = await waiters!;
    expect(answers.map((a) => a.status)).toEqual(Array(WAITERS).fill(201));
    expect(answers.filter((a) => a.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(await countLeads(t, slow.id)).toBe(1);
    expect(await countAuditEntries(t, slow.id, 'lead_created')).toBe(1);
  }, 60_000);

  it('a request that cannot get its key within 10 s gets 409, and the key is still usable afterwards', async () => {
    const account = await createAccount(t);
    const key = newKey();
    const release = await holdKey(account, key);
    let refused: Awaited<ReturnType<typeof postWithKey>>;
    let ms: number;
    try {
      [refused, ms] = await timed(() => postWithKey(account, key));
    } finally {
      await release();
    }
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: IdempotencyErrors.stillRunning().message });
    expect(ms).toBeGreaterThanOrEqual(9_900);
    expect(ms).toBeLessThan(13_000);
    expect(await countLeads(t, account.id)).toBe(0);
    expect((await postWithKey(account, key)).status).toBe(201);
    expect(await countLeads(t, account.id)).toBe(1);
  }, 60_000);
});
