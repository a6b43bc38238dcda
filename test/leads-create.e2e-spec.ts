import { startTestApp, type TestApp } from './support/app';
import { createAccount, newEmail, type TestAccount } from './support/builders';
import { describeDenials } from './support/denial';
import { call, Client } from './support/http';
import { countAuditEntries, countLeads, createLeadSource, createTeam, dataSourceOf, MINIMAL_LEAD } from './support/leads';

const RULE_1 = 'team ID is required when teams exist in the account';
const RULE_2 = 'team not found';
const RULE_3 = 'lead source ID is required when the team has lead sources';
const RULE_4 = 'lead source not found';
const RULE_5 = 'assignedTo must be an active member of the account';

/** Every optional field of the seed's LeadInput but teamId, leadSourceId and assignedTo (which need setup). */
const OPTIONAL_FIELDS = [
  'imgSrc',
  'email',
  'phone',
  'company',
  'jobTitle',
  'branch',
  'source',
  'position',
  'location',
  'productsServicesSold',
  'numberOfEmployees',
  'currentPaymentProcessor',
  'monthlyTransactionVolume',
  'interestedInSwitching',
  'processStage',
  'buyingRole',
  'notes',
  'lastContacted',
  'archived',
  'createdBy',
] as const;

describe('POST /leads', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describeDenials('POST /leads', () => t, [{ method: 'POST', path: '/leads', role: 'agent', body: MINIMAL_LEAD }]);

  it('creates a minimal lead: 201 with the whole Lead, absent fields null, createdBy the caller, its lead_created entry', async () => {
    const account = await createAccount(t);
    const agent = await account.member('agent');
    const res = await agent.api.post('/leads', MINIMAL_LEAD);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      accountId: account.id,
      teamId: null,
      leadSourceId: null,
      applicationId: null,
      firstName: 'Ada',
      lastName: 'Lovelace',
      imgSrc: null,
      email: null,
      phone: null,
      company: null,
      jobTitle: null,
      branch: null,
      source: null,
      position: null,
      location: null,
      productsServicesSold: null,
      numberOfEmployees: null,
      currentPaymentProcessor: null,
      monthlyTransactionVolume: null,
      interestedInSwitching: null,
      processStage: null,
      buyingRole: null,
      assignedTo: null,
      notes: null,
      lastContacted: null,
      archived: false,
      createdBy: agent.email,
      mergedIntoId: null,
      firstTouchDueAt: null,
      firstTouchedAt: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      auditLog: [
        {
          id: expect.any(Number),
          event: 'lead_created',
          user: agent.email,
          apiKey: null,
          data: expect.objectContaining({ firstName: 'Ada', lastName: 'Lovelace', createdBy: agent.email, archived: false }),
          created: expect.any(String),
          requestMethod: 'POST',
          requestPath: '/leads',
          requestHeaders: expect.objectContaining({ authorization: '[REDACTED]', 'x-account-id': account.id }),
          requestIpAddress: expect.any(String),
          requestId: res.headers['x-request-id'],
          account_id: account.id,
          entityType: 'lead',
          entityId: String(res.body.id),
        },
      ],
    });
    expect(Number.isInteger(res.body.id) && res.body.id > 0).toBe(true);
    expect(res.body.createdAt).toBe(res.body.updatedAt);
    const [row] = await dataSourceOf(t).query('SELECT first_name, account_id FROM leads WHERE id = $1', [res.body.id]);
    expect(row).toEqual({ first_name: 'Ada', account_id: account.id });
  });

  it('round-trips every field of LeadInput with its type', async () => {
    const account = await createAccount(t);
    const teamId = await createTeam(account.owner.api);
    const leadSourceId = await createLeadSource(account.owner.api, teamId);
    const assignee = await account.member('agent');
    const manager = await account.member('manager');
    const input = {
      teamId,
      leadSourceId,
      firstName: 'Grace',
      lastName: "O'Hopper-Müller",
      imgSrc: 'https://cdn.example.com/img/grace.png?size=200',
      email: 'grace@navy.example.com',
      phone: '+1 (555) 010-1906',
      company: 'Eckert–Mauchly Computer Corp.',
      jobTitle: 'Rear Admiral',
      branch: 'Arlington',
      source: 'Trade show 2025',
      position: 'Director of Payments',
      location: 'Arlington, VA',
      productsServicesSold: 'Compilers, consulting',
      numberOfEmployees: 2147483647,
      currentPaymentProcessor: 'Stripe',
      monthlyTransactionVolume: Number.MAX_SAFE_INTEGER,
      interestedInSwitching: false,
      processStage: 'qualified',
      buyingRole: 'decision maker',
      assignedTo: assignee.email,
      notes: 'n'.repeat(10000),
      lastContacted: '2025-05-01T16:30:00.250+02:00',
      archived: true,
      createdBy: 'someone.else@example.com',
    };
    const res = await manager.api.post('/leads', input);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      ...input,
      id: expect.any(Number),
      accountId: account.id,
      applicationId: null,
      mergedIntoId: null,
      firstTouchDueAt: null,
      firstTouchedAt: null,
      lastContacted: '2025-05-01T14:30:00.250Z',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      auditLog: [expect.objectContaining({ event: 'lead_created' })],
    });
    // Exactly the JSON types of the seed: integers, booleans, strings.
    for (const key of ['id', 'teamId', 'leadSourceId', 'numberOfEmployees', 'monthlyTransactionVolume']) {
      expect({ key, integer: Number.isSafeInteger(res.body[key]) }).toEqual({ key, integer: true });
    }
    expect(typeof res.body.interestedInSwitching).toBe('boolean');
    expect(typeof res.body.archived).toBe('boolean');
    // The audit entry holds the created values.
    expect(res.body.auditLog[0].data).toEqual({ ...input, lastContacted: '2025-05-01T14:30:00.250Z' });
    // And the database holds them too (not only the answer).
    const [row] = await dataSourceOf(t).query(
      'SELECT monthly_transaction_volume::text AS v, number_of_employees, last_contacted, notes FROM leads WHERE id = $1',
      [res.body.id],
    );
    expect(row).toEqual({ v: String(Number.MAX_SAFE_INTEGER), number_of_employees: 2147483647, last_contacted: new Date('2025-05-01T14:30:00.250Z'), notes: input.notes });
  });

  it('treats null as absent for every optional field', async () => {
    const account = await createAccount(t);
    const body: Record<string, unknown> = { ...MINIMAL_LEAD, teamId: null, leadSourceId: null, assignedTo: null };
    for (const f of OPTIONAL_FIELDS) body[f] = null;
    const res = await account.owner.api.post('/leads', body);
    expect(res.status).toBe(201);
    for (const f of [...OPTIONAL_FIELDS, 'teamId', 'leadSourceId', 'assignedTo'] as const) {
      const expected = f === 'archived' ? false : f === 'createdBy' ? account.owner.email : null;
      expect({ f, value: res.body[f] }).toEqual({ f, value: expected });
    }
  });

  it('lower-cases assignedTo and createdBy (users are known by lower-cased email)', async () => {
    const account = await createAccount(t);
    const agent = await account.member('agent');
    const res = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, assignedTo: ` ${agent.email.toUpperCase()} `, createdBy: 'Importer@Example.COM' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ assignedTo: agent.email, createdBy: 'importer@example.com' });
  });

  describe('rules, in order, each with the contract message', () => {
    let account: TestAccount;
    let api: Client;
    let teamWithSources: number;
    let sourceOfTeam: number;
    let teamWithoutSources: number;
    let otherTeam: number;
    let sourceOfOtherTeam: number;
    let deletedTeam: number;
    let deletedSource: number;
    let inactive: string;
    let active: string;

    beforeAll(async () => {
      account = await createAccount(t);
      api = account.owner.api;
      teamWithSources = await createTeam(api);
      sourceOfTeam = await createLeadSource(api, teamWithSources);
      deletedSource = await createLeadSource(api, teamWithSources);
      expect((await api.delete(`/lead-sources/${deletedSource}`)).status).toBe(204);
      teamWithoutSources = await createTeam(api);
      otherTeam = await createTeam(api);
      sourceOfOtherTeam = await createLeadSource(api, otherTeam);
      deletedTeam = await createTeam(api);
      expect((await api.delete(`/teams/${deletedTeam}`)).status).toBe(204);
      active = (await account.member('agent')).email;
      inactive = (await account.member('agent')).email;
      expect((await api.patch(`/members/${inactive}`, { active: false })).status).toBe(200);
    });

    const SKIP = '?skipTeamAndSourceRequirement=true';
    const NO_SKIP = ['', '?skipTeamAndSourceRequirement=false'];

    /** Asserts the 400 and its message, and that nothing was created. */
    async function refused(query: string, body: object, error: string): Promise<void> {
      const leads = await countLeads(t, account.id);
      const entries = await countAuditEntries(t, account.id, 'lead_created');
      const res = await api.post(`/leads${query}`, { ...MINIMAL_LEAD, ...body });
      expect({ query, body, status: res.status, response: res.body }).toEqual({ query, body, status: 400, response: { error } });
      expect(await countLeads(t, account.id)).toBe(leads);
      expect(await countAuditEntries(t, account.id, 'lead_created')).toBe(entries);
    }

    async function created(query: string, body: object): Promise<Record<string, unknown>> {
      const res = await api.post(`/leads${query}`, { ...MINIMAL_LEAD, ...body });
      expect({ query, body, status: res.status }).toEqual({ query, body, status: 201 });
      return res.body;
    }

    it('rule 1: teams exist and no teamId → 400 unless skipped', async () => {
      for (const q of NO_SKIP) await refused(q, {}, RULE_1);
      expect(await created(SKIP, {})).toMatchObject({ teamId: null, leadSourceId: null });
    });

    it('rule 1 does not apply to an account without live teams', async () => {
      const fresh = await createAccount(t);
      expect((await fresh.owner.api.post('/leads', MINIMAL_LEAD)).status).toBe(201);
      const gone = await createTeam(fresh.owner.api);
      await fresh.owner.api.delete(`/teams/${gone}`);
      expect((await fresh.owner.api.post('/leads', MINIMAL_LEAD)).status).toBe(201);
    });

    /** Each case with each query (skipped or not): [case, query as shown, query, body]. */
    const withEachQuery = (cases: [string, () => object][]) =>
      [...NO_SKIP, SKIP].flatMap((q) => cases.map(([label, body]) => [label, q || 'no query', q, body] as const));

    it.each(
      withEachQuery([
        ['an unknown team', () => ({ teamId: 2147483647 })],
        ['a deleted team', () => ({ teamId: deletedTeam })],
      ]),
    )('rule 2: %s → 400 team not found (%s)', async (_label, _shown, q, body) => {
      await refused(q, body(), RULE_2);
    });

    it('rule 3: the team has sources and no leadSourceId → 400 unless skipped; a team without sources needs none', async () => {
      for (const q of NO_SKIP) await refused(q, { teamId: teamWithSources }, RULE_3);
      expect(await created(SKIP, { teamId: teamWithSources })).toMatchObject({ teamId: teamWithSources, leadSourceId: null });
      expect(await created('', { teamId: teamWithoutSources })).toMatchObject({ teamId: teamWithoutSources, leadSourceId: null });
    });

    it.each(
      withEachQuery([
        ['an unknown source', () => ({ teamId: teamWithSources, leadSourceId: 2147483647 })],
        ['a deleted source', () => ({ teamId: teamWithSources, leadSourceId: deletedSource })],
        ["another team's source", () => ({ teamId: teamWithSources, leadSourceId: sourceOfOtherTeam })],
        ['a source with a team that has none', () => ({ teamId: teamWithoutSources, leadSourceId: sourceOfTeam })],
      ]),
    )('rule 4: %s → 400 lead source not found (%s)', async (_label, _shown, q, body) => {
      await refused(q, body(), RULE_4);
    });

    it('rule 4 without a team: applies once rule 1 is skipped; a source of the team is fine', async () => {
      // Without a team, a source fails rule 4 once rule 1 is skipped (and rule 1 first otherwise).
      await refused(SKIP, { leadSourceId: sourceOfTeam }, RULE_4);
      await refused('', { leadSourceId: sourceOfTeam }, RULE_1);
      expect(await created('', { teamId: teamWithSources, leadSourceId: sourceOfTeam })).toMatchObject({
        teamId: teamWithSources,
        leadSourceId: sourceOfTeam,
      });
    });

    it('rule 5: assignedTo not an active member (unknown, deactivated, removed) → 400', async () => {
      const removed = await account.member('agent');
      expect((await api.delete(`/members/${removed.email}`)).status).toBe(204);
      const ok = { teamId: teamWithSources, leadSourceId: sourceOfTeam };
      for (const who of [newEmail('stranger'), inactive, removed.email]) await refused('', { ...ok, assignedTo: who }, RULE_5);
      expect(await created('', { ...ok, assignedTo: active })).toMatchObject({ assignedTo: active });
    });

    it('the first failing rule answers', async () => {
      const stranger = newEmail('stranger');
      await refused('', { leadSourceId: sourceOfOtherTeam, assignedTo: stranger }, RULE_1);
      await refused('', { teamId: deletedTeam, leadSourceId: 2147483647, assignedTo: stranger }, RULE_2);
      await refused('', { teamId: teamWithSources, assignedTo: stranger }, RULE_3);
      await refused('', { teamId: teamWithSources, leadSourceId: sourceOfOtherTeam, assignedTo: stranger }, RULE_4);
      await refused(SKIP, { leadSourceId: sourceOfTeam, assignedTo: stranger }, RULE_4);
      await refused(SKIP, { assignedTo: stranger }, RULE_5);
    });

    it('another account’s team or source is not found (400), and its members are not members', async () => {
      const other = await createAccount(t);
      const theirTeam = await createTeam(other.owner.api);
      const theirSource = await createLeadSource(other.owner.api, theirTeam);
      for (const q of [...NO_SKIP, SKIP]) {
        await refused(q, { teamId: theirTeam }, RULE_2);
        await refused(q, { teamId: theirTeam, leadSourceId: theirSource }, RULE_2);
        await refused(q, { teamId: teamWithSources, leadSourceId: theirSource }, RULE_4);
      }
      await refused('', { teamId: teamWithSources, leadSourceId: sourceOfTeam, assignedTo: other.owner.email }, RULE_5);
      expect(await countLeads(t, other.id)).toBe(0);
    });

    it.each(['TRUE', '1', 'yes', '', 'true&skipTeamAndSourceRequirement=true'])('skipTeamAndSourceRequirement=%s → 400 (exactly true or false)', async (value) => {
      const res = await api.post(`/leads?skipTeamAndSourceRequirement=${value}`, MINIMAL_LEAD);
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([{ field: 'skipTeamAndSourceRequirement', message: 'skipTeamAndSourceRequirement must be true or false' }]);
    });

    it('an unknown query parameter → 400', async () => {
      const unknown = await api.post('/leads?skip=true', MINIMAL_LEAD);
      expect(unknown.status).toBe(400);
      expect(unknown.body.details).toEqual([{ field: 'skip', message: 'skip is not a known field' }]);
    });
  });

  describe('validation: 400 with details naming the field, and nothing created', () => {
    let account: TestAccount;
    beforeAll(async () => {
      account = await createAccount(t);
    });

    const long = (n: number) => 'x'.repeat(n);
    const cases: [string, Record<string, unknown>, string][] = [
      ['firstName missing', { lastName: 'L' }, 'firstName'],
      ['lastName missing', { firstName: 'F' }, 'lastName'],
      ['firstName null', { firstName: null, lastName: 'L' }, 'firstName'],
      ['firstName a number', { firstName: 42, lastName: 'L' }, 'firstName'],
      ['firstName empty', { firstName: '', lastName: 'L' }, 'firstName'],
      ['lastName blank', { firstName: 'F', lastName: '   ' }, 'lastName'],
      ['firstName 256 characters', { firstName: long(256), lastName: 'L' }, 'firstName'],
      ...(['phone', 'company', 'jobTitle', 'branch', 'source', 'position', 'location', 'productsServicesSold', 'currentPaymentProcessor', 'processStage', 'buyingRole'].map(
        (f): [string, Record<string, unknown>, string] => [`${f} 256 characters`, { ...MINIMAL_LEAD, [f]: long(256) }, f],
      )),
      ['company an object', { ...MINIMAL_LEAD, company: { name: 'x' } }, 'company'],
      ['notes 10001 characters', { ...MINIMAL_LEAD, notes: long(10001) }, 'notes'],
      ['imgSrc 2049 characters', { ...MINIMAL_LEAD, imgSrc: `https://example.com/${long(2029)}` }, 'imgSrc'],
      ['imgSrc not a URL', { ...MINIMAL_LEAD, imgSrc: 'picture of ada' }, 'imgSrc'],
      ['imgSrc ftp', { ...MINIMAL_LEAD, imgSrc: 'ftp://example.com/a.png' }, 'imgSrc'],
      ['imgSrc javascript', { ...MINIMAL_LEAD, imgSrc: 'javascript:alert(1)' }, 'imgSrc'],
      ['email not an email', { ...MINIMAL_LEAD, email: 'ada-at-example.com' }, 'email'],
      ['email 256 characters', { ...MINIMAL_LEAD, email: `${long(244)}@example.com` }, 'email'],
      ['lastContacted a date only', { ...MINIMAL_LEAD, lastContacted: '2025-05-01' }, 'lastContacted'],
      ['lastContacted without zone', { ...MINIMAL_LEAD, lastContacted: '2025-05-01T10:00:00' }, 'lastContacted'],
      ['lastContacted not a date', { ...MINIMAL_LEAD, lastContacted: 'yesterday' }, 'lastContacted'],
      ['lastContacted month 13', { ...MINIMAL_LEAD, lastContacted: '2025-13-01T10:00:00Z' }, 'lastContacted'],
      ['lastContacted a number', { ...MINIMAL_LEAD, lastContacted: 1714557600000 }, 'lastContacted'],
      ['numberOfEmployees negative', { ...MINIMAL_LEAD, numberOfEmployees: -1 }, 'numberOfEmployees'],
      ['numberOfEmployees fractional', { ...MINIMAL_LEAD, numberOfEmployees: 1.5 }, 'numberOfEmployees'],
      ['numberOfEmployees a string', { ...MINIMAL_LEAD, numberOfEmployees: '5' }, 'numberOfEmployees'],
      ['numberOfEmployees 2^31', { ...MINIMAL_LEAD, numberOfEmployees: 2 ** 31 }, 'numberOfEmployees'],
      ['monthlyTransactionVolume negative', { ...MINIMAL_LEAD, monthlyTransactionVolume: -5 }, 'monthlyTransactionVolume'],
      ['monthlyTransactionVolume 2^53', { ...MINIMAL_LEAD, monthlyTransactionVolume: 2 ** 53 }, 'monthlyTransactionVolume'],
      ['monthlyTransactionVolume fractional', { ...MINIMAL_LEAD, monthlyTransactionVolume: 10.25 }, 'monthlyTransactionVolume'],
      ['teamId zero', { ...MINIMAL_LEAD, teamId: 0 }, 'teamId'],
      ['teamId negative', { ...MINIMAL_LEAD, teamId: -3 }, 'teamId'],
      ['teamId a string', { ...MINIMAL_LEAD, teamId: '1' }, 'teamId'],
      ['teamId 2^31', { ...MINIMAL_LEAD, teamId: 2 ** 31 }, 'teamId'],
      ['leadSourceId fractional', { ...MINIMAL_LEAD, leadSourceId: 1.5 }, 'leadSourceId'],
      ['interestedInSwitching a string', { ...MINIMAL_LEAD, interestedInSwitching: 'yes' }, 'interestedInSwitching'],
      ['archived a string', { ...MINIMAL_LEAD, archived: 'true' }, 'archived'],
      ['assignedTo not an email', { ...MINIMAL_LEAD, assignedTo: 'bob' }, 'assignedTo'],
      ['createdBy not an email', { ...MINIMAL_LEAD, createdBy: 42 }, 'createdBy'],
      ['an unknown field', { ...MINIMAL_LEAD, favouriteColour: 'blue' }, 'favouriteColour'],
    ];

    it.each(cases)('%s', async (_label, body, field) => {
      const res = await account.owner.api.post('/leads', body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.any(String), details: expect.arrayContaining([{ field, message: expect.any(String) }]) });
      expect(res.body.details.every((d: { field: string }) => d.field === field)).toBe(true);
      expect(await countLeads(t, account.id)).toBe(0);
    });

    it.each(['id', 'accountId', 'applicationId', 'createdAt', 'updatedAt', 'auditLog'])('read-only field %s → 400 saying so', async (field) => {
      for (const value of [1, 'x', null, []]) {
        const res = await account.owner.api.post('/leads', { ...MINIMAL_LEAD, [field]: value });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error: 'Request validation failed', details: [{ field, message: `${field} is read-only: the server sets it` }] });
      }
      expect(await countLeads(t, account.id)).toBe(0);
    });

    it('lists every bad field at once', async () => {
      const res = await account.owner.api.post('/leads', { firstName: 1, email: 'x', numberOfEmployees: -1, id: 5, extra: true });
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'extra', 'firstName', 'id', 'lastName', 'numberOfEmployees']);
    });

    const outOfRange = ['9223372036854775808', '1e309', '-1e309', '1e400'].flatMap((raw) =>
      ['monthlyTransactionVolume', 'numberOfEmployees', 'teamId', 'leadSourceId'].map((field) => [raw, field] as const),
    );
    it.each(outOfRange)('%s as %s (beyond every range) is 400, never 500', async (raw, field) => {
      const res = await call(t.app, {
        method: 'POST',
        url: '/leads',
        token: account.owner.token,
        account: account.id,
        headers: { 'content-type': 'application/json' },
        payload: `{"firstName":"A","lastName":"B","${field}":${raw}}`,
      });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([{ field, message: expect.any(String) }]);
      expect(await countLeads(t, account.id)).toBe(0);
    });

    it.each(['[]', '"lead"', '42', '{"firstName":'])('a body that is not a JSON object (%s) is 400', async (payload) => {
      const res = await call(t.app, {
        method: 'POST',
        url: '/leads',
        token: account.owner.token,
        account: account.id,
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.status).toBe(400);
      expect(await countLeads(t, account.id)).toBe(0);
    });

    it('accepts the bounds themselves', async () => {
      const res = await account.owner.api.post('/leads', {
        firstName: long(255),
        lastName: 'L',
        notes: long(10000),
        imgSrc: `http://localhost:8080/${long(2026)}`,
        numberOfEmployees: 0,
        monthlyTransactionVolume: 0,
        lastContacted: '2025-05-01T10:00Z',
      });
      expect(res.status).toBe(201);
      expect(res.body.imgSrc).toHaveLength(2048);
      expect(res.body.lastContacted).toBe('2025-05-01T10:00:00.000Z');
    });
  });

  describe('archived in a create', () => {
    it('archived: true needs the archive permission (agent → 403, manager → 201); false is anyone’s', async () => {
      const account = await createAccount(t);
      const agent = await account.member('agent');
      const manager = await account.member('manager');
      const denied = await agent.api.post('/leads', { ...MINIMAL_LEAD, archived: true });
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({ error: expect.any(String) });
      expect(await countLeads(t, account.id)).toBe(0);
      expect((await agent.api.post('/leads', { ...MINIMAL_LEAD, archived: false })).body.archived).toBe(false);
      expect((await manager.api.post('/leads', { ...MINIMAL_LEAD, archived: true })).body.archived).toBe(true);
    });
  });

  describe('with an API key', () => {
    it('acts as its creator: createdBy and audit user are the creator, audit apiKey the key id', async () => {
      const account = await createAccount(t);
      const admin = await account.member('admin');
      const key = await admin.api.post('/api-keys', { name: 'importer', role: 'agent' });
      expect(key.status).toBe(201);
      const viaKey = new Client(t.app, key.body.key, account.id);
      const res = await viaKey.post('/leads', MINIMAL_LEAD);
      expect(res.status).toBe(201);
      expect(res.body.createdBy).toBe(admin.email);
      expect(res.body.auditLog).toEqual([
        expect.objectContaining({ event: 'lead_created', user: admin.email, apiKey: String(key.body.id), requestHeaders: expect.objectContaining({ authorization: '[REDACTED]' }) }),
      ]);
      expect(JSON.stringify(res.body)).not.toContain(key.body.key);
      // The key's role (agent) is what it may do: an archived create is refused although its creator is an admin.
      expect((await viaKey.post('/leads', { ...MINIMAL_LEAD, archived: true })).status).toBe(403);
    });
  });
});
