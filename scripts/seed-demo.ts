// Fills a running Lead Desk server with a demo account over HTTP, then prints a token and the x-account-id so
// the Swagger UI (/docs) shows real data at once:
//   npm run seed:demo                                  # the server at http://localhost:3000
//   npm run seed:demo -- --url http://host:3000 [--email owner@example.com] [--hours 12]
// The token is signed with JWT_SECRET from the environment (or the development secret when it is unset), so
// run it with the same JWT_SECRET as the server. Every run makes a new account; nothing is ever deleted.
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '../client/schema';
import { signDevelopmentToken } from '../src/auth/dev-token';
import { loadConfig } from '../src/config/config.module';
import { loadDotEnv } from '../src/config/dotenv';

type LeadInput = components['schemas']['LeadInput'];

export interface DemoAccount {
  accountId: string;
  owner: string;
  agents: string[];
  teams: { id: number; name: string; leadSources: { id: number; name: string }[] }[];
  rotations: { id: number; name: string }[];
  leads: number;
  /** How many leads each user was assigned, the rotations' work. */
  assigned: Record<string, number>;
}

/** Agents of the demo account: Ana gets three Enterprise leads for each of Ben's; Cleo only through the default rotation. */
const AGENTS = ['ana@demo.example.com', 'ben@demo.example.com', 'cleo@demo.example.com'];

const TEAMS = [
  { name: 'Enterprise', leadSources: ['Website form', 'Trade show'] },
  { name: 'Small business', leadSources: ['Referral partners', 'Cold outreach'] },
];

type DemoLead = [firstName: string, lastName: string, company: string, jobTitle: string, team: number | null, source: number, processor: string, monthlyVolume: number, employees: number, stage: string];

/** 20 leads: [.., team index (null: no team, the default rotation), source index in the team, ..]. */
const LEADS: DemoLead[] = [
  ['Maya', 'Chen', 'Northwind Logistics', 'CFO', 0, 0, 'Worldpay', 2_400_000, 850, 'qualified'],
  ['Liam', "O'Brien", 'Harbor Health Group', 'VP Finance', 0, 1, 'Adyen', 5_100_000, 2_300, 'proposal'],
  ['Sofia', 'Rossi', 'Tuscany Foods', 'Head of Payments', 0, 0, 'Fiserv', 1_750_000, 430, 'contacted'],
  ['Noah', 'Williams', 'Brightline Travel', 'Controller', 0, 1, 'Global Payments', 3_900_000, 1_200, 'new'],
  ['Amara', 'Okafor', 'Lagos Textiles', 'COO', 0, 0, 'Stripe', 980_000, 260, 'qualified'],
  ['Ethan', 'Novak', 'Prague Motors', 'Finance Director', 0, 1, 'Worldpay', 6_200_000, 3_100, 'won'],
  ['Hana', 'Sato', 'Kyoto Ceramics', 'Owner', 0, 0, 'PayPal', 410_000, 95, 'new'],
  ['Lucas', 'Martin', 'Lumière Hotels', 'CFO', 0, 1, 'Adyen', 7_800_000, 4_000, 'contacted'],
  ['Grace', 'Kim', 'Seoul Electronics Retail', 'Treasurer', 0, 0, 'Chase Paymentech', 2_050_000, 640, 'proposal'],
  ['Omar', 'Haddad', 'Cedar Pharmacies', 'Owner', 1, 0, 'Square', 180_000, 24, 'qualified'],
  ['Isla', 'Campbell', 'Highland Coffee', 'Owner', 1, 1, 'Square', 62_000, 9, 'new'],
  ['Mateo', 'García', 'La Esquina Tapas', 'Manager', 1, 0, 'Clover', 95_000, 18, 'contacted'],
  ['Zoe', 'Fischer', 'Fischer Bikes', 'Owner', 1, 1, 'SumUp', 71_000, 6, 'new'],
  ['Kwame', 'Mensah', 'Accra Auto Parts', 'Owner', 1, 0, 'Stripe', 240_000, 31, 'won'],
  ['Chloe', 'Dubois', 'Petit Four Bakery', 'Co-owner', 1, 1, 'Square', 54_000, 7, 'lost'],
  ['Arjun', 'Patel', 'Patel Family Grocers', 'Owner', 1, 0, 'Heartland', 310_000, 40, 'proposal'],
  ['Elena', 'Popescu', 'Carpathian Crafts', 'Founder', 1, 1, 'PayPal', 38_000, 4, 'new'],
  ['Jonas', 'Berg', 'Fjord Outdoor Gear', 'Owner', null, 0, 'Stripe', 150_000, 14, 'new'],
  ['Priya', 'Raman', 'Chennai Silks', 'Director', null, 0, 'Razorpay', 520_000, 75, 'contacted'],
  ['Diego', 'Silva', 'Rio Surf Shop', 'Owner', null, 0, 'PagSeguro', 88_000, 11, 'new'],
];

