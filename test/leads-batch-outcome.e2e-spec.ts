import { Client as PgClient } from 'pg';
import { startTestApp, type TestApp } from './support/app';
import { createAccount } from './support/builders';
import { createRotation, createTeam, MINIMAL_LEAD } from './support/leads';
import { StatementCutter } from './support/statement-cutter';
import { RUN_DATABASE_ENV, usingRealPostgres } from './support/test-database';

const describeOnPostgres = usingRealPostgres() ? describe : describe.skip;
if (!usingRealPostgres()) console.log('leads-batch-outcome: skipped (needs PostgreSQL: batches form only with concurrent statements, and a TCP connection to cut)');

/**
 * Leads of a busy team go together in one statement (a lone lead: a statement of its own). When the connection
 * is lost after that statement was sent, it may well have committed: the leads must not then be created again
 * by the checked path behind the client's back. Each of them gets 503 (outcome unknown), and no lead exists twice.
 */
describeOnPostgres('one-statement inserts whose outcome is unknown', () => {
  let t: TestApp;
  let cutter: StatementCutter;
  let direct: PgClient;

  beforeAll(async () => {
    const url = new URL(process.env[RUN_DATABASE_ENV]!);
    cutter = new StatementCutter(url.hostname, Number(url.port || 5432));
    direct = new PgClient({ connectionString: url.toString() });
    await direct.connect();
    url.port = String(await cutter.start());
    t = await startTestApp({ DATABASE_URL: url.toString() });
  });
  afterAll(async () => {
    await t.close().catch(() => undefined);
    await cutter.stop();
    await direct.end();
  });

  it('connection lost after the batch statement was sent: its leads answer 503, none is created twice, every turn has its lead', async () => {
    const account = await createAccount(t);
    const agents = [];
    for (let i = 0; i < 3; i++) agents.push((await account.member('agent')).email);
    const teamId = await createTeam(account.owner.api);
    const rotationId = await createRotation(account.owner.api, agents, teamId);
    expect((await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId })).status).toBe(201); // the plan is known now

    // the leads' JSON of a statement of two leads or more carries a second record
    const cut = cutter.arm('"ord":1,');
    const n = 24;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) => account.owner.api.post('/leads', { ...MINIMAL_LEAD, lastName: `Cut ${i}`, teamId })),
    );
    await cut;
    await new Promise((r) => setTimeout(r, 1200)); // the cut statement's server side has finished

    const unknown = answers.filter((a) => a.status === 503);
    expect(answers.every((a) => a.status === 201 || a.status === 503)).toBe(true);
    expect(unknown.length).toBeGreaterThan(0);
    for (const a of unknown) expect(a.body).toEqual({ error: expect.stringMatching(/may or may not have been created/) });

    const { rows } = await direct.query<{ last_name: string; copies: number }>(
      `SELECT last_name, count(*)::int AS copies FROM leads WHERE account_id = $1 AND last_name LIKE 'Cut %' GROUP BY last_name`,
      [account.id],
    );
    expect(rows.filter((r) => r.copies > 1)).toEqual([]); // nothing created twice
    const stored = new Set(rows.map((r) => r.last_name));
    answers.forEach((a, i) => {
      if (a.status === 201) expect(stored.has(`Cut ${i}`)).toBe(true);
    });
    // the statement did commit: some of the leads answered 503 exist (that is why they must not be retried)
    expect(answers.some((a, i) => a.status === 503 && stored.has(`Cut ${i}`))).toBe(true);

    const [{ position, leads, entries }] = (
      await direct.query(
        `SELECT (SELECT position FROM rotations WHERE id = $2)::int AS position,
                (SELECT count(*) FROM leads WHERE account_id = $1)::int AS leads,
                (SELECT count(*) FROM audit_log WHERE account_id = $1 AND event = 'lead_created')::int AS entries`,
        [account.id, rotationId],
      )
    ).rows;
    expect(leads).toBe(position); // every turn taken has its lead
    expect(entries).toBe(leads); // and every lead its entry
  });

  it('connection lost after a lone one-statement insert was sent: 503 "may or may not have been created", and it was created once', async () => {
    const account = await createAccount(t);
    const agent = (await account.member('agent')).email;
    const teamId = await createTeam(account.owner.api);
    await createRotation(account.owner.api, [agent], teamId);
    expect((await account.owner.api.post('/leads', { ...MINIMAL_LEAD, teamId })).status).toBe(201); // the plan is known now

    const cut = cutter.arm('Lone cut'); // in the Bind message of its statement
    const res = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, lastName: 'Lone cut', teamId });
    await cut;
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: expect.stringMatching(/may or may not have been created/) });
    await new Promise((r) => setTimeout(r, 1200));
    const { rows } = await direct.query(`SELECT count(*)::int AS n FROM leads WHERE account_id = $1 AND last_name = 'Lone cut'`, [account.id]);
    expect(rows[0].n).toBe(1);
  });
});
