import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import type { DataSource } from 'typeorm';
import { startTestApp, tokenFor, type TestApp } from './support/app';
import { createAccount, newEmail, type TestAccount } from './support/builders';
import { auditProblem, errorShapeProblem, fingerprints, internalsProblem, leakProblem, preview, type OtherAccountMarkers } from './support/fuzz-oracle';
import { generateRequest, ID_KINDS, routesOf, type FuzzRequest, type FuzzRoute, type FuzzWorld, type Principal } from './support/fuzz-openapi';
import { createLeadSource, createRotation, createTeam, dataSourceOf } from './support/leads';
import { usingRealPostgres } from './support/test-database';

/**
 * Hostile input on every route of the OpenAPI document (/docs-json): routes added later are fuzzed without
 * touching this file. For each generated request: never a 5xx; every error body is `{error, details?}`; a
 * 4xx changes nothing (fingerprint of the caller's account before/after); no request ever changes the other
 * account; no answer ever shows the other account's data.
 *
 * Seeded and reproducible: FUZZ_SEED (default below) and FUZZ_RUNS (cases per route). The seed is printed.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20231108);
/** On PGlite (one embedded session, about half as fast) fewer by default: the fuzz is mostly about the app. */
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? (usingRealPostgres() ? 100 : 30));
/** To reproduce or study one route: FUZZ_ROUTES='^POST /leads$' (a regex over "METHOD /path"); FUZZ_VERBOSE=1 prints every case. */
const ROUTE_FILTER = new RegExp(process.env.FUZZ_ROUTES ?? '');
const VERBOSE = process.env.FUZZ_VERBOSE === '1';
/** Failures kept in full per route and kind (all are counted). */
const KEEP_PER_KIND = 3;

interface Failure {
  route: string;
  problem: string;
  status: number;
  request: string;
  response: string;
}

