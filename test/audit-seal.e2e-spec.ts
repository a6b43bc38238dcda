import { createHmac } from 'node:crypto';
import { AUDIT_SEAL_JOB } from '../src/audit/audit-seal.service';
import { JobRunner } from '../src/jobs/job-runner';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { call } from './support/http';
import { createTeam, dataSourceOf } from './support/leads';
import { usingRealPostgres } from './support/test-database';

const SEAL_KEY = 'seal-key-for-tests-0123456789';

interface Seal {
  id: string;
  first_entry_id: string;
  last_entry_id: string;
  entry_ids: string[];
  previous_hash: string | null;
  hash: string;
  algorithm: string;
}

describe('audit seals and GET /audit-logs/verify (API.md section 13)', () => {
  // a backlog another suite bulk-inserted into the shared database is sealed before this suite's entries
  jest.setTimeout(180_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUDIT_SEAL_KEY: SEAL_KEY, AUDIT_SEAL_INTERVAL_S: '1' });
  });
  afterAll(() => t.close());

  const db = () => dataSourceOf(t);
  const seals = async (accountId: string): Promise<Seal[]> =>
    db().query(
      `SELECT id::text, first_entry_id::text, last_entry_id::text, entry_ids::text[] AS entry_ids, previous_hash, hash, algorithm
         FROM audit_seals WHERE account_id = $1 ORDER BY audit_seals.last_entry_id`,
      [accountId],
    );
  const lastEntryId = async (accountId: string): Promise<string> =>
    (await db().query(`SELECT max(id)::text AS id FROM audit_log WHERE account_id = $1`, [accountId]))[0].id;

  /** Runs the seal job (in this process) until the account's entries so far are all sealed. */
  async function sealAll(accountId: string): Promise<Seal[]> {
    const last = await lastEntryId(accountId);
    // generous: the run's database is shared, and another suite's bulk insert is sealed first (in id order)
    const deadline = Date.now() + 90000;
    for (;;) {
      await t.app.get(JobRunner).runNow(AUDIT_SEAL_JOB);
      const made = await seals(accountId);
      if (made.length > 0 && BigInt(made[made.length - 1].last_entry_id) >= BigInt(last)) return made;
      if (Date.now() > deadline) throw new Error(`entries of account ${accountId} not sealed within 90 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** An account whose entries are in three seals at least, two teams' entries each. */
  async function sealedAccount(): Promise<{ account: TestAccount; chain: Seal[] }> {
    const account = await createAccount(t);
    for (let round = 0; round < 3; round++) {
      await createTeam(account.owner.api);
      // an id taken and never used (as by a rolled-back transaction): a gap a forged entry can be inserted into
      await db().query(`SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))`);
      await createTeam(account.owner.api);
      await sealAll(account.id);
    }
    return { account, chain: await seals(account.id) };
  }

  const verify = (account: TestAccount, query = '') => account.owner.api.get(`/audit-logs/verify${query}`);

  /** Changes the table as a database superuser would, with the append-only trigger off (this session only). */
  async function tamper(sql: string, params: unknown[]): Promise<void> {
    await db().transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      await m.query(sql, params);
    });
  }

  it('seals in the background within AUDIT_SEAL_INTERVAL_S, chained, keyed; an untouched log verifies', async () => {
    const account = await createAccount(t);
    await createTeam(account.owner.api);
    const last = await lastEntryId(account.id);
    const deadline = Date.now() + 10000;
    let chain: Seal[] = [];
    while (Date.now() < deadline) {
      chain = await seals(account.id);
      if (chain.length > 0 && BigInt(chain[chain.length - 1].last_entry_id) >= BigInt(last)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(chain.length).toBeGreaterThan(0);
    expect(BigInt(chain[chain.length - 1].last_entry_id)).toBeGreaterThanOrEqual(BigInt(last));
    expect(chain[0]).toMatchObject({ previous_hash: null, algorithm: 'hmac-sha256' });
    chain.slice(1).forEach((seal, i) => expect(seal.previous_hash).toBe(chain[i].hash));
    const res = await verify(account);
    expect(res.status).toBe(200);
    const entries = Number((await db().query(`SELECT count(*) FROM audit_log WHERE account_id = $1 AND id <= $2`, [account.id, chain[chain.length - 1].last_entry_id]))[0].count);
    expect(res.body).toEqual({ ok: true, entries, seals: chain.length, firstMismatch: null });
  });

  it('can be recomputed from the export with the README recipe (canonical JSON, HMAC-SHA256 chained)', async () => {
    const { account, chain } = await sealedAccount();
    const exported = await t.app.inject({ method: 'GET', url: '/audit-logs/export?format=ndjson', headers: { authorization: `Bearer ${account.owner.token}`, 'x-account-id': account.id } });
    expect(exported.statusCode).toBe(200);
    const entries = exported.body.trim().split('\n').map((line) => JSON.parse(line));
    // The README's recipe, as an auditor would run it: the 14 sealed fields of each exported entry.
    const SEALED = ['account_id', 'apiKey', 'created', 'data', 'entityId', 'entityType', 'event', 'id', 'requestHeaders', 'requestId', 'requestIpAddress', 'requestMethod', 'requestPath', 'user'];
    const pick = (e: Record<string, unknown>) => Object.fromEntries(SEALED.map((k) => [k, e[k] ?? null]));
    const canonical = (v: unknown): string =>
      v === null || typeof v !== 'object'
        ? JSON.stringify(v)
        : Array.isArray(v)
          ? `[${v.map(canonical).join(',')}]`
          : `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
    let previous = '';
    for (const seal of chain) {
      const covered = entries.filter((e) => seal.entry_ids.includes(String(e.id)));
      const hmac = createHmac('sha256', SEAL_KEY).update(previous);
      for (const e of covered) hmac.update(canonical(pick(e)) + '\n');
      expect(hmac.digest('hex')).toBe(seal.hash);
      previous = seal.hash;
    }
  });

  it('seals a backlog in slices, at most 1,000 entries a seal, and it verifies', async () => {
    const account = await createAccount(t);
    await db().query(
      `INSERT INTO audit_log (account_id, event, entity_type, entity_id, user_email, data)
       SELECT $1, 'lead_created', 'lead', g::text, $2, jsonb_build_object('n', g) FROM generate_series(1, 12000) g`,
      [account.id, account.owner.email],
    );
    const chain = await sealAll(account.id);
    expect(chain.length).toBeGreaterThanOrEqual(13);
    expect(Math.max(...chain.map((seal) => seal.entry_ids.length))).toBeLessThanOrEqual(1000);
    expect(chain.reduce((n, seal) => n + seal.entry_ids.length, 0)).toBe(Number((await db().query(`SELECT count(*) FROM audit_log WHERE account_id = $1`, [account.id]))[0].count));
    expect((await verify(account)).body).toMatchObject({ ok: true, seals: chain.length, firstMismatch: null });
  });

  it.each([
    ['an entry edited', 'edit'],
    ['an entry deleted', 'delete'],
    ['an entry inserted', 'insert'],
    ['a seal altered', 'seal'],
  ])('detects %s directly in the database, naming the seal', async (_name, kind) => {
    const { account, chain } = await sealedAccount();
    expect(chain.length).toBeGreaterThanOrEqual(3);
    expect((await verify(account)).body.ok).toBe(true);
    let target = chain[1];
    let entryId: string;
    if (kind === 'edit') {
      // how many entries a seal covers depends on the other suites writing at the same time: any of them will do
      entryId = target.entry_ids[Math.min(1, target.entry_ids.length - 1)];
      await tamper(`UPDATE audit_log SET data = jsonb_set(data, '{name}', '"forged"') WHERE id = $1`, [entryId]);
    } else if (kind === 'delete') {
      entryId = target.entry_ids[0];
      await tamper(`DELETE FROM audit_log WHERE id = $1`, [entryId]);
    } else if (kind === 'insert') {
      // an id no entry has, inside the range a seal covers (after the previous seal's last entry, up to its own):
      // the ids burned while the account was made lie in such ranges; the seal that covers it is the one named
      let found: { id: string; seal: Seal } | null = null;
      for (let i = 1; i < chain.length && !found; i++) {
        const [{ gap }] = await db().query(
          `SELECT min(s)::text AS gap FROM generate_series($1::bigint + 1, $2::bigint) s WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE id = s)`,
          [chain[i - 1].last_entry_id, chain[i].last_entry_id],
        );
        if (gap) found = { id: gap, seal: chain[i] };
      }
      expect(found).not.toBeNull();
      entryId = found!.id;
      target = found!.seal;
      await tamper(
        `INSERT INTO audit_log (id, account_id, event, entity_type, entity_id, user_email, data)
         VALUES ($1, $2, 'team_deleted', 'team', '1', $3, '{}')`,
        [entryId, account.id, account.owner.email],
      );
    } else {
      entryId = target.first_entry_id;
      await tamper(`UPDATE audit_seals SET hash = repeat('0', 64) WHERE id = $1`, [target.id]);
    }
    const res = await verify(account);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, seals: chain.length, firstMismatch: { sealId: Number(target.id), entryId: Number(entryId) } });
  });

  it('limits the check to the seals made in [from, to), validates them, and is for admins and owners only', async () => {
    const { account, chain } = await sealedAccount();
    expect((await verify(account, '?from=2020-01-01&to=2020-01-02')).body).toEqual({ ok: true, entries: 0, seals: 0, firstMismatch: null });
    expect((await verify(account, `?from=${new Date(Date.now() - 60_000).toISOString()}`)).body).toMatchObject({ ok: true, seals: chain.length });
    expect((await verify(account, '?from=monday')).status).toBe(400);
    const manager = await account.member('manager');
    expect((await manager.api.get('/audit-logs/verify')).status).toBe(403);
    const admin = await account.member('admin');
    expect((await admin.api.get('/audit-logs/verify')).status).toBe(200);
    expect((await call(t.app, { method: 'GET', url: '/audit-logs/verify' })).status).toBe(401);
  });

  // Needs two connections at once: an entry's transaction open while the seal job runs.
  (usingRealPostgres() ? it : it.skip)('never seals past an entry whose transaction is still open (ids commit out of order) [PostgreSQL only]', async () => {
    const account = await createAccount(t);
    await sealAll(account.id);
    const runner = db().createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [{ id: lateId }] = await runner.query(
        `INSERT INTO audit_log (account_id, event, entity_type, entity_id, user_email) VALUES ($1, 'team_created', 'team', '1', $2) RETURNING id::text`,
        [account.id, account.owner.email],
      );
      await createTeam(account.owner.api); // a higher id, committed first
      const later = await lastEntryId(account.id);
      expect(BigInt(later)).toBeGreaterThan(BigInt(lateId));
      for (let i = 0; i < 6; i++) {
        await t.app.get(JobRunner).runNow(AUDIT_SEAL_JOB);
        await new Promise((r) => setTimeout(r, 150));
      }
      const sealedBefore = await seals(account.id);
      expect(sealedBefore.some((seal) => BigInt(seal.last_entry_id) >= BigInt(lateId))).toBe(false);
      await runner.commitTransaction();
      const chain = await sealAll(account.id);
      expect(chain.flatMap((seal) => seal.entry_ids)).toEqual(expect.arrayContaining([lateId, later]));
      expect((await verify(account)).body).toMatchObject({ ok: true, firstMismatch: null });
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });

  // Two application instances on one database, both sealing every half second.
  (usingRealPostgres() ? it : it.skip)('seals each entry exactly once when several processes run the job [PostgreSQL only]', async () => {
    const second = await startTestApp({ AUDIT_SEAL_KEY: SEAL_KEY, AUDIT_SEAL_INTERVAL_S: '1' });
    try {
      const account = await createAccount(t);
      for (let i = 0; i < 6; i++) {
        await createTeam(account.owner.api);
        await Promise.all([t.app.get(JobRunner).runNow(AUDIT_SEAL_JOB), second.app.get(JobRunner).runNow(AUDIT_SEAL_JOB)]);
      }
      const chain = await sealAll(account.id);
      const ids = chain.flatMap((seal) => seal.entry_ids);
      expect(new Set(ids).size).toBe(ids.length);
      chain.slice(1).forEach((seal, i) => expect(seal.previous_hash).toBe(chain[i].hash));
      expect((await verify(account)).body).toMatchObject({ ok: true, firstMismatch: null });
    } finally {
      await second.close();
    }
  });
});
