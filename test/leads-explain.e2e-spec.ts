import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/config.module';
import { openDataSource } from '../src/database/open-data-source';
import { runMigrationsLocked } from '../src/database/migration-runner';
import {
  leadListStatement,
  TRIGRAM_STEP_SETTINGS,
  type LeadListFilters,
  type LeadListStep,
  type Statement,
} from '../src/leads/leads.queries';
import { startTestApp, tokenFor, type TestApp } from './support/app';
import { call } from './support/http';
import { loadLeadVolume, volumeAssignee, volumeCreator } from './support/leads';
import { createRunDatabase, dropRunDatabase, usingRealPostgres } from './support/test-database';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const LeadSearchMigration = require('../migrations/1764250300000-LeadSearch.js');

/**
 * GET /leads at volume: the plans PostgreSQL makes for the very statements the service runs (built by
 * src/leads/leads.queries.ts), on LEADS_EXPLAIN_COUNT leads (default 200,000) in one account plus a tenth
 * of that in each of three other accounts, in a database of its own. Every plan must read leads through an
 * index, never a sequential scan. Then the q search is timed through HTTP and the medians are printed
 * (not asserted: the machine is shared). `LEADS_EXPLAIN_COUNT=1000000 npx jest test/leads-explain` measures
 * at a million; LEADS_EXPLAIN_KEEP=1 keeps the database afterwards (its name is printed) for a closer look.
 */
const COUNT = Number(process.env.LEADS_EXPLAIN_COUNT ?? 200_000);
const TIMED_RUNS = Number(process.env.LEADS_EXPLAIN_RUNS ?? 3);
const KEEP = process.env.LEADS_EXPLAIN_KEEP === '1';
const real = usingRealPostgres();
if (!real) {
  console.warn(
    'leads-explain: skipped on PGlite. Loading 200,000 leads and building their trigram index there takes minutes, and the plans ' +
      'that matter are PostgreSQL\'s; run the suites against a PostgreSQL server (the default when one answers).',
  );
}
const describeReal = real ? describe : describe.skip;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

const LEAD_INDEX_SCANS = ['Index Scan', 'Index Only Scan', 'Bitmap Index Scan'];

