// The main journey through the generated, typed client (client/schema.d.ts + openapi-fetch): every path,
// parameter and body below is checked by tsc against openapi.json, so a breaking change to the API (a renamed
// route, field or parameter, a changed type) breaks this file's compilation, and so this suite.
import { startTestApp, tokenFor, type TestApp } from './support/app';
import { newEmail } from './support/builders';
import { typedClient, type LeadDeskClient } from './support/typed-client';
import type { components } from '../client/schema';

type Lead = components['schemas']['Lead'];

describe('the main journey, through the typed client', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** The caller's client and the header every account-scoped operation requires (the types insist on it). */
  function as(email: string): LeadDeskClient {
    return typedClient(t.app, { token: tokenFor(t.config, email) });
  }

  it('account, members, team, lead source, rotations, leads, list with filters, patch, archive, convert, audit log', async () => {
    const ownerEmail = newEmail('owner');
    const owner = as(ownerEmail);

    // Account: the caller becomes its owner.
    const account = await owner.POST('/accounts', { body: { name: 'Typed journey' } });
    expect(account.response.status).toBe(201);
    expect(account.data).toMatchObject({ name: 'Typed journey', role: 'owner' });
    const accountId = account.data!.id;
    const scope = { header: { 'x-account-id': accountId } };

    // Three agents.
    const agents = [newEmail('agent-a'), newEmail('agent-b'), newEmail('agent-c')];
    for (const email of agents) {
      const added = await owner.POST('/members', { params: scope, body: { email, role: 'agent' } });
      expect(added.response.status).toBe(201);
      expect(added.data).toMatchObject({ email, role: 'agent', active: true });
    }
    const [a, b, c] = agents;

    // A team and its lead source.
    const team = await owner.POST('/teams', { params: scope, body: { name: 'Enterprise' } });
    expect(team.response.status).toBe(201);
    const teamId = team.data!.id;
    const source = await owner.POST('/teams/{teamId}/lead-sources', { params: { ...scope, path: { teamId } }, body: { name: 'Website form' } });
    expect(source.response.status).toBe(201);
    expect(source.data).toMatchObject({ teamId, name: 'Website form' });
    const leadSourceId = source.data!.id;

    // A weighted rotation for the team (a twice as often as b) and a default rotation (c).
    const weighted = await owner.POST('/rotations', {
      params: scope,
      body: { name: 'Enterprise 2:1', teamId, members: [{ user: a, weight: 2 }, { user: b, weight: 1 }] },
    });
    expect(weighted.response.status).toBe(201);
    const fallback = await owner.POST('/rotations', { params: scope, body: { name: 'Everyone else', members: [{ user: c }] } });
    expect(fallback.response.status).toBe(201);
    expect(fallback.data).toMatchObject({ teamId: null, active: true });
    const rotation = await owner.GET('/rotations/{id}', { params: { ...scope, path: { id: weighted.data!.id } } });
    expect(rotation.data).toMatchObject({ nextUser: a, members: [{ user: a, weight: 2 }, { user: b, weight: 1 }] });

    // The rules of POST /leads answer typed errors.
    const refused = await owner.POST('/leads', { params: scope, body: { firstName: 'No', lastName: 'Team' } });
    expect(refused.response.status).toBe(400);
    expect(refused.error).toEqual({ error: 'team ID is required when teams exist in the account' });

    // Leads: three through the team's rotation (smooth weighted round robin: a, b, a), one through the default.
    const created: Lead[] = [];
    for (const [firstName, company] of [['Grace', 'Hopper Payments'], ['Alan', 'Turing Retail'], ['Edsger', 'Dijkstra Foods']]) {
      const lead = await owner.POST('/leads', {
        params: scope,
        body: { firstName, lastName: 'Example', company, teamId, leadSourceId, monthlyTransactionVolume: 50000, currentPaymentProcessor: 'Stripe' },
      });
      expect(lead.response.status).toBe(201);
      created.push(lead.data!);
    }
    expect(created.map((l) => l.assignedTo)).toEqual([a, b, a]);
    expect(created[0]).toMatchObject({ accountId, teamId, leadSourceId, createdBy: ownerEmail, archived: false });
    expect(created[0].auditLog?.map((e) => e.event)).toEqual(['lead_created']);
    const walkIn = await owner.POST('/leads', {
      params: { ...scope, query: { skipTeamAndSourceRequirement: true } },
      body: { firstName: 'Walk', lastName: 'In', email: 'walk.in@example.com' },
    });
    expect(walkIn.response.status).toBe(201);
    expect(walkIn.data).toMatchObject({ teamId: null, assignedTo: c });

    // The list, newest first, with filters.
    const all = await owner.GET('/leads', { params: scope });
    expect(all.response.status).toBe(200);
    expect(all.data!.data.map((l) => l.id)).toEqual([walkIn.data!.id, ...created.map((l) => l.id).reverse()]);
    expect(all.data!.nextCursor).toBeNull();
    const ofA = await owner.GET('/leads', { params: { ...scope, query: { teamId, assignedTo: a } } });
    expect(ofA.data!.data.map((l) => l.id)).toEqual([created[2].id, created[0].id]);
    const search = await owner.GET('/leads', { params: { ...scope, query: { q: 'turing' } } });
    expect(search.data!.data.map((l) => l.id)).toEqual([created[1].id]);
    const firstPage = await owner.GET('/leads', { params: { ...scope, query: { limit: 2 } } });
    expect(firstPage.data!.data).toHaveLength(2);
    const secondPage = await owner.GET('/leads', { params: { ...scope, query: { limit: 2, cursor: firstPage.data!.nextCursor! } } });
    expect([...firstPage.data!.data, ...secondPage.data!.data].map((l) => l.id)).toEqual(all.data!.data.map((l) => l.id));

    // Patch: one lead_updated entry with the changes.
    const target = created[1].id;
    const patched = await owner.PATCH('/leads/{id}', { params: { ...scope, path: { id: target } }, body: { processStage: 'qualified', assignedTo: c } });
    expect(patched.response.status).toBe(200);
    expect(patched.data).toMatchObject({ processStage: 'qualified', assignedTo: c });
    const updated = patched.data!.auditLog!.find((e) => e.event === 'lead_updated');
    expect(updated?.data).toMatchObject({ changes: { processStage: { from: null, to: 'qualified' }, assignedTo: { from: b, to: c } } });
    const qualified = await owner.GET('/leads', { params: { ...scope, query: { processStage: 'qualified' } } });
    expect(qualified.data!.data.map((l) => l.id)).toEqual([target]);

    // Convert, then archive: archived leads leave the default list.
    const converted = await owner.POST('/leads/{id}/convert', { params: { ...scope, path: { id: target } }, body: {} });
    expect(converted.response.status).toBe(200);
    expect(converted.data!.applicationId).toMatch(/^app_[0-9a-f]{24}$/);
    const again = await owner.POST('/leads/{id}/convert', { params: { ...scope, path: { id: target } }, body: {} });
    expect(again.response.status).toBe(409);
    expect(again.error?.error).toEqual(expect.any(String));
    const archived = await owner.POST('/leads/{id}/archive', { params: { ...scope, path: { id: target } } });
    expect(archived.response.status).toBe(200);
    expect(archived.data!.archived).toBe(true);
    const live = await owner.GET('/leads', { params: scope });
    expect(live.data!.data.map((l) => l.id)).not.toContain(target);
    const both = await owner.GET('/leads', { params: { ...scope, query: { archived: 'all' } } });
    expect(both.data!.data.map((l) => l.id)).toContain(target);
    const one = await owner.GET('/leads/{id}', { params: { ...scope, path: { id: target } } });
    expect(one.data!.auditLog!.map((e) => e.event)).toEqual(['lead_created', 'lead_updated', 'lead_converted', 'lead_archived']);

    // The audit log, newest first, filtered to the lead.
    const audit = await owner.GET('/audit-logs', { params: { ...scope, query: { leadId: target } } });
    expect(audit.response.status).toBe(200);
    expect(audit.data!.data.map((e) => e.event)).toEqual(['lead_archived', 'lead_converted', 'lead_updated', 'lead_created']);
    expect(audit.data!.data.every((e) => e.account_id === accountId && e.entityType === 'lead' && e.entityId === String(target))).toBe(true);
    const teamEntries = await owner.GET('/audit-logs', { params: { ...scope, query: { entityType: 'team' } } });
    expect(teamEntries.data!.data.map((e) => e.event)).toEqual(['team_created']);

    // An agent sees the leads but not the audit log; another account's caller sees nothing of it.
    const agent = as(a);
    expect((await agent.GET('/leads/{id}', { params: { ...scope, path: { id: created[0].id } } })).response.status).toBe(200);
    const denied = await agent.GET('/audit-logs', { params: scope });
    expect(denied.response.status).toBe(403);
    expect(denied.error).toEqual({ error: expect.any(String) });
    const stranger = as(newEmail('stranger'));
    expect((await stranger.GET('/leads', { params: scope })).response.status).toBe(403);
  });

  it('answers 204 with no body through the typed client (DELETE)', async () => {
    const owner = as(newEmail('owner'));
    const account = await owner.POST('/accounts', { body: { name: 'Deletes' } });
    const scope = { header: { 'x-account-id': account.data!.id } };
    const team = await owner.POST('/teams', { params: scope, body: { name: 'Short-lived' } });
    const removed = await owner.DELETE('/teams/{id}', { params: { ...scope, path: { id: team.data!.id } } });
    expect(removed.response.status).toBe(204);
    expect((await owner.GET('/teams/{id}', { params: { ...scope, path: { id: team.data!.id } } })).response.status).toBe(404);
  });
});

/**
 * Never run: these lines only have to fail to compile. If the API changed so that one of them became valid
 * (the route appeared, the field became optional...), `@ts-expect-error` itself would fail the build.
 */
export function compileTimeChecks(api: LeadDeskClient): void {
  const scope = { header: { 'x-account-id': '1' } };
  // @ts-expect-error: no such route
  void api.GET('/lead', { params: scope });
  // @ts-expect-error: lastName is required
  void api.POST('/leads', { params: scope, body: { firstName: 'Ada' } });
  // @ts-expect-error: x-account-id is required on an account-scoped route
  void api.GET('/leads', {});
  // @ts-expect-error: teamId is an integer, not a string
  void api.GET('/leads', { params: { ...scope, query: { teamId: '12' } } });
  // @ts-expect-error: archived is false | true | all
  void api.GET('/leads', { params: { ...scope, query: { archived: 'yes' } } });
}
