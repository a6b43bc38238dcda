import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { describeDenials } from './support/denial';
import type { Client } from './support/http';
import { countAuditEntries, createLead, createLeadSource, createTeam, dataSourceOf, MINIMAL_LEAD } from './support/leads';
import { usingRealPostgres } from './support/test-database';

const RULE_1 = 'team ID is required when teams exist in the account';
const RULE_2 = 'team not found';
const RULE_3 = 'lead source ID is required when the team has lead sources';
const RULE_4 = 'lead source not found';
const RULE_5 = 'assignedTo must be an active member of the account';

const onPostgres = usingRealPostgres() ? it : it.skip;
if (!usingRealPostgres()) console.warn('leads-update: skipping the concurrent PATCH test, it needs a PostgreSQL server (several connections).');

/** Polls `check` until it holds (every 20 ms, at most 10 s). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The lead's entries in the database, oldest first. */
async function entriesOf(t: TestApp, accountId: string, leadId: number): Promise<{ event: string; data: any }[]> {
  return dataSourceOf(t).query(
    `SELECT event, data FROM audit_log WHERE account_id = $1 AND entity_type = 'lead' AND entity_id = $2 ORDER BY id`,
    [accountId, String(leadId)],
  );
}

describe('GET /leads/{id} and PATCH /leads/{id}', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describeDenials('GET and PATCH /leads/{id}', () => t, [
    { method: 'GET', path: async (a) => `/leads/${(await createLead(a.owner.api)).id}`, role: 'viewer' },
    { method: 'PATCH', path: async (a) => `/leads/${(await createLead(a.owner.api)).id}`, role: 'agent', body: { notes: 'x' } },
  ]);

  describe('GET /leads/{id}', () => {
    it('answers the Lead with its whole auditLog, oldest first; a viewer may read; reading writes nothing', async () => {
      const account = await createAccount(t);
      const viewer = await account.member('viewer');
      const manager = await account.member('manager');
      const created = await createLead(account.owner.api, { ...MINIMAL_LEAD, company: 'Analytical Engines' });
      await account.owner.api.patch(`/leads/${created.id}`, { company: 'Difference Engines' });
      await manager.api.post(`/leads/${created.id}/archive`);
      await account.owner.api.post(`/leads/${created.id}/convert`, { applicationId: 'app-1' });
      const before = await countAuditEntries(t, account.id);
      const res = await viewer.api.get(`/leads/${created.id}`);
      expect(res.status).toBe(200);
      const { auditLog, ...lead } = res.body;
      expect(lead).toEqual({ ...created, auditLog: undefined, company: 'Difference Engines', archived: true, applicationId: 'app-1', updatedAt: expect.any(String) });
      expect(auditLog.map((e: { event: string }) => e.event)).toEqual(['lead_created', 'lead_updated', 'lead_archived', 'lead_converted']);
      // Below manager, other members' request metadata is hidden (issue 13); the rest of the entry is the same.
      expect(auditLog[0]).toEqual({ ...created.auditLog[0], requestHeaders: null, requestIpAddress: null });
      expect(auditLog.map((e: { id: number }) => e.id)).toEqual([...auditLog.map((e: { id: number }) => e.id)].sort((a, b) => a - b));
      expect(auditLog.every((e: { entityType: string; entityId: string }) => e.entityType === 'lead' && e.entityId === String(created.id))).toBe(true);
      expect(await countAuditEntries(t, account.id)).toBe(before);
    });

    it.each(['abc', '0', '-1', '1.5', '99999999999'])('a malformed id (%s) → 400', async (id) => {
      const account = await createAccount(t);
      expect((await account.owner.api.get(`/leads/${id}`)).status).toBe(400);
    });

    it('an id of no lead → 404', async () => {
      const account = await createAccount(t);
      expect(await account.owner.api.get('/leads/2147483647')).toMatchObject({ status: 404, body: { error: 'lead not found' } });
    });
  });

  describe('PATCH /leads/{id}', () => {
    let account: TestAccount;
    let api: Client;
    beforeAll(async () => {
      account = await createAccount(t);
      api = account.owner.api;
    });

    it('changes the fields given: 200 Lead with auditLog; one lead_updated entry listing only the fields whose value changed', async () => {
      const agent = await account.member('agent');
      const lead = await createLead(api, { ...MINIMAL_LEAD, company: 'Old Co', phone: '+1 555 0100', numberOfEmployees: 5 });
      const res = await agent.api.patch(`/leads/${lead.id}`, { company: 'New Co', phone: '+1 555 0100', numberOfEmployees: 6, jobTitle: 'CFO' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ...lead,
        company: 'New Co',
        numberOfEmployees: 6,
        jobTitle: 'CFO',
        updatedAt: expect.any(String),
        auditLog: [{ ...lead.auditLog[0], requestHeaders: null, requestIpAddress: null }, expect.objectContaining({ event: 'lead_updated', user: agent.email, requestMethod: 'PATCH', requestPath: `/leads/${lead.id}` })],
      });
      expect(res.body.auditLog[1].data).toEqual({
        changes: { company: { from: 'Old Co', to: 'New Co' }, numberOfEmployees: { from: 5, to: 6 }, jobTitle: { from: null, to: 'CFO' } },
      });
      expect(Date.parse(res.body.updatedAt)).toBeGreaterThan(Date.parse(lead.updatedAt));
      // The owner sees its own entry's request metadata, which the agent did not.
      expect((await api.get(`/leads/${lead.id}`)).body).toEqual({ ...res.body, auditLog: [lead.auditLog[0], res.body.auditLog[1]] });
    });

    it.each([
      ['an empty body', () => ({})],
      ['the same names', () => ({ firstName: 'Ada', lastName: 'Lovelace' })],
      ['the same instant in another zone', () => ({ lastContacted: '2025-05-01T16:30:00.25+02:00' })],
      ['the same assignee in upper case', (assignee: string) => ({ assignedTo: assignee.toUpperCase() })],
      ['the same numbers, booleans and nulls', () => ({ monthlyTransactionVolume: 9007199254740991, interestedInSwitching: false, archived: false, teamId: null, notes: null })],
    ])('a PATCH that changes nothing (%s): 200, no entry, updatedAt unchanged (values compared normalised)', async (_case, body) => {
      const member = await account.member('agent');
      const lead = await createLead(api, {
        ...MINIMAL_LEAD,
        email: 'ada@example.com',
        assignedTo: member.email,
        lastContacted: '2025-05-01T14:30:00.250Z',
        monthlyTransactionVolume: 9007199254740991,
        interestedInSwitching: false,
      });
      const res = await api.patch(`/leads/${lead.id}`, body(member.email));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(lead);
      expect((await entriesOf(t, account.id, lead.id)).map((e) => e.event)).toEqual(['lead_created']);
    });

    it('lastContacted: compared as an instant, recorded as the API shows it', async () => {
      const lead = await createLead(api, { ...MINIMAL_LEAD, lastContacted: '2025-05-01T14:30:00.250Z' });
      const res = await api.patch(`/leads/${lead.id}`, { lastContacted: '2025-05-01T16:30:00.251+02:00' });
      expect(res.body.lastContacted).toBe('2025-05-01T14:30:00.251Z');
      expect(res.body.auditLog[1].data).toEqual({ changes: { lastContacted: { from: '2025-05-01T14:30:00.250Z', to: '2025-05-01T14:30:00.251Z' } } });
    });

    it('null clears every optional field (recorded as a change to null)', async () => {
      const own = await createAccount(t); // teams of its own: the account of the other tests has none
      const teamId = await createTeam(own.owner.api);
      const leadSourceId = await createLeadSource(own.owner.api, teamId);
      const assignee = await own.member('agent');
      const full = {
        teamId,
        leadSourceId,
        imgSrc: 'https://example.com/a.png',
        email: 'x@example.com',
        phone: '1',
        company: 'c',
        jobTitle: 'j',
        branch: 'b',
        source: 's',
        position: 'p',
        location: 'l',
        productsServicesSold: 'pss',
        numberOfEmployees: 1,
        currentPaymentProcessor: 'cpp',
        monthlyTransactionVolume: 2,
        interestedInSwitching: true,
        processStage: 'ps',
        buyingRole: 'br',
        assignedTo: assignee.email,
        notes: 'n',
        lastContacted: '2025-01-01T00:00:00.000Z',
      };
      const lead = await createLead(own.owner.api, { ...MINIMAL_LEAD, ...full });
      const cleared = Object.fromEntries(Object.keys(full).map((k) => [k, null]));
      const res = await own.owner.api.patch(`/leads/${lead.id}?skipTeamAndSourceRequirement=true`, cleared);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject(cleared);
      expect(res.body.auditLog[1].data.changes).toEqual(Object.fromEntries(Object.entries(full).map(([k, v]) => [k, { from: v, to: null }])));
    });

    it.each([
      ['firstName', 'firstName cannot be null'],
      ['lastName', 'lastName cannot be null'],
      ['archived', 'archived cannot be null'],
      ['createdBy', 'createdBy cannot be null'],
    ])('%s cannot be cleared: null → 400', async (field, message) => {
      const lead = await createLead(api);
      const res = await api.patch(`/leads/${lead.id}`, { [field]: null });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'Request validation failed', details: [{ field, message: expect.stringContaining(message) }] });
    });

    it.each(['id', 'accountId', 'createdAt', 'updatedAt', 'auditLog'])('read-only field %s → 400 saying so', async (field) => {
      const lead = await createLead(api);
      for (const value of [1, 'x', null]) {
        const res = await api.patch(`/leads/${lead.id}`, { notes: 'changed', [field]: value });
        expect(res.status).toBe(400);
        expect(res.body.details).toEqual([{ field, message: `${field} is read-only: the server sets it` }]);
      }
      expect((await entriesOf(t, account.id, lead.id)).map((e) => e.event)).toEqual(['lead_created']);
    });

    it.each(['app_1', null])('applicationId cannot be patched (convert sets it): %p → 400', async (value) => {
      const lead = await createLead(api);
      const res = await api.patch(`/leads/${lead.id}`, { applicationId: value });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([{ field: 'applicationId', message: 'applicationId cannot be patched: POST /leads/{id}/convert sets it' }]);
    });

    it.each([
      ['firstName empty', { firstName: '' }, 'firstName'],
      ['lastName blank', { lastName: '  ' }, 'lastName'],
      ['company 256 characters', { company: 'c'.repeat(256) }, 'company'],
      ['notes 10001 characters', { notes: 'n'.repeat(10001) }, 'notes'],
      ['email not an email', { email: 'nope' }, 'email'],
      ['imgSrc not http', { imgSrc: 'ftp://example.com/x.png' }, 'imgSrc'],
      ['lastContacted without zone', { lastContacted: '2025-05-01T10:00:00' }, 'lastContacted'],
      ['numberOfEmployees negative', { numberOfEmployees: -1 }, 'numberOfEmployees'],
      ['monthlyTransactionVolume 2^53', { monthlyTransactionVolume: 2 ** 53 }, 'monthlyTransactionVolume'],
      ['teamId a string', { teamId: '1' }, 'teamId'],
      ['archived a string', { archived: 'true' }, 'archived'],
      ['assignedTo not an email', { assignedTo: 'bob' }, 'assignedTo'],
      ['an unknown field', { favouriteColour: 'blue' }, 'favouriteColour'],
    ])('same bounds as LeadInput: %s → 400', async (_label, body, field) => {
      const lead = await createLead(api);
      const res = await api.patch(`/leads/${lead.id}`, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'Request validation failed', details: [{ field, message: expect.any(String) }] });
    });

    it('a body that is not a JSON object → 400; skipTeamAndSourceRequirement not a boolean → 400', async () => {
      const lead = await createLead(api);
      expect((await api.patch(`/leads/${lead.id}`, [1])).status).toBe(400);
      expect((await api.patch(`/leads/${lead.id}?skipTeamAndSourceRequirement=yes`, {})).status).toBe(400);
    });

    describe('archived', () => {
      it('an agent may not change it (403, nothing changed); a manager may, recorded as lead_archived / lead_unarchived with every changed field', async () => {
        const agent = await account.member('agent');
        const manager = await account.member('manager');
        const lead = await createLead(api, { ...MINIMAL_LEAD, notes: 'before' });
        const denied = await agent.api.patch(`/leads/${lead.id}`, { archived: true, notes: 'after' });
        expect(denied.status).toBe(403);
        expect(denied.body).toEqual({ error: 'Your role does not allow archiving or unarchiving a lead' });
        expect((await api.get(`/leads/${lead.id}`)).body).toMatchObject({ archived: false, notes: 'before' });
        // Saying the value it already has is no change: allowed to an agent.
        expect((await agent.api.patch(`/leads/${lead.id}`, { archived: false, notes: 'agent' })).status).toBe(200);

        const archived = await manager.api.patch(`/leads/${lead.id}`, { archived: true, notes: 'after' });
        expect(archived.status).toBe(200);
        expect(archived.body.archived).toBe(true);
        const unarchived = await manager.api.patch(`/leads/${lead.id}`, { archived: false });
        expect(unarchived.body.archived).toBe(false);
        expect(await entriesOf(t, account.id, lead.id)).toEqual([
          { event: 'lead_created', data: expect.any(Object) },
          { event: 'lead_updated', data: { changes: { notes: { from: 'before', to: 'agent' } } } },
          { event: 'lead_archived', data: { changes: { archived: { from: false, to: true }, notes: { from: 'agent', to: 'after' } } } },
          { event: 'lead_unarchived', data: { changes: { archived: { from: true, to: false } } } },
        ]);
      });
    });

    describe('rules 1-5 for the resulting lead', () => {
      let rulesAccount: TestAccount;
      let rapi: Client;
      let teamWithSources: number;
      let source: number;
      let teamWithoutSources: number;
      let otherTeamSource: number;
      let otherTeam: number;
      beforeAll(async () => {
        rulesAccount = await createAccount(t);
        rapi = rulesAccount.owner.api;
        teamWithSources = await createTeam(rapi);
        source = await createLeadSource(rapi, teamWithSources);
        teamWithoutSources = await createTeam(rapi);
        otherTeam = await createTeam(rapi);
        otherTeamSource = await createLeadSource(rapi, otherTeam);
      });
      const leadIn = (teamId: number, leadSourceId?: number) => createLead(rapi, { ...MINIMAL_LEAD, teamId, leadSourceId });

      it('rule 1: clearing the team when the account has teams → 400, unless skipped', async () => {
        const lead = await leadIn(teamWithoutSources);
        expect((await rapi.patch(`/leads/${lead.id}`, { teamId: null })).body).toEqual({ error: RULE_1 });
        const res = await rapi.patch(`/leads/${lead.id}?skipTeamAndSourceRequirement=true`, { teamId: null });
        expect(res.status).toBe(200);
        expect(res.body.teamId).toBeNull();
      });

      it("rule 2: a team of no one, another account's or a deleted one → 400 team not found", async () => {
        const lead = await leadIn(teamWithoutSources);
        const stranger = await createAccount(t);
        const strangerTeam = await createTeam(stranger.owner.api);
        const deleted = await createTeam(rapi);
        await rapi.delete(`/teams/${deleted}`);
        for (const teamId of [2147483647, strangerTeam, deleted]) {
          const res = await rapi.patch(`/leads/${lead.id}?skipTeamAndSourceRequirement=true`, { teamId });
          expect({ teamId, res: res.body }).toEqual({ teamId, res: { error: RULE_2 } });
        }
      });

      it('rule 3: moving to a team with sources needs a source, unless skipped', async () => {
        const lead = await leadIn(teamWithoutSources);
        expect((await rapi.patch(`/leads/${lead.id}`, { teamId: teamWithSources })).body).toEqual({ error: RULE_3 });
        expect((await rapi.patch(`/leads/${lead.id}`, { teamId: teamWithSources, leadSourceId: source })).status).toBe(200);
        const other = await leadIn(teamWithoutSources);
        expect((await rapi.patch(`/leads/${other.id}?skipTeamAndSourceRequirement=true`, { teamId: teamWithSources })).status).toBe(200);
        // Clearing the source of a lead in a team with sources is a change of leadSourceId: rule 3 again.
        const withSource = await leadIn(teamWithSources, source);
        expect((await rapi.patch(`/leads/${withSource.id}`, { leadSourceId: null })).body).toEqual({ error: RULE_3 });
      });

      it("rule 4: a source of another team (the lead's current one or the new one), or without a team → 400", async () => {
        const lead = await leadIn(teamWithSources, source);
        // New source only: checked against the lead's current team.
        expect((await rapi.patch(`/leads/${lead.id}`, { leadSourceId: otherTeamSource })).body).toEqual({ error: RULE_4 });
        // New team only: the lead's current source does not belong to it.
        expect((await rapi.patch(`/leads/${lead.id}`, { teamId: otherTeam })).body).toEqual({ error: RULE_4 });
        // Both, together: fine.
        const moved = await rapi.patch(`/leads/${lead.id}`, { teamId: otherTeam, leadSourceId: otherTeamSource });
        expect(moved.status).toBe(200);
        expect(moved.body.auditLog.at(-1).data).toEqual({
          changes: { teamId: { from: teamWithSources, to: otherTeam }, leadSourceId: { from: source, to: otherTeamSource } },
        });
        expect((await rapi.patch(`/leads/${lead.id}?skipTeamAndSourceRequirement=true`, { teamId: null })).body).toEqual({ error: RULE_4 });
      });

      it('rules are checked in order: 2 before 4', async () => {
        const lead = await leadIn(teamWithSources, source);
        expect((await rapi.patch(`/leads/${lead.id}`, { teamId: 2147483647, leadSourceId: 2147483647 })).body).toEqual({ error: RULE_2 });
      });

      it('a PATCH that does not change team or source is not held to rules 1-4 (a team deleted since stays)', async () => {
        const doomed = await createTeam(rapi);
        const lead = await leadIn(doomed);
        await rapi.delete(`/teams/${doomed}`);
        const res = await rapi.patch(`/leads/${lead.id}`, { notes: 'still here', teamId: doomed });
        expect(res.status).toBe(200);
        expect(res.body.teamId).toBe(doomed);
      });

      it('rule 5: a new assignee must be an active member; null unassigns', async () => {
        const lead = await leadIn(teamWithoutSources);
        const member = await rulesAccount.member('agent');
        const gone = await rulesAccount.member('agent');
        await rapi.patch(`/members/${gone.email}`, { active: false });
        for (const assignedTo of ['stranger@example.com', gone.email]) {
          expect((await rapi.patch(`/leads/${lead.id}`, { assignedTo })).body).toEqual({ error: RULE_5 });
        }
        expect((await rapi.patch(`/leads/${lead.id}`, { assignedTo: member.email.toUpperCase() })).body.assignedTo).toBe(member.email);
        const unassigned = await rapi.patch(`/leads/${lead.id}`, { assignedTo: null });
        expect(unassigned.body.assignedTo).toBeNull();
        expect(unassigned.body.auditLog.at(-1).data).toEqual({ changes: { assignedTo: { from: member.email, to: null } } });
      });

      it('a refused PATCH changes nothing and records nothing', async () => {
        const lead = await leadIn(teamWithoutSources);
        const res = await rapi.patch(`/leads/${lead.id}`, { notes: 'should not stick', assignedTo: 'stranger@example.com' });
        expect(res.body).toEqual({ error: RULE_5 });
        expect((await rapi.get(`/leads/${lead.id}`)).body).toEqual({ ...lead, auditLog: lead.auditLog });
      });
    });

    onPostgres('two concurrent PATCHes of one lead: both land, one after the other, each entry\'s `from` the value it replaced', async () => {
      const account = await createAccount(t);
      const lead = await createLead(account.owner.api, { ...MINIMAL_LEAD, notes: 'v0', company: 'c0' });
      // Hold the lead's row so both PATCHes are in flight, blocked on it, before either may go on.
      const holder = dataSourceOf(t).createQueryRunner();
      await holder.connect();
      try {
        await holder.startTransaction();
        await holder.query('SELECT id FROM leads WHERE id = $1 FOR UPDATE', [lead.id]);
        const [{ pid: holderPid }] = await holder.query('SELECT pg_backend_pid() AS pid');
        const a = account.owner.api.patch(`/leads/${lead.id}`, { notes: 'A', company: 'cA' });
        const b = account.owner.api.patch(`/leads/${lead.id}`, { notes: 'B' });
        // Both blocked: by the holder, or by the other PATCH that the holder blocks.
        await until(async () => {
          const [{ n }] = await dataSourceOf(t).query(
            `WITH waiting AS (SELECT pid, pg_blocking_pids(pid) AS by FROM pg_stat_activity WHERE wait_event_type = 'Lock')
             SELECT count(*)::int AS n FROM waiting w
              WHERE $1 = ANY(w.by) OR EXISTS (SELECT 1 FROM waiting v WHERE $1 = ANY(v.by) AND v.pid = ANY(w.by))`,
            [holderPid],
          );
          return n === 2;
        }, 'both PATCHes to wait for the row');
        await holder.commitTransaction();
        const [ra, rb] = await Promise.all([a, b]);
        expect([ra.status, rb.status]).toEqual([200, 200]);
      } finally {
        if (holder.isTransactionActive) await holder.rollbackTransaction();
        await holder.release();
      }
      const updates = (await entriesOf(t, account.id, lead.id)).filter((e) => e.event === 'lead_updated');
      expect(updates).toHaveLength(2);
      const [first, second] = updates.map((e) => e.data.changes);
      expect(first.notes.from).toBe('v0');
      expect(second.notes.from).toBe(first.notes.to);
      const final = (await account.owner.api.get(`/leads/${lead.id}`)).body;
      expect(final.notes).toBe(second.notes.to);
      // Neither update was lost: A's company stands whichever went first.
      expect(final.company).toBe('cA');
      const companyChanges = [first, second].filter((c) => c.company);
      expect(companyChanges).toEqual([expect.objectContaining({ company: { from: 'c0', to: 'cA' } })]);
    });
  });
});
