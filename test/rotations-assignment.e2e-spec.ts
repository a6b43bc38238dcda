import { DataSource, type EntityManager } from 'typeorm';
import { AssignmentService, type Assignment } from '../src/rotations/assignment.service';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount, type TestUser } from './support/builders';
import { usingRealPostgres } from './support/test-database';

/** Tests that commit a change from a second connection while a transaction is open need a real server. */
const itReal = usingRealPostgres() ? it : it.skip;
if (!usingRealPostgres()) console.warn('rotations-assignment: the interleaving tests are skipped, they need a real PostgreSQL server (several connections)');

/** The assignment engine as POST /leads uses it: inside the caller's transaction, on real PostgreSQL. */
describe('rotations: assignment engine (nextAssignee)', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let engine: AssignmentService;
  beforeAll(async () => {
    t = await startTestApp();
    dataSource = t.app.get(DataSource);
    engine = t.app.get(AssignmentService);
  });
  afterAll(() => t.close());

  const assign = (account: TestAccount, teamId: number | null = null) => dataSource.transaction((m) => engine.nextAssignee(m, account.id, teamId));
  const agents = (account: TestAccount, n: number) => Promise.all(Array.from({ length: n }, () => account.member('agent')));
  const users = (members: TestUser[], weights: number[] = []) => members.map((m, i) => ({ user: m.email, weight: weights[i] ?? 1 }));
  const newTeam = async (account: TestAccount) => (await account.owner.api.post('/teams', { name: `Team ${Math.random()}` })).body.id as number;
  const rotation = async (account: TestAccount, body: object) => {
    const res = await account.owner.api.post('/rotations', body);
    if (res.status !== 201) throw new Error(`rotation: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as number;
  };

  it('hands out turns in strict member order, starting with the first member, and reports the rotation', async () => {
    const account = await createAccount(t);
    const [a, b, c] = await agents(account, 3);
    const id = await rotation(account, { name: 'R', members: users([a, b, c]) });
    const got: Assignment[] = [];
    for (let i = 0; i < 7; i++) got.push((await assign(account))!);
    expect(got.map((x) => x.user)).toEqual([a, b, c, a, b, c, a].map((u) => u.email));
    expect(got[0]).toMatchObject({ user: a.email, rotationId: id, skipped: [], fallbackFromTeamRotationId: null });
  });

  it('follows the smooth weighted schedule: every window of W turns matches the weights', async () => {
    const account = await createAccount(t);
    const [a, b, c] = await agents(account, 3);
    await rotation(account, { name: 'R', members: users([a, b, c], [1, 2, 3]) });
    const turns: string[] = [];
    for (let i = 0; i < 18; i++) turns.push((await assign(account))!.user);
    expect(turns.slice(0, 6)).toEqual([c, b, a, c, b, c].map((u) => u.email));
    for (let start = 0; start + 6 <= turns.length; start++) {
      const window = turns.slice(start, start + 6);
      expect([a, b, c].map((u) => window.filter((x) => x === u.email).length)).toEqual([1, 2, 3]);
    }
  });

  it("uses the team's active rotation, else the account's default; null when none serves", async () => {
    const account = await createAccount(t);
    const [a, b, c] = await agents(account, 3);
    const withRotation = await newTeam(account);
    const withInactiveRotation = await newTeam(account);
    const withoutRotation = await newTeam(account);

    expect(await assign(account)).toBeNull();
    expect(await assign(account, withRotation)).toBeNull();

    const teamRotation = await rotation(account, { name: 'T', teamId: withRotation, members: users([a]) });
    await rotation(account, { name: 'Off', teamId: withInactiveRotation, members: users([b]), active: false });
    expect(await assign(account, withRotation)).toMatchObject({ user: a.email, rotationId: teamRotation, skipped: [], fallbackFromTeamRotationId: null });
    expect(await assign(account)).toBeNull();
    expect(await assign(account, withoutRotation)).toBeNull();
    expect(await assign(account, withInactiveRotation)).toBeNull();

    const defaultRotation = await rotation(account, { name: 'D', members: users([c]) });
    for (const teamId of [null, withoutRotation, withInactiveRotation, 999_999]) {
      expect(await assign(account, teamId)).toMatchObject({ user: c.email, rotationId: defaultRotation, skipped: [], fallbackFromTeamRotationId: null });
    }
    expect((await assign(account, withRotation))!.rotationId).toBe(teamRotation);

    // A deleted team's rotation is deleted with it: its leads fall to the default.
    await account.owner.api.delete(`/teams/${withRotation}`);
    expect((await assign(account, withRotation))!.rotationId).toBe(defaultRotation);
    // An inactive default serves no one.
    await account.owner.api.patch(`/rotations/${defaultRotation}`, { active: false });
    expect(await assign(account, withoutRotation)).toBeNull();
  });

  it('skips members no longer active in the account, reporting why, and never assigns them', async () => {
    const account = await createAccount(t);
    const [a, b, c, d] = await agents(account, 4);
    const id = await rotation(account, { name: 'R', members: users([a, b, c, d]) });
    await account.owner.api.patch(`/members/${b.email}`, { active: false });
    await account.owner.api.delete(`/members/${d.email}`);
    const got: Assignment[] = [];
    for (let i = 0; i < 6; i++) got.push((await assign(account))!);
    expect(got.map((x) => x.user)).toEqual([a, c, a, c, a, c].map((u) => u.email));
    expect(got[0]).toMatchObject({
      user: a.email,
      rotationId: id,
      skipped: [
        { user: b.email, reason: 'inactive' },
        { user: d.email, reason: 'not_a_member' },
      ],
      fallbackFromTeamRotationId: null,
    });
    // Reactivated, b is back in turn (no reset: the position keeps counting).
    await account.owner.api.patch(`/members/${b.email}`, { active: true });
    const next = [];
    for (let i = 0; i < 6; i++) next.push((await assign(account))!.user);
    expect(next.filter((u) => u === b.email)).toHaveLength(2);
    expect(next).not.toContain(d.email);
  });

  it("falls back to the default when the team's rotation has no active member left", async () => {
    const account = await createAccount(t);
    const [a, b, c] = await agents(account, 3);
    const team = await newTeam(account);
    const teamRotation = await rotation(account, { name: 'T', teamId: team, members: users([a, b]) });
    const defaultRotation = await rotation(account, { name: 'D', members: users([c, a]) });
    await account.owner.api.patch(`/members/${a.email}`, { active: false });
    await account.owner.api.delete(`/members/${b.email}`);

    expect(await assign(account, team)).toMatchObject({
      user: c.email,
      rotationId: defaultRotation,
      skipped: [
        { user: a.email, reason: 'inactive' },
        { user: b.email, reason: 'not_a_member' },
      ],
      fallbackFromTeamRotationId: teamRotation,
    });
    // The team rotation was not advanced; the default was.
    expect((await account.owner.api.get(`/rotations/${defaultRotation}`)).body.nextUser).toBe(c.email);
    await account.owner.api.patch(`/members/${c.email}`, { active: false });
    expect(await assign(account, team)).toBeNull();
    await account.owner.api.patch(`/members/${a.email}`, { active: true });
    expect(await assign(account, team)).toMatchObject({ user: a.email, rotationId: teamRotation, fallbackFromTeamRotationId: null });
  });

  it("a rolled-back transaction gives its turn back", async () => {
    const account = await createAccount(t);
    const [a, b] = await agents(account, 2);
    await rotation(account, { name: 'R', members: users([a, b]) });
    await expect(
      dataSource.transaction(async (m) => {
        expect((await engine.nextAssignee(m, account.id, null))!.user).toBe(a.email);
        throw new Error('lead insert failed');
      }),
    ).rejects.toThrow('lead insert failed');
    expect((await assign(account))!.user).toBe(a.email);
    expect((await assign(account))!.user).toBe(b.email);
  });

  itReal("a team delete does not deadlock with a lead being created for that team through its rotation", async () => {
    const account = await createAccount(t);
    const [a] = await agents(account, 1);
    const team = await newTeam(account);
    await rotation(account, { name: 'T', teamId: team, members: users([a]) });
    let deleted: Promise<{ status: number }> | undefined;
    await dataSource.transaction(async (m) => {
      expect((await engine.nextAssignee(m, account.id, team))!.user).toBe(a.email);
      // The delete locks the team, then waits for the rotation row this transaction holds...
      deleted = account.owner.api.delete(`/teams/${team}`);
      await waitUntil(async () => {
        const [{ n }] = await dataSource.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE "rotations" SET %deleted_at%'`,
        );
        return n > 0;
      });
      // ...while this one, like a lead insert's foreign-key check, key-share-locks the team: no deadlock.
      await m.query(`SELECT 1 FROM teams WHERE account_id = $1 AND id = $2 FOR KEY SHARE`, [account.id, team]);
    });
    expect((await deleted!).status).toBe(204);
  });

  /** A manager whose first position update is preceded by `before` (an HTTP change committed in between). */
  const interleaved = (m: EntityManager, before: () => Promise<void>): EntityManager => {
    let done = false;
    return new Proxy(m, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver);
        return async (sql: string, params?: unknown[]) => {
          if (!done && sql.includes('SET position = position + 1')) {
            done = true;
            await before();
          }
          return target.query(sql, params);
        };
      },
    });
  };

  itReal('uses the new member list when it changed between reading the members and taking the slot', async () => {
    const account = await createAccount(t);
    const [a, b, c] = await agents(account, 3);
    const id = await rotation(account, { name: 'R', members: users([a, b, c]) });
    expect((await assign(account))!.user).toBe(a.email);

    const got = await dataSource.transaction((m) =>
      engine.nextAssignee(
        interleaved(m, async () => {
          expect((await account.owner.api.patch(`/rotations/${id}`, { members: users([c, b, a]) })).status).toBe(200);
        }),
        account.id,
        null,
      ),
    );
    // The PATCH restarted the rotation at c; the slot taken after it is slot 0 of the new list, not of the old.
    expect(got!.user).toBe(c.email);
    expect((await account.owner.api.get(`/rotations/${id}`)).body.nextUser).toBe(b.email);
    expect((await assign(account))!.user).toBe(b.email);
  });

  itReal('reads again when the chosen rotation was deactivated before its slot was taken', async () => {
    const account = await createAccount(t);
    const [a, b] = await agents(account, 2);
    const team = await newTeam(account);
    const teamRotation = await rotation(account, { name: 'T', teamId: team, members: users([a]) });
    const defaultRotation = await rotation(account, { name: 'D', members: users([b]) });
    const got = await dataSource.transaction((m) =>
      engine.nextAssignee(
        interleaved(m, async () => {
          expect((await account.owner.api.patch(`/rotations/${teamRotation}`, { active: false })).status).toBe(200);
        }),
        account.id,
        team,
      ),
    );
    expect(got).toMatchObject({ user: b.email, rotationId: defaultRotation, skipped: [], fallbackFromTeamRotationId: null });
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
