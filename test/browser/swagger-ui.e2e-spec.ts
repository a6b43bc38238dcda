// The Swagger UI in a real browser, as a newcomer meets it: the built server (dist/main.js) as its own process,
// `npm run seed:demo` (the script itself) against it, then Debian's Chromium driven by playwright-core opens
// the root address (redirected to /docs), authorizes once with the token and account seed:demo printed, opens
// POST /leads, "Try it out", Execute with everything as offered: 201, and the lead exists through the API.
// The body seed:demo prints for its first team works too. A screenshot is saved under test/browser/artifacts.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TEST_JWT_SECRET } from '../support/app';
import { ROOT, startServer, type ServerProcess } from '../support/server-process';
import { newPgliteDataDir, removePgliteDataDir, RUN_DATABASE_ENV, seedPgliteDataDir } from '../support/test-database';
import { BROWSER_HOST, CHROMIUM, HAVE_CHROMIUM, launchChromium, newcomerSwaggerFlow, parseSeedDemoOutput, type Chromium, type SeedDemoOutput } from './swagger-flow';

const run = promisify(execFile);
const SCREENSHOT = join(__dirname, 'artifacts', 'swagger-post-leads.png');

if (!HAVE_CHROMIUM) {
  console.warn(`swagger-ui (browser): SKIPPED, ${CHROMIUM} is missing. Install it with \`apt-get install -y chromium\` (.ci/run does).`);
}
const describeWithChromium = HAVE_CHROMIUM ? describe : describe.skip;

describeWithChromium('Swagger UI in Chromium, after npm run seed:demo', () => {
  let server: ServerProcess;
  let pgliteDir: string | undefined;
  let chromium: Chromium;
  let demo: SeedDemoOutput;

  beforeAll(async () => {
    // The run's database: its PostgreSQL database, or on PGlite runs a copy of the migrated template of its own.
    const url = process.env[RUN_DATABASE_ENV];
    if (!url) {
      pgliteDir = newPgliteDataDir();
      seedPgliteDataDir(pgliteDir);
    }
    // 90 s to become ready: the whole suite runs beside it on a loaded 2-core machine (PGlite starts slowest).
    server = await startServer(url ? { DATABASE_URL: url, JWT_SECRET: TEST_JWT_SECRET } : { DATA_DIR: pgliteDir, JWT_SECRET: TEST_JWT_SECRET }, 90_000);
    // The script as the README runs it (npm run seed:demo -- --url ...), with the server's secret.
    const seeded = await run(process.execPath, [require.resolve('ts-node/dist/bin'), '-T', 'scripts/seed-demo.ts', '--url', server.url], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, JWT_SECRET: TEST_JWT_SECRET, LEAD_DESK_ENV_FILE: 'none' },
    });
    demo = parseSeedDemoOutput(seeded.stdout);
    chromium = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await chromium?.close();
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    if (pgliteDir) removePgliteDataDir(pgliteDir);
  });

  it('Authorize (token and account) → POST /leads → Try it out → Execute answers 201 with the offered example', async () => {
    const origin = `http://${BROWSER_HOST}:${server.port}`;
    const flow = await newcomerSwaggerFlow(chromium.context, origin, demo, SCREENSHOT);

    // Nothing pre-filled that is not the reader's: the header starts empty, then carries the authorized account.
    expect(flow.accountFieldBefore).toBe('');
    expect(flow.accountFieldAfter).toBe(demo.accountId);
    expect(flow.offeredBody).toEqual({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', company: 'Analytical Engines Ltd', monthlyTransactionVolume: 125000 });
    expect(flow.requestUrl).toBe(`${origin}/leads?skipTeamAndSourceRequirement=true`);
    expect(flow.status).toBe('201');
    // The demo account has a default rotation: the lead is assigned by it.
    expect(flow.shown).toMatchObject({ ...flow.offeredBody, accountId: demo.accountId, createdBy: 'owner@demo.example.com', archived: false, assignedTo: expect.stringMatching(/@demo\.example\.com$/) });

    const auth = { authorization: `Bearer ${demo.token}`, 'x-account-id': demo.accountId };
    const stored = await fetch(`${server.url}/leads/${flow.shown.id}`, { headers: auth });
    expect(stored.status).toBe(200);
    expect(await stored.json()).toMatchObject({ id: flow.shown.id, ...flow.offeredBody, auditLog: [expect.objectContaining({ event: 'lead_created', user: 'owner@demo.example.com' })] });

    // The body seed:demo printed (its first team and source) is valid as it stands.
    const printed = await fetch(`${server.url}/leads`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(demo.leadBody) });
    expect(printed.status).toBe(201);
    expect(await printed.json()).toMatchObject({ ...demo.leadBody, assignedTo: expect.stringMatching(/^(ana|ben)@demo\.example\.com$/) });

    expect(flow.problems).toEqual({ cspViolations: [], pageErrors: [], failedRequests: [], foreignRequests: [] });
  }, 180_000);
});
