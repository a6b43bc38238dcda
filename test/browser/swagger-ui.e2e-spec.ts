// The Swagger UI in a real browser: the built server (dist/main.js) as its own process, Debian's Chromium driven
// by playwright-core. Authorize with a JWT, open POST /leads, "Try it out", fill x-account-id, keep the example body it offers,
// Execute, see the 201; the lead then exists through the API. A screenshot is saved under test/browser/artifacts.
//
// The page is opened as http://lead-desk.test:<port> (mapped to 127.0.0.1 inside Chromium), not localhost:
// browsers treat localhost as a secure origin, and a deployment reached by name over plain HTTP is where the
// Content-Security-Policy can break the page (helmet's upgrade-insecure-requests did).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { signDevelopmentToken } from '../../src/auth/dev-token';
import { loadConfig } from '../../src/config/config.module';
import { TEST_JWT_SECRET } from '../support/app';
import { newEmail } from '../support/builders';
import { startServer, type ServerProcess } from '../support/server-process';
import { newPgliteDataDir, removePgliteDataDir, RUN_DATABASE_ENV, seedPgliteDataDir } from '../support/test-database';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, 'artifacts');
const SCREENSHOT = join(ARTIFACTS, 'swagger-post-leads.png');
const HOST = 'lead-desk.test';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`swagger-ui (browser): SKIPPED, ${CHROMIUM} is missing. Install it with \`apt-get install -y chromium\` (.ci/run does).`);
}
const describeWithChromium = haveChromium ? describe : describe.skip;

describeWithChromium('Swagger UI in Chromium', () => {
  let server: ServerProcess;
  let pgliteDir: string | undefined;
  let profileDir: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    // The run's database: its PostgreSQL database, or on PGlite runs a copy of the migrated template of its own.
    const url = process.env[RUN_DATABASE_ENV];
    if (!url) {
      pgliteDir = newPgliteDataDir();
      seedPgliteDataDir(pgliteDir);
    }
    // 90 s to become ready: the whole suite runs beside it on a loaded 2-core machine (PGlite starts slowest).
    server = await startServer(url ? { DATABASE_URL: url, JWT_SECRET: TEST_JWT_SECRET } : { DATA_DIR: pgliteDir, JWT_SECRET: TEST_JWT_SECRET }, 90_000);
    profileDir = mkdtempSync(join(tmpdir(), 'leaddesk-chromium-'));
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    if (pgliteDir) removePgliteDataDir(pgliteDir);
  });

  it('authorizes, executes POST /leads with x-account-id and a valid body, and shows the 201', async () => {
    // An account, made over HTTP with a JWT signed by the server's secret.
    const email = newEmail('browser');
    const token = signDevelopmentToken(loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, JWT_ISSUER: undefined, JWT_AUDIENCE: undefined }), email);
    const auth = { authorization: `Bearer ${token}` };
    const created = await fetch(`${server.url}/accounts`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Browser account' }),
    });
    expect(created.status).toBe(201);
    const accountId = ((await created.json()) as { id: string }).id;

    const origin = `http://${HOST}:${server.port}`;
    const page = browser.pages()[0] ?? (await browser.newPage());
    // What would break the page: CSP violations, script errors, failed requests, requests leaving the server.
    // (Page scripts as strings: this project compiles without the DOM library.)
    await page.addInitScript({
      content: `window.cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' blocked ' + e.blockedURI));`,
    });
    const pageErrors: string[] = [];
    const failedRequests: string[] = [];
    const foreignRequests: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('requestfailed', (request) => failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`));
    page.on('request', (request) => {
      if (!request.url().startsWith(`${origin}/`) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
    });

    await page.goto(`${origin}/docs`);
    const operation = page.locator('#operations-leads-LeadsController_create');
    await operation.waitFor({ timeout: 60_000 });

    // Authorize: paste the JWT into the bearer scheme.
    await page.locator('.auth-wrapper button.authorize').click();
    await page.locator('#auth-bearer-value').fill(token);
    await page.locator('.auth-btn-wrapper button.authorize').click();
    await page.locator('.auth-btn-wrapper button.btn-done').click();
    expect(await page.locator('.auth-wrapper button.authorize.locked').count()).toBe(1);

    // POST /leads: Try it out, the account header, Execute with the body Swagger UI starts from (the documented
    // example, which must be valid as it stands).
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('tr[data-param-name="x-account-id"] input').fill(accountId);
    const lead = JSON.parse(await operation.locator('textarea.body-param__text').inputValue()) as Record<string, unknown>;
    expect(lead).toEqual({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', company: 'Analytical Engines Ltd', monthlyTransactionVolume: 125000 });
    await operation.locator('button.execute').click();

    const live = operation.locator('.live-responses-table');
    await live.waitFor({ timeout: 60_000 });
    expect((await live.locator('.response .response-col_status').first().innerText()).trim()).toBe('201');
    const shown = JSON.parse(await live.locator('.response-col_description pre').first().innerText()) as { id: number; accountId: string };
    expect(shown).toMatchObject({ ...lead, accountId, createdBy: email, archived: false });
    expect(await operation.locator('.request-url pre').innerText()).toBe(`${origin}/leads`);

    mkdirSync(ARTIFACTS, { recursive: true });
    // From the header filled in, through the body and Execute, down to the 201 and its body.
    await page.setViewportSize({ width: 1280, height: 1800 });
    await page.evaluate(`document.querySelector('#operations-leads-LeadsController_create tr[data-param-name="x-account-id"]').scrollIntoView({ block: 'start' })`);
    await page.screenshot({ path: SCREENSHOT });

    // The lead exists, seen through the API.
    const stored = await fetch(`${server.url}/leads/${shown.id}`, { headers: { ...auth, 'x-account-id': accountId } });
    expect(stored.status).toBe(200);
    expect(await stored.json()).toMatchObject({ id: shown.id, ...lead, auditLog: [expect.objectContaining({ event: 'lead_created', user: email })] });

    expect(await page.evaluate('window.cspViolations')).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(foreignRequests).toEqual([]);
  }, 180_000);
});