/** firstname.lastname@company.example.com, in plain ASCII. */
function emailOf(firstName: string, lastName: string, company: string): string {
  const ascii = (text: string) => text.normalize('NFD').replace(/[^a-zA-Z]/g, '').toLowerCase();
  return `${ascii(firstName)}.${ascii(lastName)}@${ascii(company)}.example.com`;
}

/** Throws with the status and error body when a call failed; returns its data otherwise. */
function must<T>(what: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  const hint =
    result.response.status === 401
      ? ' (is JWT_SECRET the same as the server\'s? The token is signed with the one in this environment.)'
      : result.response.status === 429
        ? ' (rate limited: try again in a minute, or raise RATE_LIMIT_PER_MINUTE)'
        : '';
  throw new Error(`${what}: HTTP ${result.response.status} ${JSON.stringify(result.error ?? null)}${hint}`);
}

/** Creates the demo account through `api` (whose requests carry the owner's token); `owner` is that user's email. */
export async function seedDemo(api: Client<paths>, owner: string, log: (line: string) => void = () => undefined): Promise<DemoAccount> {
  const account = must('create the account', await api.POST('/accounts', { body: { name: 'Demo Payments Co' } }));
  const scope = { header: { 'x-account-id': account.id } };
  log(`account ${account.id} "${account.name}", owner ${owner}`);

  for (const email of AGENTS) must(`add ${email}`, await api.POST('/members', { params: scope, body: { email, role: 'agent' } }));
  log(`agents: ${AGENTS.join(', ')}`);

  const teams: DemoAccount['teams'] = [];
  for (const { name, leadSources } of TEAMS) {
    const team = must(`create team ${name}`, await api.POST('/teams', { params: scope, body: { name } }));
    const sources = [];
    for (const source of leadSources) {
      const created = must(`create lead source ${source}`, await api.POST('/teams/{teamId}/lead-sources', { params: { ...scope, path: { teamId: team.id } }, body: { name: source } }));
      sources.push({ id: created.id, name: created.name });
    }
    teams.push({ id: team.id, name: team.name, leadSources: sources });
    log(`team ${team.id} ${team.name}: lead sources ${sources.map((s) => `${s.id} ${s.name}`).join(', ')}`);
  }

  const rotations = [
    must(
      'create the Enterprise rotation',
      await api.POST('/rotations', {
        params: scope,
        body: { name: 'Enterprise, weighted 3:1', teamId: teams[0].id, members: [{ user: AGENTS[0], weight: 3 }, { user: AGENTS[1], weight: 1 }] },
      }),
    ),
    must('create the default rotation', await api.POST('/rotations', { params: scope, body: { name: 'Everyone (default)', members: AGENTS.map((user) => ({ user })) } })),
  ];
  log(`rotations: ${rotations.map((r) => `${r.id} ${r.name}${r.teamId === null ? ' (account default)' : ''}`).join(', ')}`);

  const assigned: Record<string, number> = {};
  const leadIds: number[] = [];
  for (const [firstName, lastName, company, jobTitle, team, source, processor, volume, employees, stage] of LEADS) {
    const body: LeadInput = {
      firstName,
      lastName,
      company,
      jobTitle,
      email: emailOf(firstName, lastName, company),
      phone: `+1 555 01${String(leadIds.length).padStart(2, '0')}`,
      currentPaymentProcessor: processor,
      monthlyTransactionVolume: volume,
      numberOfEmployees: employees,
      interestedInSwitching: stage !== 'new' && stage !== 'lost',
      processStage: stage,
      ...(team === null ? {} : { teamId: teams[team].id, leadSourceId: teams[team].leadSources[source].id }),
    };
    const lead = must(
      `create lead ${firstName} ${lastName}`,
      await api.POST('/leads', { params: { ...scope, query: team === null ? { skipTeamAndSourceRequirement: true } : {} }, body }),
    );
    leadIds.push(lead.id);
    const user = lead.assignedTo ?? '(unassigned)';
    assigned[user] = (assigned[user] ?? 0) + 1;
  }
  log(`${leadIds.length} leads, assigned by the rotations: ${Object.entries(assigned).map(([u, n]) => `${u} ${n}`).join(', ')}`);

  // A little history: the won leads converted, the lost one archived.
  for (const [i, row] of LEADS.entries()) {
    const path = { id: leadIds[i] };
    if (row[9] === 'won') must(`convert lead ${path.id}`, await api.POST('/leads/{id}/convert', { params: { ...scope, path }, body: {} }));
    if (row[9] === 'lost') must(`archive lead ${path.id}`, await api.POST('/leads/{id}/archive', { params: { ...scope, path } }));
  }
  log('converted the won leads, archived the lost one');

  return {
    accountId: account.id,
    owner,
    agents: AGENTS,
    teams,
    rotations: rotations.map((r) => ({ id: r.id, name: r.name })),
    leads: leadIds.length,
    assigned,
  };
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const url = (option('url') ?? 'http://localhost:3000').replace(/\/+$/, '');
  const email = (option('email') ?? 'owner@demo.example.com').toLowerCase();
  const hours = Number(option('hours') ?? '12');
  if (!/^https?:\/\/\S+$/.test(url) || !/^[^@\s]+@[^@\s]+$/.test(email) || !Number.isFinite(hours) || hours <= 0) {
    console.error('usage: npm run seed:demo -- [--url http://localhost:3000] [--email owner@demo.example.com] [--hours 12]');
    process.exit(2);
  }
  const live = await fetch(`${url}/health/live`).then((r) => r.ok, () => false);
  if (!live) throw new Error(`No Lead Desk server answers at ${url} (start one with \`npm start\` or \`docker compose up\`, or pass --url)`);

  loadDotEnv(); // as the server does, so the token is signed with the same JWT_SECRET
  const config = loadConfig();
  const token = signDevelopmentToken(config, email, Math.round(hours * 3600));
  const api = createClient<paths>({ baseUrl: url, headers: { authorization: `Bearer ${token}` } });
  const demo = await seedDemo(api, email, (line) => console.log(`  ${line}`));

  console.log(demoInstructions(url, demo, token, `a JWT for ${email}, the owner, valid ${hours} h${config.jwt.usingDevelopmentSecret ? '; signed with the development secret, as JWT_SECRET is unset' : ''}`));
}

