import { WALK_ROWS_PER_PAGE_ROW } from '../src/leads/leads.queries';
import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount, type TestUser } from './support/builders';
import { describeDenials } from './support/denial';
import type { Client } from './support/http';
import { createLead, createLeadSource, createTeam, dataSourceOf, insertLeads, MINIMAL_LEAD, type LeadSeedRow } from './support/leads';

const ids = (body: { data: { id: number }[] }) => body.data.map((l) => l.id);

/** Every page of `path` (a query string may be in it), following nextCursor; the ids in the order served. */
async function allPages(api: Client, path: string, between?: () => Promise<void>): Promise<number[]> {
  const seen: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res: { status: number; body: { data: { id: number }[]; nextCursor: string | null } } = await api.get(
      cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path,
    );
    expect(res.status).toBe(200);
    seen.push(...ids(res.body));
    cursor = res.body.nextCursor;
    if (cursor === null) return seen;
    await between?.();
  }
  throw new Error('more than 1000 pages');
}

describe('GET /leads', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describeDenials('GET /leads', () => t, [{ method: 'GET', path: '/leads', role: 'viewer' }]);

  it('answers {data, nextCursor}: newest first, each Lead as created but without auditLog; a viewer may list', async () => {
    const account = await createAccount(t);
    const viewer = await account.member('viewer');
    const first = await createLead(account.owner.api, { ...MINIMAL_LEAD, email: 'ada@example.com', notes: 'first' });
    const second = await createLead(account.owner.api, { firstName: 'Grace', lastName: 'Hopper', monthlyTransactionVolume: 12345 });
    const res = await viewer.api.get('/leads');
    expect(res.status).toBe(200);
    const { auditLog: _a, ...secondWithoutLog } = second;
    const { auditLog: _b, ...firstWithoutLog } = first;
    expect(res.body).toEqual({ data: [secondWithoutLog, firstWithoutLog], nextCursor: null });
    expect(res.body.data[0]).not.toHaveProperty('auditLog');
  });

  it('an empty account: no leads, no cursor', async () => {
    const account = await createAccount(t);
    expect((await account.owner.api.get('/leads')).body).toEqual({ data: [], nextCursor: null });
  });

  describe('filters', () => {
    let account: TestAccount;
    let api: Client;
    let agent: TestUser;
    let other: TestUser;
    let teamA: number;
    let teamB: number;
    let sourceA1: number;
    let sourceA2: number;
    let sourceB1: number;
    /** name → id */
    const lead: Record<string, number> = {};

    beforeAll(async () => {
      account = await createAccount(t);
      api = account.owner.api;
      agent = await account.member('agent');
      other = await account.member('agent');
      teamA = await createTeam(api, 'Team A');
      teamB = await createTeam(api, 'Team B');
      sourceA1 = await createLeadSource(api, teamA, 'A1');
      sourceA2 = await createLeadSource(api, teamA, 'A2');
      sourceB1 = await createLeadSource(api, teamB, 'B1');
      const make = async (name: string, body: Record<string, unknown>) => {
        lead[name] = (await createLead(api, { firstName: name, lastName: 'Filter', ...body }, '?skipTeamAndSourceRequirement=true')).id;
      };
      // Created in this order, so newest first is the reverse.
      await make('a1-agent-new', { teamId: teamA, leadSourceId: sourceA1, assignedTo: agent.email, processStage: 'new', createdBy: agent.email });
      await make('a1-other-won', { teamId: teamA, leadSourceId: sourceA1, assignedTo: other.email, processStage: 'won', createdBy: 'importer@example.com' });
      await make('a2-agent-won', { teamId: teamA, leadSourceId: sourceA2, assignedTo: agent.email, processStage: 'won' });
      await make('b1-agent-new-archived', { teamId: teamB, leadSourceId: sourceB1, assignedTo: agent.email, processStage: 'new', archived: true });
      await make('b1-other-New', { teamId: teamB, leadSourceId: sourceB1, assignedTo: other.email, processStage: 'New', createdBy: agent.email });
      await make('none-unassigned', {});
    });

    const cases: [string, string, string[]][] = [
      ['no filter: live leads only', '', ['none-unassigned', 'b1-other-New', 'a2-agent-won', 'a1-other-won', 'a1-agent-new']],
      ['archived=false (the default, said)', '?archived=false', ['none-unassigned', 'b1-other-New', 'a2-agent-won', 'a1-other-won', 'a1-agent-new']],
      ['archived=true', '?archived=true', ['b1-agent-new-archived']],
      ['archived=all', '?archived=all', ['none-unassigned', 'b1-other-New', 'b1-agent-new-archived', 'a2-agent-won', 'a1-other-won', 'a1-agent-new']],
      ['teamId', '?teamId=$teamA', ['a2-agent-won', 'a1-other-won', 'a1-agent-new']],
      ['teamId + archived=all', '?teamId=$teamB&archived=all', ['b1-other-New', 'b1-agent-new-archived']],
      ['leadSourceId', '?leadSourceId=$sourceA1', ['a1-other-won', 'a1-agent-new']],
      ['leadSourceId of another team', '?leadSourceId=$sourceB1', ['b1-other-New']],
      ['teamId + leadSourceId that do not go together', '?teamId=$teamA&leadSourceId=$sourceB1', []],
      ['assignedTo', '?assignedTo=$agent', ['a2-agent-won', 'a1-agent-new']],
      ['assignedTo, in capitals', '?assignedTo=$agentUpper', ['a2-agent-won', 'a1-agent-new']],
      ['assignedTo + archived=true', '?assignedTo=$agent&archived=true', ['b1-agent-new-archived']],
      ['assignedTo + teamId', '?assignedTo=$other&teamId=$teamB', ['b1-other-New']],
      ['processStage (exact, case-sensitive)', '?processStage=new', ['a1-agent-new']],
      ['processStage New', '?processStage=New', ['b1-other-New']],
      ['processStage + teamId + archived=all', '?processStage=new&teamId=$teamB&archived=all', ['b1-agent-new-archived']],
      ['createdBy', '?createdBy=$agent', ['b1-other-New', 'a1-agent-new']],
      ['createdBy the owner (the default creator)', '?createdBy=$owner', ['none-unassigned', 'a2-agent-won']],
      ['createdBy + processStage', '?createdBy=importer@example.com&processStage=won', ['a1-other-won']],
      ['createdBy + assignedTo + teamId + leadSourceId + processStage', '?createdBy=$agent&assignedTo=$agent&teamId=$teamA&leadSourceId=$sourceA1&processStage=new', ['a1-agent-new']],
      ['q + teamId', '?q=won&teamId=$teamA', ['a2-agent-won', 'a1-other-won']],
      ['q + archived=all', '?q=agent-new&archived=all', ['b1-agent-new-archived', 'a1-agent-new']],
      ['q + leadSourceId + assignedTo', '?q=filter&leadSourceId=$sourceA1&assignedTo=$other', ['a1-other-won']],
      ['a team of no lead', '?teamId=2147483647', []],
      ['a user with no lead', '?assignedTo=nobody@example.com', []],
    ];

    it.each(cases)('%s', async (_label, query, expected) => {
      const values: Record<string, string | number> = {
        teamA,
        teamB,
        sourceA1,
        sourceB1,
        agent: agent.email,
        agentUpper: agent.email.toUpperCase(),
        other: other.email,
        owner: account.owner.email,
      };
      const q = query.replace(/\$(\w+)/g, (_m, name: string) => encodeURIComponent(values[name]));
      const res = await api.get(`/leads${q}`);
      expect({ q, body: res.status === 200 ? 'ok' : res.body }).toEqual({ q, body: 'ok' });
      expect(ids(res.body)).toEqual(expected.map((name) => lead[name]));
      expect(res.body.nextCursor).toBeNull();
    });

    it('filters page too: limit=1 walks teamId + archived=all one lead at a time', async () => {
      expect(await allPages(api, `/leads?teamId=${teamA}&archived=all&limit=1`)).toEqual([lead['a2-agent-won'], lead['a1-other-won'], lead['a1-agent-new']]);
    });

    it("another account's team, source or user filters to nothing (and never shows that account's leads)", async () => {
      const stranger = await createAccount(t);
      const strangerTeam = await createTeam(stranger.owner.api);
      await createLead(stranger.owner.api, { ...MINIMAL_LEAD, teamId: strangerTeam, assignedTo: stranger.owner.email, createdBy: agent.email });
      expect(ids((await api.get(`/leads?createdBy=${encodeURIComponent(agent.email)}&teamId=${strangerTeam}`)).body)).toEqual([]);
      expect(ids((await api.get(`/leads?teamId=${strangerTeam}`)).body)).toEqual([]);
      expect(ids((await api.get(`/leads?assignedTo=${encodeURIComponent(stranger.owner.email)}`)).body)).toEqual([]);
      expect(ids((await stranger.owner.api.get(`/leads?teamId=${teamA}&archived=all`)).body)).toEqual([]);
      expect((await stranger.owner.api.get('/leads?archived=all')).body.data.every((l: { accountId: string }) => l.accountId === stranger.id)).toBe(true);
    });
  });

  describe('createdFrom (inclusive) and createdTo (exclusive)', () => {
    let account: TestAccount;
    const at: Record<string, number> = {};
    beforeAll(async () => {
      account = await createAccount(t);
      const times = ['2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000001Z', '2025-01-01T23:59:59.999999Z', '2025-01-02T00:00:00Z', '2025-03-01T12:00:00Z'];
      const inserted = await insertLeads(t, account.id, times.map((created_at): LeadSeedRow => ({ created_at })));
      times.forEach((time, i) => (at[time] = inserted[i]));
    });
    const byTime = (...times: string[]) => times.map((time) => at[time]);

    it.each([
      ['createdFrom, to the microsecond', '?createdFrom=2025-01-01T00:00:00.000001Z', ['2025-03-01T12:00:00Z', '2025-01-02T00:00:00Z', '2025-01-01T23:59:59.999999Z', '2025-01-01T00:00:00.000001Z']],
      ['createdTo, to the microsecond (exclusive)', '?createdTo=2025-01-01T00:00:00.000001Z', ['2025-01-01T00:00:00.000000Z']],
      ['both: one day', '?createdFrom=2025-01-01T00:00:00Z&createdTo=2025-01-02T00:00:00Z', ['2025-01-01T23:59:59.999999Z', '2025-01-01T00:00:00.000001Z', '2025-01-01T00:00:00.000000Z']],
      ['dates alone are midnight UTC', '?createdFrom=2025-01-02&createdTo=2025-03-02', ['2025-03-01T12:00:00Z', '2025-01-02T00:00:00Z']],
      ['offsets are honoured', '?createdFrom=2025-01-02T01:00:00%2B01:00&createdTo=2025-03-01T07:00:00-05:00', ['2025-01-02T00:00:00Z']],
      ['an empty range', '?createdFrom=2025-01-02T00:00:00Z&createdTo=2025-01-02T00:00:00Z', []],
    ])('%s', async (_label, query, expected) => {
      const res = await account.owner.api.get(`/leads${query}`);
      expect(res.status).toBe(200);
      expect(ids(res.body)).toEqual(byTime(...expected));
    });

    it('createdFrom after createdTo → 400', async () => {
      const res = await account.owner.api.get('/leads?createdFrom=2025-02-01T00:00:00Z&createdTo=2025-01-01T00:00:00Z');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'createdFrom must not be after createdTo' });
    });
  });

  describe('q: case-insensitive substring of first name, last name, email, company or phone', () => {
    let account: TestAccount;
    const lead: Record<string, number> = {};
    beforeAll(async () => {
      account = await createAccount(t);
      const rows: [string, LeadSeedRow][] = [
        ['zebulon', { first_name: 'Zebulon', last_name: 'Pike' }],
        ['quixote', { first_name: 'Alonso', last_name: 'Quixote' }],
        ['email', { email: 'ALPHA.Beta@Example.com' }],
        ['percent', { company: 'Acme 100% Rentals' }],
        ['thousand', { company: 'Acme 1000 Rentals' }],
        ['underscore', { company: 'Under_score Ltd' }],
        ['underx', { company: 'Underxscore Ltd' }],
        ['backslash', { company: 'Back\\slash & Co' }],
        ['phone', { phone: '+1 (555) 010-9999' }],
        ['accent', { last_name: 'Müller-Lüdenscheidt' }],
        ['notes only', { notes: 'zebulon in the notes is not searched', first_name: 'Nobody' }],
      ];
      const inserted = await insertLeads(t, account.id, rows.map(([, r]) => r));
      rows.forEach(([name], i) => (lead[name] = inserted[i]));
      await insertLeads(t, account.id, [{ first_name: 'Archived', last_name: 'Zebulonsson', archived: true }]);
    });
    const search = async (q: string, extra = '') => {
      const res = await account.owner.api.get(`/leads?q=${encodeURIComponent(q)}${extra}`);
      expect({ q, status: res.status }).toEqual({ q, status: 200 });
      return ids(res.body);
    };

    it.each([
      ['first name', 'zebu', ['zebulon']],
      ['first name, other case', 'ZEBULON', ['zebulon']],
      ['last name', 'quiXOTE', ['quixote']],
      ['last name, inner part', 'ixot', ['quixote']],
      ['email', 'alpha.beta@example', ['email']],
      ['email domain, case-insensitive', 'EXAMPLE.COM', ['email']],
      ['company', 'rentals', ['thousand', 'percent']],
      ['phone', '010-99', ['phone']],
      ['phone with brackets', '(555)', ['phone']],
      ['non-ASCII letters', 'MÜLLER', ['accent']],
      ['a literal %', '100%', ['percent']],
      ['a literal _', 'under_score', ['underscore']],
      ['_ alone matches only an underscore', 'r_s', ['underscore']],
      ['a literal backslash', 'back\\slash', ['backslash']],
      ['%% matches nothing (no field holds it)', '%%', []],
      ['a miss', 'nothing-like-this', []],
      ['two fields together are not one field', 'zebulon pike', []],
      ['notes are not searched', 'in the notes', []],
      ['spaces around are trimmed', '  quixote  ', ['quixote']],
      ['two characters (walked, no trigram)', 'ke', ['zebulon']],
    ])('%s: %p', async (_label, q, expected) => {
      expect(await search(q)).toEqual(expected.map((name) => lead[name]));
    });

    it('q with archived=true / all', async () => {
      const [archived] = await search('zebulon', '&archived=true');
      expect(await search('zebulon', '&archived=all')).toEqual([archived, lead.zebulon]);
    });

    it.each([
      ['one character', 'a', 'q must be 2 to 255 characters (after trimming spaces)'],
      ['spaces only', '   ', 'q must be 2 to 255 characters (after trimming spaces)'],
      ['256 characters', 'x'.repeat(256), 'q must be 2 to 255 characters (after trimming spaces)'],
      ['a control character', 'ab\u0001cd', 'q must not contain control characters'],
      ['a newline', 'ab\ncd', 'q must not contain control characters'],
    ])('q %s → 400', async (_label, q, message) => {
      const res = await account.owner.api.get(`/leads?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'Request validation failed', details: [{ field: 'q', message: expect.stringContaining(message) }] });
    });
  });

  describe('q beyond the walk window (the trigram step)', () => {
    // limit=1: the walk reads WALK_ROWS_PER_PAGE_ROW * 2 rows, then the trigram index takes over.
    const window = WALK_ROWS_PER_PAGE_ROW * 2;
    let account: TestAccount;
    let old: number[];
    let recent: number;
    beforeAll(async () => {
      account = await createAccount(t);
      // Oldest first: three needles, then a window and a half of hay, one needle among the newest rows.
      old = await insertLeads(t, account.id, [{ company: 'Needlework Ltd' }, { email: 'x@needle.example' }, { first_name: 'Needle' }]);
      const hay = Array.from({ length: window * 1.5 }, (_, i): LeadSeedRow => ({ first_name: `Hay${i}`, company: 'Haystack Inc' }));
      await insertLeads(t, account.id, hay);
      [recent] = await insertLeads(t, account.id, [{ last_name: 'Needleman' }]);
      await insertLeads(t, account.id, Array.from({ length: 10 }, () => ({ first_name: 'Straw' })));
    });

    it('finds matches older than the window, newest first, each exactly once across pages', async () => {
      const expected = [recent, ...[...old].reverse()];
      expect(await allPages(account.owner.api, '/leads?q=needle&limit=1')).toEqual(expected);
      expect(await allPages(account.owner.api, '/leads?q=NEEDLE&limit=2')).toEqual(expected);
      expect(await allPages(account.owner.api, '/leads?q=needle&limit=100')).toEqual(expected);
    });

    it('a rare two-character term (no trigram) is walked to the end', async () => {
      const [deep] = await insertLeads(t, account.id, [{ first_name: 'Qz', created_at: '2000-01-01T00:00:00Z' }]);
      expect(await allPages(account.owner.api, '/leads?q=qz&limit=1')).toEqual([deep]);
    });

    it('a common term is served by the walk, with a cursor into the walk', async () => {
      const page = await account.owner.api.get('/leads?q=haystack&limit=5');
      expect(page.body.data.map((l: { company: string }) => l.company)).toEqual(Array(5).fill('Haystack Inc'));
      expect(page.body.nextCursor).toEqual(expect.any(String));
      const all = await allPages(account.owner.api, '/leads?q=haystack&limit=100');
      expect(all).toHaveLength(window * 1.5);
      expect(new Set(all).size).toBe(all.length);
    });
  });

  describe('keyset pagination', () => {
    it('covers the set exactly once, in order, across pages, while new leads arrive; many leads share a millisecond or a microsecond', async () => {
      const account = await createAccount(t);
      const api = account.owner.api;
      const rows: LeadSeedRow[] = [
        // 15 leads with the very same created_at (a single transaction's now())
        ...Array.from({ length: 15 }, (_, i): LeadSeedRow => ({ first_name: `Same${i}`, created_at: '2025-06-01T10:00:00.123456Z' })),
        // 15 leads in one millisecond, a microsecond apart, inserted in shuffled order
        ...Array.from({ length: 15 }, (_, i): LeadSeedRow => ({ first_name: `Micro${i}`, created_at: `2025-06-01T10:00:00.123${String(((i * 7) % 15) + 100).slice(-3)}Z` })),
        ...Array.from({ length: 10 }, (_, i): LeadSeedRow => ({ first_name: `Later${i}`, created_at: `2025-06-02T00:00:0${i}Z` })),
      ];
      await insertLeads(t, account.id, rows);
      const expected: number[] = (
        await dataSourceOf(t).query('SELECT id FROM leads WHERE account_id = $1 AND NOT archived ORDER BY created_at DESC, id DESC', [account.id])
      ).map((r: { id: string }) => Number(r.id));
      expect(expected).toHaveLength(40);

      let arrivals = 0;
      const newLeads = async () => {
        arrivals++;
        await createLead(api, { firstName: `Arrival${arrivals}`, lastName: 'New' });
        await insertLeads(t, account.id, [{ first_name: `Sql${arrivals}` }, { first_name: `Same-instant${arrivals}`, created_at: '2025-06-01T10:00:00.123456Z' }]);
      };
      // Leads created while paging are newer than every page served: never served in this pass,
      // except those given an old created_at on purpose (the "same-instant" ones, which land behind or
      // ahead of the cursor by id): never twice, and the original set exactly once.
      const served = await allPages(api, '/leads?limit=7', newLeads);
      expect(arrivals).toBeGreaterThan(4);
      const original = served.filter((id) => expected.includes(id));
      expect(original).toEqual(expected);
      expect(new Set(served).size).toBe(served.length);
    });

    it('limit: 1..100, default 25', async () => {
      const account = await createAccount(t);
      await insertLeads(t, account.id, Array.from({ length: 102 }, (_, i) => ({ first_name: `L${i}` })));
      expect((await account.owner.api.get('/leads')).body.data).toHaveLength(25);
      expect((await account.owner.api.get('/leads?limit=1')).body.data).toHaveLength(1);
      const hundred = await account.owner.api.get('/leads?limit=100');
      expect(hundred.body.data).toHaveLength(100);
      expect(hundred.body.nextCursor).toEqual(expect.any(String));
      const rest = await account.owner.api.get(`/leads?limit=100&cursor=${encodeURIComponent(hundred.body.nextCursor)}`);
      expect(rest.body.data).toHaveLength(2);
      expect(rest.body.nextCursor).toBeNull();
    });

    it('a page that ends exactly at the last lead has no nextCursor', async () => {
      const account = await createAccount(t);
      await insertLeads(t, account.id, [{}, {}, {}, {}]);
      const res = await account.owner.api.get('/leads?limit=4');
      expect(res.body.data).toHaveLength(4);
      expect(res.body.nextCursor).toBeNull();
    });

    it('a tampered, foreign or malformed cursor → 400', async () => {
      const account = await createAccount(t);
      await insertLeads(t, account.id, [{}, {}, {}]);
      const api = account.owner.api;
      const cursor: string = (await api.get('/leads?limit=1')).body.nextCursor;
      const [payload, signature] = cursor.split('.');
      const forged = Buffer.from(JSON.stringify(['2099-01-01T00:00:00.000000Z', 1])).toString('base64url');
      await createTeam(api);
      await createTeam(api);
      const teamsCursor: string = (await api.get('/teams?limit=1')).body.nextCursor;
      const bad = [
        `${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
        `${forged}.${signature}`,
        `${payload.slice(1)}.${signature}`,
        payload,
        teamsCursor,
        'garbage',
        '',
        'x'.repeat(1025),
      ];
      for (const c of bad) {
        const res = await api.get(`/leads?cursor=${encodeURIComponent(c)}`);
        expect({ c, status: res.status }).toEqual({ c, status: 400 });
        expect(res.body.error).toEqual(expect.any(String));
      }
      const tampered = await api.get(`/leads?cursor=${encodeURIComponent(`${forged}.${signature}`)}`);
      expect(tampered.body).toEqual({ error: 'cursor is invalid; pass a nextCursor returned by this list' });
    });
  });

  it.each([
    ['teamId not a number', 'teamId=abc', 'teamId'],
    ['teamId zero', 'teamId=0', 'teamId'],
    ['teamId 2^31', 'teamId=2147483648', 'teamId'],
    ['teamId twice', 'teamId=1&teamId=2', 'teamId'],
    ['leadSourceId negative', 'leadSourceId=-1', 'leadSourceId'],
    ['assignedTo not an email', 'assignedTo=bob', 'assignedTo'],
    ['createdBy not an email', 'createdBy=bob', 'createdBy'],
    ['processStage empty', 'processStage=', 'processStage'],
    ['archived yes', 'archived=yes', 'archived'],
    ['createdFrom without a zone', 'createdFrom=2025-05-01T10:00:00', 'createdFrom'],
    ['createdTo not a date', 'createdTo=yesterday', 'createdTo'],
    ['createdFrom month 13', 'createdFrom=2025-13-01T00:00:00Z', 'createdFrom'],
    ['limit 0', 'limit=0', 'limit'],
    ['limit 101', 'limit=101', 'limit'],
    ['limit not a number', 'limit=ten', 'limit'],
    ['an unknown parameter', 'sort=name', 'sort'],
  ])('%s → 400 naming the parameter', async (_label, query, field) => {
    const account = await createAccount(t);
    const res = await account.owner.api.get(`/leads?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'Request validation failed', details: expect.arrayContaining([{ field, message: expect.any(String) }]) });
  });
});
