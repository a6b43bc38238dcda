import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { call } from './support/http';
import { createRotation, dataSourceOf } from './support/leads';
import { itWhen, needsPostgres } from './support/skips';

/**
 * API.md section 11, exact under concurrency: 50 creates of one email at once, from two application instances
 * (two connection pools, as two server processes have) on one PostgreSQL database, through every way a create
 * goes (every third request carries an Idempotency-Key, so it takes the checked transaction; the rest the
 * one-statement insert until the policy sends them to the match-key locks). On PGlite the two apps would not
 * share a database: skipped there, visibly.
 */
const { it: itReal } = itWhen(needsPostgres());
const N = 50;

describe('duplicates under concurrency', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    if (!needsPostgres()[Object.keys(needsPostgres())[0]]) return;
    first = await startTestApp({ DATABASE_POOL_SIZE: '15' });
    second = await startTestApp({ DATABASE_POOL_SIZE: '15' });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  const burst = (account: TestAccount, query: string) =>
    Promise.all(
      Array.from({ length: N }, (_, i) =>
        call(i % 2 ? second.app : first.app, {
          method: 'POST',
          url: `/leads${query}`,
          token: account.owner.token,
          account: account.id,
          body: { firstName: 'Same', lastName: `n${i}`, email: i % 2 ? 'SAME@example.com' : 'same@example.com' },
          headers: i % 3 === 0 ? { 'idempotency-key': `dup-${i}` } : {},
        }),
      ),
    );

  itReal(`${N} concurrent creates of one email under reject: one lead, ${N - 1} answers 409 listing it`, async () => {
    const account = await createAccount(first);
    expect((await account.owner.api.patch(`/accounts/${account.id}`, { duplicatePolicy: 'reject' })).status).toBe(200);
    const answers = await burst(account, '');
    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(1);
    const conflicts = answers.filter((a) => a.status === 409);
    expect(conflicts).toHaveLength(N - 1);
    for (const c of conflicts) expect(c.body).toEqual({ error: 'a lead with the same email or phone already exists', duplicates: [{ id: created[0].body.id, matchedOn: ['email'] }] });
    const [{ n }] = await dataSourceOf(first).query('SELECT count(*)::int AS n FROM leads WHERE account_id = $1', [account.id]);
    expect(n).toBe(1);
  });

  itReal(`${N} concurrent creates of one email under assign_to_owner: ${N} leads, all the first one's assignee, one rotation turn`, async () => {
    const account = await createAccount(first);
    const agents = [await account.member('agent'), await account.member('agent'), await account.member('agent')];
    const rotationId = await createRotation(account.owner.api, agents.map((a) => a.email));
    const answers = await burst(account, '?onDuplicate=assign_to_owner');
    expect(answers.map((a) => a.status)).toEqual(Array(N).fill(201));
    const rows: { id: number; assigned_to: string }[] = await dataSourceOf(first).query('SELECT id, assigned_to FROM leads WHERE account_id = $1 ORDER BY id', [account.id]);
    expect(rows).toHaveLength(N);
    expect(new Set(rows.map((r) => r.assigned_to))).toEqual(new Set([agents[0].email]));
    const [{ position }] = await dataSourceOf(first).query('SELECT position::int AS position FROM rotations WHERE id = $1', [rotationId]);
    expect(position).toBe(1);
    const owners = answers.map((a) => a.body.auditLog[0].data.assignment);
    expect(owners.filter((o) => o.reason === 'duplicate_owner')).toHaveLength(N - 1);
  });
});
