import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { call } from './support/http';
import { countAuditEntries, countLeads, createLead, createRotation, createTeam, createLeadSource, dataSourceOf } from './support/leads';

/**
 * API.md section 11 over HTTP: match keys, the duplicate policy (account setting and ?onDuplicate), GET
 * /leads/{id}/duplicates, POST /leads/{id}/merge, POST /leads/bulk and POST /leads/import.
 * The concurrent proofs (50 creates at once from two apps) are in duplicates-concurrency.e2e-spec.ts.
 */
describe('duplicates, merge, bulk create and import', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const setPolicy = (account: TestAccount, settings: Record<string, unknown>) => account.owner.api.patch(`/accounts/${account.id}`, settings);
  const keysOf = async (id: number) => {
    const [row] = await dataSourceOf(t).query('SELECT email_key, phone_key, merged_into_id FROM leads WHERE id = $1', [id]);
    return row;
  };
  const csv = (account: TestAccount, text: string, query = '') =>
    call(t.app, { method: 'POST', url: `/leads/import${query}`, token: account.owner.token, account: account.id, payload: text, headers: { 'content-type': 'text/csv' } });

  describe('match keys', () => {
    it('email trimmed and lower-cased; phone in E.164 for the account defaultCountry, else its digits; PATCH recomputes them', async () => {
      const account = await createAccount(t);
      expect((await setPolicy(account, { defaultCountry: 'GB' })).status).toBe(200);
      const lead = await createLead(account.owner.api, { firstName: 'A', lastName: 'B', email: 'ada@example.com', phone: '020 7946 0958' }, '?skipTeamAndSourceRequirement=true');
      expect(await keysOf(lead.id)).toMatchObject({ email_key: 'ada@example.com', phone_key: '+442079460958' });
      const odd = await createLead(account.owner.api, { firstName: 'A', lastName: 'B', phone: 'ext. 12' });
      expect(await keysOf(odd.id)).toMatchObject({ email_key: null, phone_key: '12' });
      const patched = await account.owner.api.patch(`/leads/${lead.id}`, { email: 'Grace@Example.com', phone: '+1 (415) 555-0100' });
      expect(patched.status).toBe(200);
      expect(await keysOf(lead.id)).toMatchObject({ email_key: 'grace@example.com', phone_key: '+14155550100' });
      expect(patched.body.mergedIntoId).toBeNull();
    });
  });

  describe('duplicate policy on POST /leads', () => {
    it('allow (the default) creates duplicates as the seed does', async () => {
      const account = await createAccount(t);
      await createLead(account.owner.api, { firstName: 'A', lastName: 'B', email: 'x@example.com' });
      await createLead(account.owner.api, { firstName: 'A', lastName: 'B', email: 'X@Example.com' });
      expect(await countLeads(t, account.id)).toBe(2);
    });

    it('reject: 409 with the duplicates after rules 1-5 pass, nothing created; archived leads never match', async () => {
      const account = await createAccount(t);
      expect((await setPolicy(account, { duplicatePolicy: 'reject', defaultCountry: 'US' })).status).toBe(200);
      const first = await createLead(account.owner.api, { firstName: 'A', lastName: 'B', email: 'ada@example.com', phone: '(415) 555-0100' });
      const byEmail = await account.owner.api.post('/leads', { firstName: 'C', lastName: 'D', email: 'ADA@Example.com' });
      expect(byEmail.status).toBe(409);
      expect(byEmail.body).toEqual({ error: 'a lead with the same email or phone already exists', duplicates: [{ id: first.id, matchedOn: ['email'] }] });
      const both = await account.owner.api.post('/leads', { firstName: 'C', lastName: 'D', email: 'ada@example.com', phone: '+1 415-555-0100' });
      expect(both.body.duplicates).toEqual([{ id: first.id, matchedOn: ['email', 'phone'] }]);
      // rules first: a bad assignee is the rule's 400, not the 409
      const rule = await account.owner.api.post('/leads', { firstName: 'C', lastName: 'D', email: 'ada@example.com', assignedTo: 'nobody@example.com' });
      expect(rule.status).toBe(400);
      expect(rule.body.error).toBe('assignedTo must be an active member of the account');
      // the per-request override
      expect((await account.owner.api.post('/leads?onDuplicate=allow', { firstName: 'C', lastName: 'D', email: 'ada@example.com' })).status).toBe(201);
      expect(await countLeads(t, account.id)).toBe(2);
      // archived leads never match
      for (const lead of (await account.owner.api.get('/leads')).body.data) await account.owner.api.post(`/leads/${lead.id}/archive`);
      expect((await account.owner.api.post('/leads', { firstName: 'C', lastName: 'D', email: 'ada@example.com' })).status).toBe(201);
      expect((await account.owner.api.post('/leads?onDuplicate=maybe', { firstName: 'C', lastName: 'D' })).status).toBe(400);
    });

    it('reject: every way of creating fences the new lead keys; a change of key, archive + unarchive and merge never meet a fence and free the old key', async () => {
      const account = await createAccount(t);
      const api = account.owner.api;
      expect((await setPolicy(account, { duplicatePolicy: 'reject', defaultCountry: 'US' })).status).toBe(200);
      const fences = async (id: number) => (await dataSourceOf(t).query('SELECT email_fenced, phone_fenced FROM leads WHERE id = $1', [id]))[0];
      const lead = (n: string, extra: Record<string, unknown> = {}) => ({ firstName: 'F', lastName: n, ...extra });
      // the first create of a process meeting the account is checked; the next goes in one statement
      const a = await createLead(api, lead('a', { email: 'one@example.com', phone: '(415) 555-0101' }));
      const b = await createLead(api, lead('b', { email: 'two@example.com', phone: '(415) 555-0102' }));
      const keyed = await api.post('/leads', lead('c', { email: 'three@example.com' }), { 'idempotency-key': 'fence-c' });
      expect(keyed.status).toBe(201);
      const bulk = await api.post('/leads/bulk', { leads: [lead('bulk', { email: 'four@example.com' })] });
      expect(bulk.body.created).toBe(1);
      const allowed = await createLead(api, lead('allowed', { email: 'five@example.com' }), '?onDuplicate=allow');
      expect(await fences(a.id)).toEqual({ email_fenced: true, phone_fenced: true });
      expect(await fences(b.id)).toEqual({ email_fenced: true, phone_fenced: true });
      expect(await fences(keyed.body.id)).toEqual({ email_fenced: true, phone_fenced: false });
      expect(await fences(bulk.body.results[0].lead.id)).toEqual({ email_fenced: true, phone_fenced: false });
      expect(await fences(allowed.id)).toEqual({ email_fenced: false, phone_fenced: false });

      // PATCH onto another fenced lead's email: duplicates are judged at create only; the changed key's fence goes
      expect((await api.patch(`/leads/${a.id}`, { email: 'Two@example.com' })).status).toBe(200);
      expect(await fences(a.id)).toEqual({ email_fenced: false, phone_fenced: true });
      expect((await api.post('/leads', lead('d', { email: 'one@example.com' }))).status).toBe(201);

      // archived, its phone taken by a new lead, then unarchived: both live, the unarchived one fences nothing
      expect((await api.post(`/leads/${b.id}/archive`)).status).toBe(200);
      expect((await api.post('/leads', lead('e', { email: 'six@example.com', phone: '+1 415 555 0102' }))).status).toBe(201);
      expect((await api.post(`/leads/${b.id}/unarchive`)).status).toBe(200);
      expect(await fences(b.id)).toEqual({ email_fenced: false, phone_fenced: false });
      const twice = await api.post('/leads', lead('g', { email: 'two@example.com' }));
      expect(twice.status).toBe(409);
      expect(twice.body.duplicates.map((d: { id: number }) => d.id).sort()).toEqual([a.id, b.id].sort());

      // a merge filling the target's phone from a fenced source
      const source = await createLead(api, lead('h', { phone: '(415) 555-0103' }));
      const merged = await api.post(`/leads/${keyed.body.id}/merge`, { sourceIds: [source.id] });
      expect(merged.status).toBe(200);
      expect(merged.body.phone).toBe('(415) 555-0103');
      expect((await api.post('/leads', lead('i', { phone: '4155550103' }))).status).toBe(409);
      expect((await api.post(`/leads/${source.id}/unarchive`)).status).toBe(200);
    });

    it('assign_to_owner: goes to the newest match with an active assignee, reason duplicate_owner, no rotation turn', async () => {
      const account = await createAccount(t);
      const [a, b] = [await account.member('agent'), await account.member('agent')];
      const rotationId = await createRotation(account.owner.api, [a.email, b.email]);
      const first = await createLead(account.owner.api, { firstName: 'A', lastName: 'B', email: 'o@example.com' });
      expect(first.assignedTo).toBe(a.email);
      const res = await account.owner.api.post('/leads?onDuplicate=assign_to_owner', { firstName: 'A', lastName: 'B', email: 'O@example.com' });
      expect(res.status).toBe(201);
      expect(res.body.assignedTo).toBe(a.email);
      expect(res.body.auditLog[0].data.assignment).toEqual({ rotationId: null, user: a.email, reason: 'duplicate_owner', fallbackFromTeamRotationId: null, candidates: [], consulted: [] });
      // no turn was taken: the next lead without a match gets b
      expect((await account.owner.api.get(`/rotations/${rotationId}`)).body.nextUser).toBe(b.email);
      expect((await createLead(account.owner.api, { firstName: 'N', lastName: 'M' })).assignedTo).toBe(b.email);
      // an explicit assignedTo is kept
      const own = await account.owner.api.post('/leads?onDuplicate=assign_to_owner', { firstName: 'A', lastName: 'B', email: 'o@example.com', assignedTo: b.email });
      expect(own.body.assignedTo).toBe(b.email);
    });
  });

  describe('GET /leads/{id}/duplicates', () => {
    it('the live unarchived matches with what they matched on; 404 for another account', async () => {
      const account = await createAccount(t);
      const lead = await createLead(account.owner.api, { firstName: 'A', lastName: 'B', email: 'd@example.com', phone: '415 555 0101' });
      const byPhone = await createLead(account.owner.api, { firstName: 'A', lastName: 'B', phone: '+14155550101' });
      const byEmail = await createLead(account.owner.api, { firstName: 'A', lastName: 'B', email: 'D@example.com' });
      const archived = await createLead(account.owner.api, { firstName: 'A', lastName: 'B', email: 'd@example.com' });
      await account.owner.api.post(`/leads/${archived.id}/archive`);
      const res = await account.owner.api.get(`/leads/${lead.id}/duplicates`);
      expect(res.status).toBe(200);
      expect(res.body.data.map((d: any) => [d.lead.id, d.matchedOn])).toEqual([
        [byEmail.id, ['email']],
        [byPhone.id, ['phone']],
      ]);
      const other = await createAccount(t);
      expect((await other.owner.api.get(`/leads/${lead.id}/duplicates`)).status).toBe(404);
    });
  });

  describe('POST /leads/{id}/merge', () => {
    it('3 sources: target keeps its values, nulls filled from the newest source having one, sources archived with mergedIntoId, audited', async () => {
      const account = await createAccount(t);
      const api = account.owner.api;
      const target = await createLead(api, { firstName: 'Target', lastName: 'T', email: 't@example.com' });
      const oldest = await createLead(api, { firstName: 'S1', lastName: 'S', email: 's1@example.com', company: 'Old Co', jobTitle: 'CTO', phone: '+442079460958' });
      const middle = await createLead(api, { firstName: 'S2', lastName: 'S', company: 'Mid Co', notes: 'from the middle' });
      const newest = await createLead(api, { firstName: 'S3', lastName: 'S', company: 'New Co' });
      const res = await api.post(`/leads/${target.id}/merge`, { sourceIds: [oldest.id, newest.id, middle.id] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: target.id, firstName: 'Target', email: 't@example.com', company: 'New Co', notes: 'from the middle', jobTitle: 'CTO', phone: '+442079460958' });
      const entry = res.body.auditLog.find((e: any) => e.event === 'lead_merged');
      expect(entry.data.sourceIds).toEqual([oldest.id, newest.id, middle.id]);
      expect(entry.data.changes).toEqual({
        company: { from: null, to: 'New Co' },
        notes: { from: null, to: 'from the middle' },
        jobTitle: { from: null, to: 'CTO' },
        phone: { from: null, to: '+442079460958' },
      });
      expect((await keysOf(target.id)).phone_key).toBe('+442079460958');
      for (const source of [oldest, middle, newest]) {
        const got = await api.get(`/leads/${source.id}`);
        expect(got.body).toMatchObject({ archived: true, mergedIntoId: target.id });
        expect(got.body.auditLog.at(-1)).toMatchObject({ event: 'lead_merged_into', data: { targetId: target.id, changes: { archived: { from: false, to: true }, mergedIntoId: { from: null, to: target.id } } } });
      }
      // merged already: 409, nothing changes
      const again = await api.post(`/leads/${target.id}/merge`, { sourceIds: [oldest.id] });
      expect(again.status).toBe(409);
    });

    it('idempotent with Idempotency-Key; agents may not merge', async () => {
      const account = await createAccount(t);
      const target = await createLead(account.owner.api, { firstName: 'T', lastName: 'T' });
      const source = await createLead(account.owner.api, { firstName: 'S', lastName: 'S', email: 's@example.com' });
      const agent = await account.member('agent');
      expect((await agent.api.post(`/leads/${target.id}/merge`, { sourceIds: [source.id] })).status).toBe(403);
      const first = await account.owner.api.post(`/leads/${target.id}/merge`, { sourceIds: [source.id] }, { 'idempotency-key': 'merge-1' });
      const second = await account.owner.api.post(`/leads/${target.id}/merge`, { sourceIds: [source.id] }, { 'idempotency-key': 'merge-1' });
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toEqual(first.body);
      expect(await countAuditEntries(t, account.id, 'lead_merged')).toBe(1);
    });

    it.each([
      ['an unknown target', 'unknownTarget', 404],
      ["another account's target", 'otherTarget', 404],
      ['an unknown source', 'unknownSource', 400],
      ["another account's source", 'otherSource', 400],
      ['the target among the sources', 'targetAsSource', 409],
      ['no sources', 'empty', 400],
      ['21 sources', 'tooMany', 400],
      ['a repeated source', 'repeated', 400],
      ['a target merged already', 'mergedTarget', 409],
    ])('%s → %s, nothing changed', async (_name, kind, status) => {
      const account = await createAccount(t);
      const other = await createAccount(t);
      const target = await createLead(account.owner.api, { firstName: 'T', lastName: 'T' });
      const source = await createLead(account.owner.api, { firstName: 'S', lastName: 'S', email: 's@example.com' });
      const foreign = await createLead(other.owner.api, { firstName: 'F', lastName: 'F' });
      const [namedTarget, sourceIds] = {
        unknownTarget: [2_000_000_000, [source.id]],
        otherTarget: [foreign.id, [source.id]],
        unknownSource: [target.id, [source.id, 2_000_000_000]],
        otherSource: [target.id, [source.id, foreign.id]],
        targetAsSource: [target.id, [source.id, target.id]],
        empty: [target.id, []],
        tooMany: [target.id, Array.from({ length: 21 }, (_, i) => i + 1)],
        repeated: [target.id, [source.id, source.id]],
        mergedTarget: [0, [source.id]],
      }[kind] as [number, number[]];
      let targetId = namedTarget;
      if (kind === 'mergedTarget') {
        const other = await createLead(account.owner.api, { firstName: 'O', lastName: 'O' });
        const merged = await createLead(account.owner.api, { firstName: 'M', lastName: 'M' });
        expect((await account.owner.api.post(`/leads/${other.id}/merge`, { sourceIds: [merged.id] })).status).toBe(200);
        targetId = merged.id;
      }
      const before = await countAuditEntries(t, account.id);
      const res = await account.owner.api.post(`/leads/${targetId}/merge`, { sourceIds });
      expect(res.status).toBe(status);
      expect(typeof res.body.error).toBe('string');
      expect(await countAuditEntries(t, account.id)).toBe(before);
      expect((await account.owner.api.get(`/leads/${source.id}`)).body.archived).toBe(false);
    });
  });

  describe('POST /leads/bulk', () => {
    it('1000 leads through a 1:2:3 rotation: exactly the assignees of 1000 sequential POST /leads, 1000 lead_created entries', async () => {
      const bodies = Array.from({ length: 1000 }, (_, i) => ({ firstName: 'Lead', lastName: `n${i}`, email: `l${i % 700}@example.com` }));
      const setUp = async () => {
        const account = await createAccount(t);
        const members = [await account.member('agent', 'w1@bulk.test'), await account.member('agent', 'w2@bulk.test'), await account.member('agent', 'w3@bulk.test')];
        const res = await account.owner.api.post('/rotations', { name: 'R', members: members.map((m, i) => ({ user: m.email, weight: i + 1 })) });
        expect(res.status).toBe(201);
        return account;
      };
      const one = await setUp();
      const sequential: string[] = [];
      for (const body of bodies) sequential.push((await createLead(one.owner.api, body)).assignedTo);
      const two = await setUp();
      const res = await two.owner.api.post('/leads/bulk', { leads: bodies });
      expect(res.status).toBe(200);
      expect(res.body.created).toBe(1000);
      expect(res.body.failed).toBe(0);
      expect(res.body.results.map((r: any) => r.index)).toEqual(bodies.map((_, i) => i));
      expect(res.body.results.map((r: any) => r.lead.assignedTo)).toEqual(sequential);
      expect(await countAuditEntries(t, two.id, 'lead_created')).toBe(1000);
      // the same entries as a lone POST writes
      const [lone] = (await one.owner.api.get(`/leads/${(await one.owner.api.get('/leads?limit=1')).body.data[0].id}`)).body.auditLog;
      const bulkEntry = res.body.results[999].lead.auditLog[0];
      expect(Object.keys(bulkEntry.data).sort()).toEqual(Object.keys(lone.data).sort());
      expect(bulkEntry.data.assignment).toEqual({ ...lone.data.assignment, rotationId: bulkEntry.data.assignment.rotationId });
      expect((await two.owner.api.get('/rotations')).body.data[0].nextUser).toBe((await one.owner.api.get('/rotations')).body.data[0].nextUser);
    }, 300_000);

    it('per-lead results in order: rules, validation, duplicates within the batch (reject), the batch idempotent', async () => {
      const account = await createAccount(t);
      const agent = await account.member('agent');
      const leads = [
        { firstName: 'A', lastName: 'B', email: 'same@example.com' },
        { firstName: 'A', lastName: 'B', email: 'SAME@example.com' },
        { firstName: 'A' },
        { firstName: 'A', lastName: 'B', teamId: 999999 },
        { firstName: 'A', lastName: 'B', assignedTo: agent.email, phone: '415 555 0199' },
        { firstName: 'A', lastName: 'B', phone: '+1 415 555 0199' },
        'not an object',
      ];
      const res = await account.owner.api.post('/leads/bulk?onDuplicate=reject', { leads }, { 'idempotency-key': 'bulk-1' });
      expect(res.status).toBe(200);
      const r = res.body.results;
      expect(res.body).toMatchObject({ created: 2, failed: 5 });
      expect(r[0]).toMatchObject({ index: 0, status: 201 });
      expect(r[1]).toEqual({ index: 1, status: 409, error: 'a lead with the same email or phone already exists', duplicates: [{ id: r[0].lead.id, matchedOn: ['email'] }] });
      expect(r[2]).toMatchObject({ index: 2, status: 400, error: 'Request validation failed', details: [expect.objectContaining({ field: 'lastName' })] });
      expect(r[3]).toEqual({ index: 3, status: 400, error: 'team not found' });
      expect(r[4]).toMatchObject({ index: 4, status: 201, lead: { assignedTo: agent.email } });
      expect(r[5]).toMatchObject({ index: 5, status: 409, duplicates: [{ id: r[4].lead.id, matchedOn: ['phone'] }] });
      expect(r[6]).toMatchObject({ index: 6, status: 400 });
      const replay = await account.owner.api.post('/leads/bulk?onDuplicate=reject', { leads }, { 'idempotency-key': 'bulk-1' });
      expect(replay.body).toEqual(res.body);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(await countLeads(t, account.id)).toBe(2);
    });

    it('assign_to_owner within the batch: later duplicates take the first one’s assignee, one turn in all', async () => {
      const account = await createAccount(t);
      const [a, b] = [await account.member('agent'), await account.member('agent')];
      await createRotation(account.owner.api, [a.email, b.email]);
      const leads = Array.from({ length: 5 }, (_, i) => ({ firstName: 'A', lastName: `${i}`, email: 'owner@example.com' }));
      const res = await account.owner.api.post('/leads/bulk?onDuplicate=assign_to_owner', { leads: [...leads, { firstName: 'X', lastName: 'Y' }] });
      expect(res.body.results.map((r: any) => r.lead.assignedTo)).toEqual([a.email, a.email, a.email, a.email, a.email, b.email]);
      expect(res.body.results[1].lead.auditLog[0].data.assignment).toEqual({ rotationId: null, user: a.email, reason: 'duplicate_owner', fallbackFromTeamRotationId: null, candidates: [], consulted: [] });
    });

    it.each([
      ['1001 leads', () => ({ leads: Array.from({ length: 1001 }, () => ({ firstName: 'A', lastName: 'B' })) }), 400],
      ['no leads', () => ({ leads: [] }), 400],
      ['leads not an array', () => ({ leads: { firstName: 'A' } }), 400],
      ['an unknown top-level field', () => ({ leads: [{ firstName: 'A', lastName: 'B' }], extra: 1 }), 400],
      ['a body over 10 MiB', () => ({ leads: [{ firstName: 'A', lastName: 'B', notes: 'x'.repeat(11 * 1024 * 1024) }] }), 413],
    ])('%s → %s before any work, nothing created', async (_name, body, status) => {
      const account = await createAccount(t);
      const res = await account.owner.api.post('/leads/bulk', body());
      expect(res.status).toBe(status);
      expect(typeof res.body.error).toBe('string');
      expect(await countLeads(t, account.id)).toBe(0);
    });

    it('a body between 1 and 10 MiB is accepted on /leads/bulk only', async () => {
      const account = await createAccount(t);
      const notes = 'n'.repeat(9000);
      const leads = Array.from({ length: 200 }, (_, i) => ({ firstName: 'A', lastName: `${i}`, notes }));
      expect((await account.owner.api.post('/leads/bulk', { leads })).body.created).toBe(200);
      const single = await account.owner.api.post('/leads', { firstName: 'A', lastName: 'B', notes: 'n'.repeat(2 * 1024 * 1024) });
      expect(single.status).toBe(413);
      expect(single.body.error).toBe('Request body is larger than 1 MiB');
    });
  });

  describe('POST /leads/import', () => {
    it('creates each row as bulk would, index = data row number; quoted fields per RFC 4180', async () => {
      const account = await createAccount(t);
      const teamId = await createTeam(account.owner.api);
      const sourceId = await createLeadSource(account.owner.api, teamId);
      const text =
        'firstName,lastName,email,teamId,leadSourceId,numberOfEmployees,interestedInSwitching,notes\r\n' +
        `Ada,Lovelace,ada@example.com,${teamId},${sourceId},12,true,"line one\r\nline ""two"", with comma"\r\n` +
        `Grace,,grace@example.com,${teamId},${sourceId},,,\r\n` +
        `Alan,Turing,ADA@example.com,${teamId},${sourceId},,false,\r\n`;
      const res = await csv(account, text, '?onDuplicate=reject');
      expect(res.status).toBe(200);
      expect(res.body.created).toBe(1);
      expect(res.body.failed).toBe(2);
      expect(res.body.results[0]).toMatchObject({ index: 1, status: 201, lead: { firstName: 'Ada', numberOfEmployees: 12, interestedInSwitching: true, notes: 'line one\r\nline "two", with comma' } });
      expect(res.body.results[1]).toMatchObject({ index: 2, status: 400, details: [expect.objectContaining({ field: 'lastName' })] });
      expect(res.body.results[2]).toMatchObject({ index: 3, status: 409, duplicates: [{ id: res.body.results[0].lead.id, matchedOn: ['email'] }] });
    });

    it('with Idempotency-Key (up to 1000 rows): one batch, replayed, created once; more rows with a key → 400', async () => {
      const account = await createAccount(t);
      const post = (text: string) =>
        call(t.app, { method: 'POST', url: '/leads/import', token: account.owner.token, account: account.id, payload: text, headers: { 'content-type': 'text/csv', 'idempotency-key': 'import-1' } });
      const first = await post('firstName,lastName\nA,B\nC,D\n');
      const again = await post('firstName,lastName\nA,B\nC,D\n');
      expect(first.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await countLeads(t, account.id)).toBe(2);
      expect((await post('firstName,lastName\nX,Y\n')).status).toBe(409);
      const big = await call(t.app, {
        method: 'POST',
        url: '/leads/import',
        token: account.owner.token,
        account: account.id,
        payload: `firstName,lastName\n${'A,B\n'.repeat(1001)}`,
        headers: { 'content-type': 'text/csv', 'idempotency-key': 'import-2' },
      });
      expect(big.status).toBe(400);
      expect(await countLeads(t, account.id)).toBe(2);
    });

    it('more than 1000 rows go in chunks of 1000, results in row order', async () => {
      const account = await createAccount(t);
      const rows = Array.from({ length: 2500 }, (_, i) => `F${i},L${i}`).join('\n');
      const res = await csv(account, `firstName,lastName\n${rows}\n`);
      expect(res.status).toBe(200);
      expect(res.body.created).toBe(2500);
      expect(res.body.results.map((r: any) => r.index)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
      expect(await countAuditEntries(t, account.id, 'lead_created')).toBe(2500);
    }, 120_000);

    it.each([
      ['an unknown column', 'firstName,lastName,favouriteColour\nA,B,red\n', 'CSV header, column 3: "favouriteColour" is not a LeadInput field'],
      ['a repeated column', 'firstName,lastName,firstName\nA,B,C\n', 'CSV header, column 3: "firstName" appears twice'],
      ['no lastName column', 'firstName,email\nA,a@example.com\n', 'the CSV header has no "lastName" column (it is required)'],
      ['a quote never closed', 'firstName,lastName\nA,B\nC,"D\n', 'CSV row 2, column 2 ("lastName") has a quote that is never closed'],
      ['a misplaced quote', 'firstName,lastName\nA,"B"x\n', 'CSV row 1, column 2 ("lastName") has a misplaced quote'],
      ['a row too wide', 'firstName,lastName\nA,B\nC,D,E\n', 'CSV row 2, column 3 has 3 columns where the header has 2'],
      ['a row too narrow', 'firstName,lastName\nA,B\nA,B\nC\n', 'CSV row 3, column 2 ("lastName") has 1 columns where the header has 2'],
      ['an empty file', '', 'the CSV has no header row (LeadInput field names)'],
    ])('%s → 400 naming the row and column, nothing created', async (_name, text, error) => {
      const account = await createAccount(t);
      const res = await csv(account, text);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(error);
      expect(await countLeads(t, account.id)).toBe(0);
    });

    it('not text/csv → 415; text/csv on another route → 415; over 10 MiB → 413', async () => {
      const account = await createAccount(t);
      expect((await account.owner.api.post('/leads/import', { firstName: 'A' })).status).toBe(415);
      const other = await call(t.app, { method: 'POST', url: '/leads', token: account.owner.token, account: account.id, payload: 'firstName,lastName\nA,B\n', headers: { 'content-type': 'text/csv' } });
      expect(other.status).toBe(415);
      const big = await csv(account, `firstName,lastName,notes\n${`A,B,${'x'.repeat(9000)}\n`.repeat(1200)}`);
      expect(big.status).toBe(413);
      expect(big.body.error).toBe('Request body is larger than 10 MiB');
      expect(await countLeads(t, account.id)).toBe(0);
    });
  });
});