/** A route's seed: the run's seed mixed with the route, so adding a route does not change the others' cases. */
function routeSeed(route: FuzzRoute): number {
  let h = SEED | 0;
  for (const c of `${route.method} ${route.path}`) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

/** Routes with bigger bodies get more cases (up to 3×): more fields, more combinations to reach. */
function runsFor(route: FuzzRoute): number {
  const fields = Object.keys(route.bodySchema?.properties ?? {}).length + route.queryParams.length;
  return Math.round(RUNS_PER_ROUTE * Math.min(3, 1 + fields / 12));
}

function describeRequest(r: FuzzRequest): string {
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, k === 'authorization' ? `<${r.principal}>` : preview(v, 120)]));
  return `${r.method} ${preview(r.url, 300)} headers=${JSON.stringify(headers)} body=${r.payload === undefined ? '(none)' : preview(r.payload, 400)}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function unsignedToken(payload: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

describe('fuzz: hostile input on every route of the OpenAPI document', () => {
  let t: TestApp;
  let db: DataSource;
  let own: TestAccount;
  let viewerEmail: string;
  let ownKeyId: number;
  let other: TestAccount;
  let markers: OtherAccountMarkers;
  let otherIds: FuzzWorld['ids'];
  let principals: FuzzWorld['principals'];
  let doc: any;

  beforeAll(async () => {
    // heal() restores roles in SQL behind the app's back, which a cached role would not see
    t = await startTestApp({ MEMBERSHIP_CACHE_MS: '0' });
    db = dataSourceOf(t);
    const docs = await t.app.inject({ method: 'GET', url: '/docs-json' });
    doc = JSON.parse(docs.body);

    // The caller's account, with a bit of everything.
    own = await createAccount(t, 'Fuzz own account');
    const agents = [await own.member('agent'), await own.member('agent')];
    viewerEmail = (await own.member('viewer')).email;
    const team = await createTeam(own.owner.api, 'Fuzz team');
    await createLeadSource(own.owner.api, team, 'Fuzz source');
    await createRotation(own.owner.api, agents.map((a) => a.email));
    await createTeam(own.owner.api, 'Fuzz team two');
    for (let i = 0; i < 3; i++) {
      const lead = await own.owner.api.post('/leads?skipTeamAndSourceRequirement=true', { firstName: 'Own', lastName: `Lead ${i}` });
      expect(lead.status).toBe(201);
    }
    const key = await own.owner.api.post('/api-keys', { name: 'fuzz key', role: 'admin' });
    expect(key.status).toBe(201);
    ownKeyId = key.body.id;

    // The other account: every piece of its data carries a marker that must never reach the caller.
    const secret = `BSECRET-${randomBytes(5).toString('hex')}`;
    other = await createAccount(t, `${secret} account`);
    const otherMembers = [];
    for (let i = 0; i < 3; i++) otherMembers.push(await other.member(i === 2 ? 'manager' : 'agent', `bmember-${randomBytes(4).toString('hex')}-${i}@example.com`));
    const otherTeam = await createTeam(other.owner.api, `${secret} team`);
    const otherSource = await createLeadSource(other.owner.api, otherTeam, `${secret} source`);
    await createTeam(other.owner.api, `${secret} team two`);
    await createRotation(other.owner.api, otherMembers.slice(0, 2).map((m) => m.email), otherTeam);
    await createRotation(other.owner.api, [otherMembers[2].email]);
    for (let i = 0; i < 3; i++) {
      const text = `${secret} lead ${i}`;
      const lead = await other.owner.api.post('/leads', {
        firstName: text, lastName: text, company: text, email: `${secret.toLowerCase()}-${i}@example.com`, phone: text, notes: text,
        teamId: otherTeam, leadSourceId: otherSource, processStage: text, source: text,
      });
      expect(lead.status).toBe(201);
    }
    const otherKey = await other.owner.api.post('/api-keys', { name: `${secret} key`, role: 'admin' });
    expect(otherKey.status).toBe(201);
    markers = {
      ownAccountId: own.id,
      secret,
      sendable: [other.owner.email, ...otherMembers.map((m) => m.email), otherKey.body.key, otherKey.body.prefix],
    };
    otherIds = await idsOf(other.id);

    const now = Math.floor(Date.now() / 1000);
    principals = [
      { weight: 78, principal: { label: 'owner JWT', authorization: `Bearer ${own.owner.token}` } },
      { weight: 6, principal: { label: 'viewer JWT', authorization: `Bearer ${tokenFor(t.config, viewerEmail)}` } },
      { weight: 5, principal: { label: 'own admin API key', authorization: `Bearer ${key.body.key}` } },
      { weight: 3, principal: { label: 'stranger JWT', authorization: `Bearer ${tokenFor(t.config, newEmail('stranger'))}` } },
      { weight: 2, principal: { label: "other account's API key", authorization: `Bearer ${otherKey.body.key}`, otherAccount: true } },
      { weight: 2, principal: { label: 'no Authorization' } },
      ...(
        [
          ['garbage bearer', `Bearer ${"' OR 1=1 --"}`],
          ['basic auth', 'Basic YWRtaW46YWRtaW4='],
          ['alg none JWT', `Bearer ${unsignedToken({ sub: own.owner.email, email: own.owner.email, exp: now + 3600 })}`],
          ['wrong-secret JWT', `Bearer ${sign({ sub: own.owner.email, email: own.owner.email }, 'not-the-secret-0123456789', { expiresIn: 3600 })}`],
          ['unknown API key', 'Bearer ldk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
          ['empty bearer', 'Bearer '],
        ] as const
      ).map(([label, authorization]): { weight: number; principal: Principal } => ({ weight: 1, principal: { label, authorization } })),
    ];
  }, 120000);

  afterAll(async () => {
    await t?.close();
  });

  /** Ids of an account's records, newest first, per kind (the pools the generator draws from). */
  async function idsOf(accountId: string): Promise<FuzzWorld['ids']> {
    const tables: Record<Exclude<(typeof ID_KINDS)[number], 'accounts'>, string> = {
      teams: 'teams',
      'lead-sources': 'lead_sources',
      rotations: 'rotations',
      leads: 'leads',
      'api-keys': 'api_keys',
      'audit-logs': 'audit_log',
    };
    const ids = { accounts: { own: [accountId], other: [] as string[] } } as FuzzWorld['ids'];
    for (const [kind, table] of Object.entries(tables)) {
      const rows: { id: string }[] = await db.query(`SELECT id::text FROM ${table} WHERE account_id = $1 ORDER BY id DESC LIMIT 40`, [accountId]);
      ids[kind as keyof typeof tables] = { own: rows.map((r) => r.id), other: [] };
    }
    return ids;
  }

  async function worldNow(): Promise<FuzzWorld> {
    const ownIds = await idsOf(own.id);
    const ids = {} as FuzzWorld['ids'];
    for (const kind of ID_KINDS) ids[kind] = { own: ownIds[kind].own, other: kind === 'accounts' ? [other.id] : otherIds[kind].own };
    const emails: { email: string }[] = await db.query('SELECT email FROM memberships WHERE account_id = $1 ORDER BY updated_at DESC LIMIT 40', [own.id]);
    return {
      ownAccount: own.id,
      otherAccount: other.id,
      ids,
      emails: { own: emails.map((e) => e.email), other: markers.sendable.filter((s) => s.includes('@')) },
      principals,
    };
  }

  /**
   * A 2xx may legitimately take away what the next cases need (demote or remove the owner, deactivate the
   * viewer, revoke the key); put those back behind the API so the fuzz keeps reaching deep into every route.
   */
  async function heal(): Promise<boolean> {
    const [state] = await db.query(
      `SELECT (SELECT role || ':' || active FROM memberships WHERE account_id = $1 AND email = $2) AS owner,
              (SELECT role || ':' || active FROM memberships WHERE account_id = $1 AND email = $3) AS viewer,
              (SELECT revoked_at IS NULL FROM api_keys WHERE account_id = $1 AND id = $4) AS key_live`,
      [own.id, own.owner.email, viewerEmail, ownKeyId],
    );
    let healed = false;
    for (const [email, role, now] of [[own.owner.email, 'owner', state.owner], [viewerEmail, 'viewer', state.viewer]]) {
      if (now === `${role}:true`) continue;
      await db.query(
        `INSERT INTO memberships (account_id, email, role, active) VALUES ($1, $2, $3, true)
         ON CONFLICT (account_id, email) DO UPDATE SET role = EXCLUDED.role, active = true, updated_at = now()`,
        [own.id, email, role],
      );
      healed = true;
    }
    if (!state.key_live) {
      await db.query('UPDATE api_keys SET revoked_at = NULL WHERE account_id = $1 AND id = $2', [own.id, ownKeyId]);
      healed = true;
    }
    return healed;
  }

  it('the oracle sees a change, a leak and a wrong error shape (so the fuzz can fail)', async () => {
    const before = await fingerprints(db, own.id, other.id);
    expect((await own.owner.api.get('/teams')).status).toBe(200);
    expect(await fingerprints(db, own.id, other.id)).toEqual(before);
    expect((await own.owner.api.post('/teams', { name: `Oracle ${randomBytes(3).toString('hex')}` })).status).toBe(201);
    const after = await fingerprints(db, own.id, other.id);
    expect(after.own).not.toBe(before.own);
    expect(after.other).toBe(before.other);
    expect(auditProblem('POST', 201, before.own, after.own)).toBeNull();
    // A change that wrote no entry, and an entry written by a 4xx, are both seen.
    await db.query("UPDATE teams SET name = name || ' (renamed)', updated_at = now() WHERE account_id = $1", [own.id]);
    const unaudited = await fingerprints(db, own.id, other.id);
    expect(auditProblem('PATCH', 200, after.own, unaudited.own)).toMatch(/without an audit entry/);
    expect(auditProblem('PATCH', 200, after.own, after.own)).toBeNull();
    expect(auditProblem('POST', 400, before.own, after.own)).toMatch(/wrote an audit entry/);

    const otherEmail = markers.sendable[1];
    expect(leakProblem(`{"name":"${markers.secret.toLowerCase()} team"}`, {}, 'GET /teams', markers, new Set())).not.toBeNull();
    expect(leakProblem(`{"email":"${otherEmail}"}`, {}, 'GET /members', markers, new Set())).not.toBeNull();
    expect(leakProblem(`{"error":"${otherEmail} is not a member"}`, {}, `POST /members {"email":"${otherEmail}"}`, markers, new Set())).toBeNull();
    expect(leakProblem(`{"email":"${otherEmail}"}`, {}, 'GET /members', markers, new Set([otherEmail.toLowerCase()]))).toBeNull();
    expect(leakProblem('{}', { data: [{ accountId: other.id }] }, 'GET /teams', markers, new Set())).not.toBeNull();
    expect(errorShapeProblem({ error: 'Bad Request', code: 'FST_ERR_BAD_URL', message: 'x', statusCode: 400 })).not.toBeNull();
    expect(errorShapeProblem({ error: 'Request validation failed', details: [{ field: 'a', message: 'b' }] })).toBeNull();
  });

  it('never answers 5xx, keeps the error shape, changes nothing on a 4xx and never shows the other account', async () => {
    const routes = routesOf(doc);
    // The document must be the app's whole surface: a few routes every version has.
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['POST /leads', 'GET /teams', 'POST /accounts', 'GET /audit-logs']));

    const histogram: Record<string, number> = {};
    const perRoute: string[] = [];
    const failures: Failure[] = [];
    const kept = new Map<string, number>();
    const adopted = new Set<string>();
    let cases = 0;
    let heals = 0;
    const started = Date.now();
    let { own: baseOwn, other: baseOther } = await fingerprints(db, own.id, other.id);

    for (const route of routes.filter((r) => ROUTE_FILTER.test(`${r.method} ${r.path}`))) {
      const label = `${route.method} ${route.path}`;
      const routeStatuses: Record<number, number> = {};
      const routeStarted = Date.now();
      const world = await worldNow();
      const fail = (problem: string, req: FuzzRequest, status: number, response: string) => {
        const kind = `${label} | ${status} | ${problem.replace(/\d+/g, 'N').slice(0, 80)}`;
        const n = (kept.get(kind) ?? 0) + 1;
        kept.set(kind, n);
        if (n <= KEEP_PER_KIND) failures.push({ route: label, problem, status, request: describeRequest(req), response: preview(response, 400) });
        else failures.push({ route: label, problem, status, request: '(same kind as above)', response: '' });
      };

      await fc.assert(
        fc.asyncProperty(fc.gen(), async (g) => {
          const req = generateRequest(g, route, world);
          cases++;
          let res;
          try {
            res = await t.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload });
          } catch (error) {
            fail(`the request could not be sent or answered: ${(error as Error).message}`, req, 0, '');
            return true;
          }
          const status = res.statusCode;
          histogram[status] = (histogram[status] ?? 0) + 1;
          routeStatuses[status] = (routeStatuses[status] ?? 0) + 1;
          const text = res.body;
          const requestText = `${req.url} ${safeDecode(req.url)} ${JSON.stringify(req.headers)} ${req.payload ?? ''}`;
          if (VERBOSE) console.log(`${describeRequest(req)}\n  -> ${status} ${preview(text, 300)}`);

          if (status >= 500) fail(`${status} answer`, req, status, text);
          let body: unknown = text;
          const contentType = String(res.headers['content-type'] ?? '');
          if (contentType.includes('json') && !contentType.includes('ndjson') && text.length > 0) {
            try {
              body = JSON.parse(text);
            } catch {
              fail('answer is not the JSON its content-type says', req, status, text);
            }
          }
          if (status >= 400) {
            const shape = errorShapeProblem(body);
            if (shape) fail(shape, req, status, text);
          }
          const internals = internalsProblem(text, requestText);
          if (internals) fail(internals, req, status, text);
          // API.md section 12: an account's access log shows who was refused against it (the other account's key
          // here), by email; that is the record's purpose, not a leak. Everything else in the answer is checked.
          const seen = label === 'GET /access-logs' && status === 200 ? withoutRefusedCallers(body) : body;
          const leak = leakProblem(seen === body ? text : JSON.stringify(seen), seen, requestText, markers, adopted);
          if (leak) fail(`LEAK: ${leak}`, req, status, text);

          const { own: nowOwn, other: nowOther } = await fingerprints(db, own.id, other.id);
          if (nowOther !== baseOther) {
            fail(`the other account's data changed: ${baseOther} -> ${nowOther}`, req, status, text);
            baseOther = nowOther;
          }
          if (status >= 400 && nowOwn !== baseOwn) fail(`a ${status} changed data: ${baseOwn} -> ${nowOwn}`, req, status, text);
          const audit = auditProblem(req.method, status, baseOwn, nowOwn);
          if (audit) fail(audit, req, status, text);
          baseOwn = nowOwn;
          if (status >= 200 && status < 300) {
            // What a 2xx stored in the caller's own account is the caller's now (an invited email, say).
            for (const v of markers.sendable) if (requestText.toLowerCase().includes(v.toLowerCase())) adopted.add(v.toLowerCase());
            if (await heal()) {
              heals++;
              baseOwn = (await fingerprints(db, own.id, other.id)).own;
            }
          }
          return true;
        }),
        { seed: routeSeed(route), numRuns: runsFor(route), endOnFailure: true },
      );
      perRoute.push(`  ${label.padEnd(40)} ${runsFor(route)} cases ${JSON.stringify(routeStatuses)} ${Date.now() - routeStarted} ms`);
    }

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const kinds = [...kept.entries()].map(([kind, n]) => `  ${n} × ${kind}`);
    console.log(
      [
        `fuzz: seed ${SEED} (FUZZ_SEED), on ${usingRealPostgres() ? 'PostgreSQL' : 'PGlite'}, ${RUNS_PER_ROUTE} cases per route (FUZZ_RUNS; up to 3× for routes with many fields), ${routes.length} routes from /docs-json: ${cases} cases in ${seconds} s`,
        `fuzz: statuses ${JSON.stringify(histogram)}; ${heals} heals of the caller's own access after a 2xx`,
        ...perRoute,
        `fuzz: ${failures.length} failures${failures.length ? ':' : ' (none)'}`,
        ...kinds,
      ].join('\n'),
    );
    expect(failures.filter((f) => f.request !== '(same kind as above)')).toEqual([]);
  }, 600000);
});

/** An access-log page with the `user` of refused requests (401, 403, 429) blanked. */
function withoutRefusedCallers(body: unknown): unknown {
  const page = body as { data?: { status: number; user: string | null }[] };
  if (!Array.isArray(page?.data)) return body;
  return { ...page, data: page.data.map((r) => ([401, 403, 429].includes(r.status) ? { ...r, user: null } : r)) };
}
