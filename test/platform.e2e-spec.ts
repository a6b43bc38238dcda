import { execFileSync } from 'node:child_process';
import { loadConfig } from '../src/config/config.module';
import { startTestApp, type TestApp } from './support/app';
import { createAccount } from './support/builders';
import { call } from './support/http';
import { BUILT_SERVER } from './support/server-process';

describe('platform: errors, body parsing, health and docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const post = (payload: string | Buffer, contentType?: string, token?: string) =>
    call(t.app, { method: 'POST', url: '/accounts', token, payload, headers: contentType ? { 'content-type': contentType } : {} });

  it('answers malformed JSON with 400 in the contract shape', async () => {
    const account = await createAccount(t);
    const res = await post('{"name": ', 'application/json', account.owner.token);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'Malformed JSON in request body' });
  });

  it('refuses prototype-pollution keys and non-object bodies with 400', async () => {
    const account = await createAccount(t);
    const proto = await post('{"name":"x","__proto__":{"admin":true}}', 'application/json', account.owner.token);
    expect(proto.status).toBe(400);
    for (const body of ['[]', '"text"', '42', 'null']) {
      const res = await post(body, 'application/json', account.owner.token);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error).toEqual(expect.any(String));
    }
  });

  it('answers a body over 1 MiB with 413 and a non-JSON body with 415', async () => {
    const account = await createAccount(t);
    const big = await post(JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }), 'application/json', account.owner.token);
    expect(big.status).toBe(413);
    expect(big.body).toEqual({ error: 'Request body is larger than 1 MiB' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await post('name=x', type, account.owner.token);
      expect({ type, status: res.status }).toEqual({ type, status: 415 });
      expect(res.body).toEqual({ error: 'Content-Type must be application/json' });
    }
  });

  it('answers unknown routes with 404 in the contract shape', async () => {
    const res = await call(t.app, { method: 'GET', url: '/nope' });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: expect.stringContaining('not found') });
  });

  it('serves health without a token', async () => {
    expect((await call(t.app, { method: 'GET', url: '/health/live' })).body).toEqual({ status: 'ok' });
    const ready = await call(t.app, { method: 'GET', url: '/health/ready' });
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
  });

  it('serves the Swagger UI and an OpenAPI 3 document with every route secured', async () => {
    const ui = await call(t.app, { method: 'GET', url: '/docs' });
    expect(ui.status).toBe(200);
    expect(String(ui.headers['content-type'])).toContain('text/html');
    const doc = (await call(t.app, { method: 'GET', url: '/docs-json' })).body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (path.startsWith('/health')) continue;
        // Account-scoped routes need the token and the account header together (one requirement with both schemes).
        const security = path === '/accounts' ? [{ bearer: [] }] : [{ bearer: [], account: [] }];
        expect({ route: `${method} ${path}`, security: op.security }).toEqual({ route: `${method} ${path}`, security });
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401']));
        if (path !== '/accounts') {
          expect(op.parameters.find((p: { name: string }) => p.name === 'x-account-id')).toMatchObject({ in: 'header', required: true });
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '403']));
        }
      }
    }
    expect(doc.components.schemas.ErrorResponseDto.properties.error.type).toBe('string');
  });

  it('sends security headers and keeps CORS closed by default', async () => {
    const res = await call(t.app, { method: 'GET', url: '/health/live', headers: { origin: 'https://evil.example' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toEqual(expect.any(String));
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await call(t.app, {
      method: 'OPTIONS',
      url: '/accounts',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('tags every response with a request id, reusing a sane X-Request-Id', async () => {
    const res = await call(t.app, { method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123' } });
    expect(res.status).toBe(200);
  });
});

describe('CORS when CORS_ORIGINS is set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://app.example' });
  });
  afterAll(() => t.close());

  it('allows exactly the listed origins', async () => {
    const ok = await call(t.app, { method: 'GET', url: '/health/live', headers: { origin: 'https://app.example' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await call(t.app, { method: 'GET', url: '/health/live', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('configuration', () => {
  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ MIGRATIONS_RUN: 'maybe' })).toThrow(/MIGRATIONS_RUN/);
    expect(() => loadConfig({ TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
  });

  it('refuses production without JWT_SECRET, and warns-but-works in development', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: undefined })).toThrow(/JWT_SECRET: required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'development', JWT_SECRET: undefined }).jwt.usingDevelopmentSecret).toBe(true);
  });

  it('the built server refuses to start in production without JWT_SECRET, naming it', () => {
    let output = '';
    try {
      // the built server (npm test builds first); a loaded machine may take a while to load it
      execFileSync(process.execPath, [BUILT_SERVER], {
        env: { PATH: process.env.PATH, NODE_ENV: 'production' },
        stdio: 'pipe',
        timeout: 90000,
      });
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      expect(err.status).toBe(1);
      output = err.stderr.toString();
    }
    expect(output).toContain('JWT_SECRET');
  }, 120000);
});
