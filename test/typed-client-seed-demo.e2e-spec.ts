// `npm run seed:demo` (scripts/seed-demo.ts) in-process: its seedDemo() through the typed client over inject,
// then what the Swagger UI would show for the account it prints. The CLI around it only signs the token,
// builds the same client against --url and prints.
import { seedDemo } from '../scripts/seed-demo';
import { startTestApp, tokenFor, type TestApp } from './support/app';
import { newEmail } from './support/builders';
import { typedClient } from './support/typed-client';

describe('npm run seed:demo', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('creates an account with 2 teams, their lead sources, 3 agents, a weighted and a default rotation and 20 leads', async () => {
    const owner = newEmail('demo-owner');
    const api = typedClient(t.app, { token: tokenFor(t.config, owner) });
    const demo = await seedDemo(api, owner);
    const scope = { header: { 'x-account-id': demo.accountId } };

    expect(demo.teams.map((team) => [team.name, team.leadSources.length])).toEqual([
      ['Enterprise', 2],
      ['Small business', 2],
    ]);
    const members = await api.GET('/members', { params: scope });
    expect(members.data!.data.map((m) => `${m.email} ${m.role}`).sort()).toEqual(
      [`${owner} owner`, ...demo.agents.map((a) => `${a} agent`)].sort(),
    );

    const rotations = await api.GET('/rotations', { params: scope });
    expect(rotations.data!.data.map((r) => [r.teamId, r.members.map((m) => m.weight)])).toEqual(
      expect.arrayContaining([
        [demo.teams[0].id, [3, 1]],
        [null, [1, 1, 1]],
      ]),
    );

    // 9 Enterprise leads through 3:1 (ana 7, ben 2), 11 others through the default rotation (4, 4, 3).
    expect(demo.leads).toBe(20);
    expect(demo.assigned).toEqual({ [demo.agents[0]]: 11, [demo.agents[1]]: 6, [demo.agents[2]]: 3 });

    const all = await api.GET('/leads', { params: { ...scope, query: { archived: 'all', limit: 100 } } });
    expect(all.data!.data).toHaveLength(20);
    expect(all.data!.data.filter((l) => l.applicationId).map((l) => l.processStage)).toEqual(['won', 'won']);
    const live = await api.GET('/leads', { params: { ...scope, query: { limit: 100 } } });
    expect(live.data!.data).toHaveLength(19);
    const audit = await api.GET('/audit-logs', { params: { ...scope, query: { event: 'lead_created', limit: 100 } } });
    expect(audit.data!.data).toHaveLength(20);
  });
});
