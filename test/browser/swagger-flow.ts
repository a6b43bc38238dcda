// The newcomer's path through the Swagger UI, shared by the browser test and the end-to-end newcomer test:
// Authorize with a token and an account (once), POST /leads > Try it out > Execute with what the page offers.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/**
 * The page is opened as http://lead-desk.test:<port> (mapped to 127.0.0.1 inside Chromium), not localhost:
 * browsers treat localhost as a secure origin, and a deployment reached by name over plain HTTP is where the
 * Content-Security-Policy can break the page (helmet's upgrade-insecure-requests did).
 */
export const BROWSER_HOST = 'lead-desk.test';

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  const profileDir = mkdtempSync(join(tmpdir(), 'leaddesk-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
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
      `--host-resolver-rules=MAP ${BROWSER_HOST} 127.0.0.1`,
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** What `npm run seed:demo` printed: the token, the account and the ready POST /leads body. */
export interface SeedDemoOutput {
  accountId: string;
  token: string;
  leadBody: Record<string, unknown>;
}

export function parseSeedDemoOutput(stdout: string): SeedDemoOutput {
  const accountId = /^\s*x-account-id:\s+(\S+)$/m.exec(stdout)?.[1];
  const token = /^\s*token:\s+(\S+)$/m.exec(stdout)?.[1];
  const body = /takes this body:\n\s*(\{.*\})$/m.exec(stdout)?.[1];
  if (!accountId || !token || !body) throw new Error(`seed:demo printed no account, token or body:\n${stdout}`);
  return { accountId, token, leadBody: JSON.parse(body) as Record<string, unknown> };
}

export interface SwaggerFlowResult {
  page: Page;
  /** The x-account-id field before Execute (must start empty) and after (filled from Authorize). */
  accountFieldBefore: string;
  accountFieldAfter: string;
  /** The body Swagger UI offered and sent. */
  offeredBody: Record<string, unknown>;
  status: string;
  shown: Record<string, unknown>;
  requestUrl: string;
  /** Everything that would break the page: CSP violations, script errors, failed or foreign requests. */
  problems: { cspViolations: unknown; pageErrors: string[]; failedRequests: string[]; foreignRequests: string[] };
}

/**
 * /docs → Authorize: the token under `bearer`, the account under `account` → POST /leads → Try it out →
 * Execute, changing nothing the page offers. `screenshot`: where to save the page at the end.
 */
export async function newcomerSwaggerFlow(context: BrowserContext, origin: string, auth: { token: string; accountId: string }, screenshot?: string): Promise<SwaggerFlowResult> {
  const page = context.pages()[0] ?? (await context.newPage());
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

  // The address a newcomer types: the root, which sends them to /docs.
  await page.goto(`${origin}/`);
  const operation = page.locator('#operations-leads-LeadsController_create');
  await operation.waitFor({ timeout: 60_000 });

  // Authorize once: the token (bearer) and the account (the x-account-id apiKey scheme), each with its button.
  await page.locator('.auth-wrapper button.authorize').click();
  const bearer = page.locator('.auth-container', { has: page.locator('#auth-bearer-value') });
  await bearer.locator('#auth-bearer-value').fill(auth.token);
  await bearer.locator('.auth-btn-wrapper button.authorize').click();
  const account = page.locator('.auth-container', { has: page.locator('#api_key_value') });
  await account.locator('#api_key_value').fill(auth.accountId);
  await account.locator('.auth-btn-wrapper button.authorize').click();
  await page.locator('.auth-btn-wrapper button.btn-done').first().click();

  await operation.locator('.opblock-summary').click();
  await operation.locator('button.try-out__btn').click();
  const accountField = operation.locator('tr[data-param-name="x-account-id"] input');
  const accountFieldBefore = await accountField.inputValue();
  const offeredBody = JSON.parse(await operation.locator('textarea.body-param__text').inputValue()) as Record<string, unknown>;
  await operation.locator('button.execute').click();

  const live = operation.locator('.live-responses-table');
  await live.waitFor({ timeout: 60_000 });
  const status = (await live.locator('.response .response-col_status').first().innerText()).trim();
  const shown = JSON.parse(await live.locator('.response-col_description pre').first().innerText()) as Record<string, unknown>;
  const requestUrl = await operation.locator('.request-url pre').innerText();
  const accountFieldAfter = await accountField.inputValue();

  if (screenshot) {
    await page.setViewportSize({ width: 1280, height: 1800 });
    await page.evaluate(`document.querySelector('#operations-leads-LeadsController_create tr[data-param-name="x-account-id"]').scrollIntoView({ block: 'start' })`);
    mkdirSync(join(screenshot, '..'), { recursive: true });
    await page.screenshot({ path: screenshot });
  }
  return {
    page,
    accountFieldBefore,
    accountFieldAfter,
    offeredBody,
    status,
    shown,
    requestUrl,
    problems: { cspViolations: await page.evaluate('window.cspViolations'), pageErrors, failedRequests, foreignRequests },
  };
}