/** A POST /leads body for the demo account's first team and lead source: valid as it stands (rules 1-4). */
export function readyLeadBody(demo: DemoAccount): LeadInput {
  const team = demo.teams[0];
  return { teamId: team.id, leadSourceId: team.leadSources[0].id, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', company: 'Analytical Engines Ltd', monthlyTransactionVolume: 125000 };
}

/** What seed:demo prints after the data: the token, the account, and how to use them in /docs and with curl. */
export function demoInstructions(url: string, demo: DemoAccount, token: string, tokenNote: string): string {
  const body = JSON.stringify(readyLeadBody(demo));
  return `
Demo account ready on ${url}
  x-account-id:  ${demo.accountId}
  token:         ${token}
                 (${tokenNote})

Swagger UI: open ${url}/docs, click Authorize, paste the token under "bearer" and ${demo.accountId} under "account",
then POST /leads > Try it out > Execute (its example works as offered). A lead for team ${demo.teams[0].id} (${demo.teams[0].name}),
assigned by its rotation, takes this body:
  ${body}

With curl:
  curl -H 'authorization: Bearer ${token}' -H 'x-account-id: ${demo.accountId}' '${url}/leads?limit=5'
  curl -X POST -H 'authorization: Bearer ${token}' -H 'x-account-id: ${demo.accountId}' -H 'content-type: application/json' \\
       -d '${body}' '${url}/leads'`;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