describeReal(`GET /leads plans at ${COUNT.toLocaleString('en')} leads in one account`, () => {
  let url: string;
  let db: DataSource;
  let accountId: string;
  let teams: number[];
  let sources: number[];
  let middle: { createdAt: string; id: number };
  /** Rare values: 30 leads each */
  const vip = 'vip@volume.test';
  let rareEmail: string;
  let rarePhone: string;

  beforeAll(async () => {
    const started = Date.now();
    url = await createRunDatabase();
    db = await openDataSource(loadConfig({ DATABASE_URL: url, NODE_ENV: 'test' }).database);
    await runMigrationsLocked(db);
    // Loading into a table without the search indexes, then building them, is many times faster than
    // maintaining them row by row; and it runs the migration's down and up once more.
    const runner = db.createQueryRunner();
    const search = new LeadSearchMigration();
    try {
      await search.down(runner);
      const accounts: { id: string }[] = await runner.query(`INSERT INTO accounts (name) SELECT 'volume ' || g FROM generate_series(1, 4) g RETURNING id`);
      accountId = accounts[0].id;
      for (const { id } of accounts) {
        await runner.query(`INSERT INTO teams (account_id, name) SELECT $1, 'Team ' || g FROM generate_series(1, 10) g`, [id]);
        await runner.query(
          `INSERT INTO lead_sources (account_id, team_id, name) SELECT $1, t.id, 'Source ' || g FROM teams t, generate_series(1, 3) g WHERE t.account_id = $1`,
          [id],
        );
        await loadLeadVolume(db, id, id === accountId ? COUNT : Math.ceil(COUNT / 10));
      }
      await runner.query('ANALYZE leads');
      // Rare values: 30 consecutive leads from the middle of the main account (its ids are consecutive).
      await runner.query(
        `UPDATE leads SET assigned_to = $2, process_stage = 'lost'
          WHERE account_id = $1 AND id BETWEEN (SELECT min(id) FROM leads WHERE account_id = $1) + $3
                                           AND (SELECT min(id) FROM leads WHERE account_id = $1) + $3 + 29`,
        [accountId, vip, Math.floor(COUNT / 2)],
      );
      await runner.query(`SET maintenance_work_mem = '256MB'`);
      await search.up(runner);
      // As after a while in production: statistics, hint bits and the visibility map set. (Left to autovacuum,
      // that work would run in the middle of the timings below.)
      await runner.query('VACUUM ANALYZE leads');
    } finally {
      await runner.release();
    }
    teams = (await db.query('SELECT id FROM teams WHERE account_id = $1 ORDER BY id', [accountId])).map((r: { id: number }) => r.id);
    sources = (await db.query('SELECT id FROM lead_sources WHERE account_id = $1 ORDER BY id', [accountId])).map((r: { id: number }) => r.id);
    [middle] = await db.query(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAt", id
         FROM leads WHERE account_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
      [accountId, Math.floor(COUNT / 2)],
    );
    const [rare] = await db.query(
      `SELECT split_part(email, '@', 1) AS email, right(phone, 7) AS phone FROM leads
        WHERE account_id = $1 AND NOT archived AND id >= (SELECT min(id) + 12345 FROM leads WHERE account_id = $1) ORDER BY id LIMIT 1`,
      [accountId],
    );
    rareEmail = rare.email;
    rarePhone = rare.phone;
    console.log(`leads-explain: ${COUNT.toLocaleString('en')} leads (+3 × ${Math.ceil(COUNT / 10).toLocaleString('en')}) loaded and indexed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 30 * 60_000);

  afterAll(async () => {
    await db?.destroy();
    if (url && KEEP) console.log(`leads-explain: kept ${url}`);
    else if (url) await dropRunDatabase(url);
  });

  const filters = (f: Partial<LeadListFilters>): LeadListFilters => ({ accountId, archived: false, ...f });

  async function plan(statement: Statement, step: LeadListStep): Promise<PlanNode> {
    return db.transaction(async (m) => {
      if (step === 'trigram') await m.query(TRIGRAM_STEP_SETTINGS);
      const [row] = await m.query(`EXPLAIN (FORMAT JSON) ${statement.text}`, statement.params);
      return row['QUERY PLAN'][0].Plan;
    });
  }

  /** Reads leads only through indexes; returns the index scans on leads. */
  function expectIndexedRead(root: PlanNode): PlanNode[] {
    const all = nodes(root);
    expect(all.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name'])).toEqual([]);
    const scans = all.filter((n) => LEAD_INDEX_SCANS.includes(n['Node Type']) && n['Index Name']?.startsWith('leads_'));
    expect(scans).not.toEqual([]);
    return scans;
  }

  // [label, filters, steps to explain]
  const cases: [string, () => Partial<LeadListFilters>, LeadListStep[]][] = [
    ['no filter (archived = false)', () => ({}), ['keyset']],
    ['archived = true', () => ({ archived: true }), ['keyset']],
    ['archived = all', () => ({ archived: null }), ['keyset']],
    ['teamId', () => ({ teamId: teams[3] }), ['keyset']],
    ['teamId, archived = all', () => ({ teamId: teams[3], archived: null }), ['keyset']],
    ['leadSourceId', () => ({ leadSourceId: sources[7] }), ['keyset']],
    ['assignedTo', () => ({ assignedTo: volumeAssignee(4) }), ['keyset']],
    ['assignedTo, rare', () => ({ assignedTo: vip }), ['keyset']],
    ['processStage', () => ({ processStage: 'qualified' }), ['keyset']],
    ['processStage, rare', () => ({ processStage: 'lost', archived: null }), ['keyset']],
    ['createdBy', () => ({ createdBy: volumeCreator(2) }), ['keyset']],
    ['createdFrom + createdTo', () => ({ createdFrom: '2025-12-20T00:00:00Z', createdTo: '2025-12-21T00:00:00Z' }), ['keyset']],
    ['teamId + assignedTo + processStage', () => ({ teamId: teams[1], assignedTo: volumeAssignee(7), processStage: 'won' }), ['keyset']],
    ['cursor in the middle', () => ({ after: middle }), ['keyset']],
    ['cursor in the middle, teamId', () => ({ after: middle, teamId: teams[5] }), ['keyset']],
    ['q, common', () => ({ q: 'smith' }), ['walk', 'trigram']],
    ['q, rare email', () => ({ q: rareEmail }), ['walk', 'trigram']],
    ['q, rare phone', () => ({ q: rarePhone }), ['walk', 'trigram']],
    ['q + teamId', () => ({ q: 'pizza', teamId: teams[2] }), ['walk', 'trigram']],
    ['q + assignedTo + cursor', () => ({ q: 'kim', assignedTo: volumeAssignee(1), after: middle }), ['walk', 'trigram']],
    ['q + archived = all', () => ({ q: 'apex coffee', archived: null }), ['walk', 'trigram']],
    ['q of two characters (walk only)', () => ({ q: 'zq' }), ['walk']],
  ];

  it.each(cases)('%s: leads read through an index, never a sequential scan', async (_label, make, steps) => {
    const f = filters(make());
    for (const step of steps) {
      const root = await plan(leadListStatement(f, step, 25), step);
      const scans = expectIndexedRead(root);
      if (step === 'keyset' || step === 'walk') {
        // Ordered by the index itself: no sort of everything that matches, whatever the account's size.
        expect(nodes(root).filter((n) => n['Node Type'] === 'Sort')).toEqual([]);
        expect(scans.some((s) => s['Node Type'] !== 'Bitmap Index Scan')).toBe(true);
      }
      if (step === 'trigram') expect(scans.map((s) => s['Index Name'])).toContain('leads_search_trgm_idx');
      if (f.after) {
        // The cursor bounds the index range (Index Cond), it is not a filter applied row by row.
        expect(scans.some((s) => /created_at/.test(s['Index Cond'] ?? ''))).toBe(true);
      }
    }
  });

  describe('timing q through HTTP (printed, not asserted)', () => {
    let app: TestApp;
    let token: string;
    beforeAll(async () => {
      app = await startTestApp({ DATABASE_URL: url });
      const email = 'timer@volume.test';
      await db.query(`INSERT INTO memberships (account_id, email, role) VALUES ($1, $2, 'viewer')`, [accountId, email]);
      token = tokenFor(app.config, email);
    });
    afterAll(() => app?.close());

    it('q search medians', async () => {
      const baseline: number[] = [];
      for (let run = 0; run <= TIMED_RUNS; run++) {
        const started = process.hrtime.bigint();
        expect((await call(app.app, { method: 'GET', url: '/leads', token, account: accountId })).status).toBe(200);
        if (run > 0) baseline.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      const terms: [string, string][] = [
        ['common first name', 'jessica'],
        ['common last name', 'smith'],
        ['company word', 'pizza'],
        ['domain', 'proton.me'],
        ['medium (~0.1%)', 'kim5'],
        ['medium, two words', 'apex coffee'],
        ['rare email', rareEmail],
        ['rare phone', rarePhone],
        ['miss', 'zzqxv'],
        ['two characters', 'ki'],
      ];
      const lines = [`  ${'no q (baseline)'.padEnd(20)} ${''.padEnd(22)} 25 found  p50 ${median(baseline).toFixed(1).padStart(7)} ms`];
      const all: number[] = [];
      for (const [label, q] of terms) {
        const times: number[] = [];
        let found = 0;
        for (let run = 0; run <= TIMED_RUNS; run++) {
          const started = process.hrtime.bigint();
          const res = await call(app.app, { method: 'GET', url: `/leads?q=${encodeURIComponent(q)}`, token, account: accountId });
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          expect(res.status).toBe(200);
          found = res.body.data.length;
          if (run > 0) times.push(ms); // the first run warms the cache
        }
        all.push(...times);
        lines.push(`  ${label.padEnd(20)} ${JSON.stringify(q).padEnd(22)} ${String(found).padStart(2)} found  p50 ${median(times).toFixed(1).padStart(7)} ms  max ${Math.max(...times).toFixed(1).padStart(7)} ms`);
      }
      lines.push(`  all q searches: p50 ${median(all).toFixed(1)} ms over ${all.length} requests`);
      console.log(`leads-explain: GET /leads?q=… at ${COUNT.toLocaleString('en')} leads in one account (${TIMED_RUNS} timed runs each)\n${lines.join('\n')}`);
    }, 10 * 60_000);
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
