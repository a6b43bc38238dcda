import { sign } from 'jsonwebtoken';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { inProcessActor, inProcessContext, userPrincipal } from '../src/common/account-context';
import { validateInput } from '../src/common/pipes/validate-input';
import { LeadInputDto } from '../src/leads/dto/lead-input.dto';
import { startTestApp, TEST_JWT_SECRET, tokenFor, type TestApp } from './support/app';
import { createAccount, newEmail, type TestAccount } from './support/builders';
import { call, Client } from './support/http';
import { createLead } from './support/leads';

/**
 * Issue 13: the holes found from outside (identities merged by case folding, an anonymous body stalling the
 * event loop, validation work and answers growing with the input) and the hardening around them. Each case
 * fails on the code before the fix.
 */

const now = () => Math.floor(Date.now() / 1000);
const jwtFor = (email: string) => sign({ sub: 'u', email, exp: now() + 600 }, TEST_JWT_SECRET, { algorithm: 'HS256' });

/** What a raw socket got back: the status, headers and body of the first answer, and when the server closed. */
interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  closedAfterMs: number;
}

/** Writes `parts` to the server (each after `gapMs`), reads until the server closes the connection. */
function raw(port: number, parts: (string | Buffer)[], gapMs = 0, giveUpMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined); // a reset after the answer: what was read is what counts
    socket.on('close', () => {
      clearTimeout(giveUp);
      if (timer) clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4), closedAfterMs: Date.now() - started });
    });
    let i = 0;
    const next = () => {
      if (i >= parts.length || socket.destroyed) return;
      socket.write(parts[i++]);
      if (i < parts.length) timer = setTimeout(next, gapMs);
    };
    socket.on('connect', next);
  });
}

const portOf = (t: TestApp) => (t.app.getHttpServer().address() as AddressInfo).port;

describe('hardening (issue 13)', () => {
  let t: TestApp;
  let account: TestAccount;
  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    account = await createAccount(t);
  });
  afterAll(() => t.close());

  describe('1. an identity never changes into another by case folding', () => {
    const foldingEmails = [
      ['U+212A KELVIN SIGN', '\u212Aate'],
      ['U+0130 capital I with dot', '\u0130van'],
      ['U+017F long s', '\u017Fam'],
      ['U+FF4B fullwidth k', '\uFF4Bate'],
      ['a non-ASCII capital', '\u00C9lise'],
    ];

    it.each(foldingEmails)('a JWT whose email holds %s gets 401, not the ASCII user\'s access', async (_label, local) => {
      const domain = `${newEmail('fold').split('@')[0]}.test`;
      const ascii = `${local.normalize('NFKC').toLowerCase().replace(/[^\x00-\x7f]/g, '')}@${domain}`.replace(/^ate/, 'kate').replace(/^am/, 'sam');
      const owned = await new Client(t.app, jwtFor(ascii)).post('/accounts', { name: 'Owned by the ASCII user' });
      expect(owned.status).toBe(201);
      const folded = await new Client(t.app, jwtFor(`${local}@${domain}`)).get('/accounts');
      expect(folded).toMatchObject({ status: 401, body: { error: expect.any(String) } });
      const asAccount = await new Client(t.app, jwtFor(`${local}@${domain}`), owned.body.id).get('/teams');
      expect(asAccount.status).toBe(401);
    });

    it('the exact case of the issue: \\u212Aate@a.test does not act as kate@a.test', async () => {
      const kate = await new Client(t.app, jwtFor('kate@a.test')).post('/accounts', { name: 'Kate' });
      expect(kate.status).toBe(201);
      const kelvin = new Client(t.app, jwtFor('\u212Aate@a.test'), kate.body.id);
      expect((await kelvin.get('/accounts')).status).toBe(401);
      expect((await kelvin.get('/leads')).status).toBe(401);
    });

    it('an upper-case ASCII email is still the same user (only ASCII is lower-cased)', async () => {
      const email = newEmail('case');
      expect((await new Client(t.app, jwtFor(email.toUpperCase())).get('/accounts')).status).toBe(200);
    });

    const kelvin = '\u212Aate@a.test';
    it.each([
      ['a member in a body', () => account.owner.api.post('/members', { email: kelvin, role: 'agent' })],
      ['a member in a path', () => account.owner.api.patch(`/members/${encodeURIComponent(kelvin)}`, { role: 'viewer' })],
      ['assignedTo of a new lead', () => account.owner.api.post('/leads?skipTeamAndSourceRequirement=true', { firstName: 'A', lastName: 'B', assignedTo: kelvin })],
      ['createdBy of a new lead', () => account.owner.api.post('/leads?skipTeamAndSourceRequirement=true', { firstName: 'A', lastName: 'B', createdBy: kelvin })],
      ['the assignedTo filter', () => account.owner.api.get(`/leads?assignedTo=${encodeURIComponent(kelvin)}`)],
      ['the createdBy filter', () => account.owner.api.get(`/leads?createdBy=${encodeURIComponent(kelvin)}`)],
      ['the audit user filter', () => account.owner.api.get(`/audit-logs?user=${encodeURIComponent(kelvin)}`)],
      ['a rotation member', () => account.owner.api.post('/rotations', { name: 'R', members: [{ user: kelvin }] })],
    ])('%s that folds into ASCII is 400', async (_label, send) => {
      const res = await send();
      expect(res).toMatchObject({ status: 400, body: { error: expect.any(String) } });
    });

    it('in-process callers: a folding email is a 400, an ASCII one is lower-cased', () => {
      expect(() => inProcessContext({ accountId: 1, user: kelvin, role: 'owner' })).toThrow(expect.objectContaining({ status: 400 }));
      expect(() => inProcessActor(kelvin)).toThrow(expect.objectContaining({ status: 400 }));
      expect(() => userPrincipal(kelvin)).toThrow(expect.objectContaining({ status: 400 }));
      try {
        userPrincipal(kelvin);
      } catch (error) {
        expect((error as { getResponse(): unknown }).getResponse()).toEqual({ error: expect.stringContaining('user email must not contain') });
      }
      expect(userPrincipal(' Kate@A.Test ')).toEqual({ kind: 'user', email: 'kate@a.test' });
    });
  });

  describe('2. an unauthenticated request costs nothing to parse', () => {
    const bigArray = `{"x":[${new Array(500_000).fill('0').join(',')}]}`;

    it('the body is about 1 MB with 500k elements', () => {
      expect(bigArray.length).toBeGreaterThan(999_000);
      expect(bigArray.length).toBeLessThan(1024 * 1024);
    });

    it.each([
      ['no Authorization header', {}],
      ['a Basic Authorization header', { authorization: 'Basic dXNlcjpwYXNz' }],
    ])('%s: 401 before the body is parsed (malformed JSON is not even noticed)', async (_label, headers: Record<string, string>) => {
      const res = await call(t.app, { method: 'POST', url: '/leads', payload: '{"x":[0,0,', headers: { ...headers, 'content-type': 'application/json' } });
      expect(res).toMatchObject({ status: 401, body: { error: expect.stringContaining('Authentication required') } });
    });

    it('an anonymous 1 MB body of 500k elements is refused at once', async () => {
      const started = process.hrtime.bigint();
      const res = await call(t.app, { method: 'POST', url: '/leads', payload: bigArray, headers: { 'content-type': 'application/json' } });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(res.status).toBe(401);
      expect(ms).toBeLessThan(200);
    });

    it('an authenticated 1 MB body of 500k elements is refused by the bounded check (not walked element by element)', async () => {
      const started = process.hrtime.bigint();
      const res = await call(t.app, { method: 'POST', url: '/leads', token: account.owner.token, account: account.id, payload: bigArray, headers: { 'content-type': 'application/json' } });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(res).toMatchObject({ status: 400, body: { error: 'Request body holds more than 100000 values' } });
      expect(ms).toBeLessThan(1000);
    });

    it("eight anonymous 1 MB bodies at once do not hold up another user's GET /leads", async () => {
      const port = portOf(t);
      const send = () =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            { host: '127.0.0.1', port, method: 'POST', path: '/leads', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(bigArray) } },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode!));
            },
          );
          req.on('error', reject);
          req.end(bigArray);
        });
      const get = () =>
        new Promise<number>((resolve, reject) => {
          const started = Date.now();
          const req = httpRequest(
            { host: '127.0.0.1', port, method: 'GET', path: '/leads', headers: { authorization: `Bearer ${account.owner.token}`, 'x-account-id': account.id } },
            (res) => {
              res.resume();
              res.on('end', () => (res.statusCode === 200 ? resolve(Date.now() - started) : reject(new Error(`GET /leads: ${res.statusCode}`))));
            },
          );
          req.on('error', reject);
          req.end();
        });
      await get(); // warm
      const floods = Array.from({ length: 8 }, send);
      const latency = await get();
      expect(await Promise.all(floods)).toEqual(new Array(8).fill(401));
      expect(latency).toBeLessThan(1000);
    });
  });

  describe('2. the gate leaves CORS preflights alone', () => {
    let cors: TestApp;
    beforeAll(async () => {
      cors = await startTestApp({ CORS_ORIGINS: 'https://app.example' });
    });
    afterAll(() => cors.close());

    it('a preflight (no credentials by design) from an allowed origin is answered by CORS', async () => {
      const res = await call(cors.app, {
        method: 'OPTIONS',
        url: '/leads',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    });
  });

  describe('2. the anonymous limit applies before the body is read', () => {
    let limited: TestApp;
    beforeAll(async () => {
      limited = await startTestApp({ RATE_LIMIT_ANON_PER_MINUTE: '2', RATE_LIMIT_PER_MINUTE: '0' });
    });
    afterAll(() => limited.close());

    it('429 with Retry-After once over the limit, without parsing; a valid token from that address still gets through', async () => {
      const from = (headers: Record<string, string>) =>
        limited.app.inject({ method: 'POST', url: '/accounts', remoteAddress: '198.51.100.9', payload: '{"x":[0,', headers: { 'content-type': 'application/json', ...headers } });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await from({})).statusCode);
      expect(statuses).toEqual([401, 401, 429]);
      const badToken = await from({ authorization: 'Bearer not-a-jwt' });
      expect(badToken.statusCode).toBe(429);
      expect(badToken.headers['retry-after']).toMatch(/^\d+$/);
      expect(JSON.parse(badToken.body)).toEqual({ error: expect.stringContaining('Too many requests') });
      const valid = await from({ authorization: `Bearer ${tokenFor(limited.config, newEmail())}` });
      expect(JSON.parse(valid.body)).toEqual({ error: 'Malformed JSON in request body' });
    });
  });

  describe('2. a principal over its limit is refused before its body is read', () => {
    let limited: TestApp;
    beforeAll(async () => {
      limited = await startTestApp({ RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_ANON_PER_MINUTE: '0' });
    });
    afterAll(() => limited.close());

    it('after its 429, the same token gets 429 without its body parsed; another user is unaffected', async () => {
      const token = tokenFor(limited.config, newEmail());
      const api = new Client(limited.app, token);
      expect([(await api.get('/accounts')).status, (await api.get('/accounts')).status, (await api.get('/accounts')).status]).toEqual([200, 200, 429]);
      const flood = await call(limited.app, { method: 'POST', url: '/accounts', token, payload: '{"x":[0,', headers: { 'content-type': 'application/json' } });
      expect(flood.status).toBe(429);
      expect(flood.headers['retry-after']).toMatch(/^\d+$/);
      const other = await call(limited.app, { method: 'POST', url: '/accounts', token: tokenFor(limited.config, newEmail()), payload: '{"x":[0,', headers: { 'content-type': 'application/json' } });
      expect(other.body).toEqual({ error: 'Malformed JSON in request body' });
    });
  });

  describe('3. validation work and answers are bounded', () => {
    it('POST /accounts with 60,000 unknown keys: a small 400, quickly', async () => {
      const body = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 1]));
      const started = Date.now();
      const res = await new Client(t.app, account.owner.token).post('/accounts', body);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(res).toMatchObject({ status: 400, body: { error: 'Request body has an object with more than 256 keys' } });
      expect(JSON.stringify(res.body).length).toBeLessThan(1000);
    });

    it.each([
      [60_000, { error: 'Request body holds more than 100000 values' }],
      [40_000, { error: 'Request validation failed', details: [{ field: 'members', message: 'members must list at most 100 items' }] }],
      [101, { error: 'Request validation failed', details: [{ field: 'members', message: 'members must list at most 100 items' }] }],
    ])('POST /rotations with %i members: a small 400, before class-validator walks them', async (count, body) => {
      const members = Array.from({ length: count }, () => ({ user: 'x' })); // < 1 MiB
      const started = Date.now();
      const res = await account.owner.api.post('/rotations', { name: 'Huge', members });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(res).toMatchObject({ status: 400, body });
      expect(JSON.stringify(res.body).length).toBeLessThan(1000);
    });

    it('details list at most 50 problems, then how many more there were', async () => {
      const body = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`unknown${i}`, 1]));
      const res = await new Client(t.app, account.owner.token).post('/accounts', { name: 'x', ...body });
      expect(res.status).toBe(400);
      expect(res.body.details).toHaveLength(51);
      expect(res.body.details[50]).toEqual({ field: '', message: '150 more problems not listed' });
    });

    it('in-process input is bounded the same way', async () => {
      const body = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 1]));
      await expect(validateInput(LeadInputDto, body)).rejects.toMatchObject({ status: 400 });
      await expect(validateInput(LeadInputDto, body)).rejects.toMatchObject({ details: [{ message: 'Request body has an object with more than 256 keys' }] });
    });
  });

  describe('4. one redaction rule for the audit log', () => {
    it('credential headers and secret-named query parameters never reach the audit log', async () => {
      const secrets = {
        'x-auth-token': 'tok-6a1f',
        'x-client-secret': 'sec-77b2',
        'x-password': 'pw-91c3',
        'x-amz-security-token': 'amz-5d4e',
        'x-session': 'sess-0f9a',
      };
      const res = await account.owner.api.post(`/teams?access_token=query-3e8d&api_key=query-4c1b`, { name: `Redacted ${Date.now()}` }, secrets);
      expect(res.status).toBe(201);
      const log = await account.owner.api.get(`/audit-logs?entityType=team&entityId=${res.body.id}`);
      const [entry] = log.body.data;
      expect(entry.requestPath).toBe('/teams?access_token=[REDACTED]&api_key=[REDACTED]');
      for (const name of Object.keys(secrets)) expect(entry.requestHeaders[name]).toBe('[REDACTED]');
      for (const value of [...Object.values(secrets), 'query-3e8d', 'query-4c1b']) expect(JSON.stringify(log.body)).not.toContain(value);
      expect(entry.requestHeaders['x-account-id']).toBe(account.id);
    });
  });

  describe("5. below manager, a lead's embedded audit entries hide other members' request metadata", () => {
    let leadId: number;
    beforeAll(async () => {
      leadId = (await createLead(account.owner.api, { firstName: 'Meta', lastName: 'Data' }, '?skipTeamAndSourceRequirement=true')).id;
    });

    it.each([
      ['viewer', true],
      ['agent', true],
      ['manager', false],
      ['admin', false],
    ] as const)('%s: requestHeaders and requestIpAddress hidden: %s', async (role, hidden) => {
      const member = await account.member(role);
      const res = await member.api.get(`/leads/${leadId}`);
      expect(res.status).toBe(200);
      const [entry] = res.body.auditLog;
      if (hidden) expect(entry).toMatchObject({ requestHeaders: null, requestIpAddress: null, requestMethod: 'POST', user: account.owner.email });
      else expect(entry).toMatchObject({ requestHeaders: expect.objectContaining({ authorization: '[REDACTED]' }), requestIpAddress: '127.0.0.1' });
    });

    it("an agent still sees their own request's metadata", async () => {
      const agent = await account.member('agent');
      const created = await agent.api.post('/leads?skipTeamAndSourceRequirement=true', { firstName: 'Own', lastName: 'Lead' });
      expect(created.body.auditLog[0]).toMatchObject({ requestHeaders: expect.objectContaining({ authorization: '[REDACTED]' }), requestIpAddress: '127.0.0.1' });
    });
  });

  describe('6. a client that sends slowly is cut off', () => {
    let slow: TestApp;
    beforeAll(async () => {
      slow = await startTestApp({ REQUEST_TIMEOUT_MS: '2000' });
      await slow.app.listen(0, '127.0.0.1');
    });
    afterAll(() => slow.close());

    it('one body byte a second: 408 in the contract shape and the connection closed, within the bound', async () => {
      const token = tokenFor(slow.config, newEmail());
      const head = `POST /accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n`;
      const drip = '{"name":"slow......................."}'.split('');
      const res = await raw(portOf(slow), [head, ...drip], 1000, 10_000);
      expect(res.closedAfterMs).toBeLessThan(5000);
      expect(res.status).toBe(408);
      expect(JSON.parse(res.body)).toEqual({ error: expect.any(String) });
    });
  });

  describe('8. no answer of the API is cached', () => {
    it.each([
      ['GET /accounts (200)', () => new Client(t.app, account.owner.token).get('/accounts')],
      ['POST /api-keys (201, the new key)', () => account.owner.api.post('/api-keys', { name: 'cache', role: 'agent' })],
      ['401', () => call(t.app, { method: 'GET', url: '/teams' })],
      ['404', () => account.owner.api.get('/leads/2147483000')],
      ['400', () => account.owner.api.post('/teams', { nope: 1 })],
      ['health', () => call(t.app, { method: 'GET', url: '/health/live' })],
    ])('%s: Cache-Control: no-store', async (_label, send) => {
      expect((await send()).headers['cache-control']).toBe('no-store');
    });
  });

  describe('9. errors raised by the HTTP parser are in the contract shape', () => {
    it.each([
      ['a control character in a header value', 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n', 400],
      ['a header line without a colon', 'GET /health/live HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n', 400],
      ['headers over the size limit', `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ])('%s → contract body', async (_label, request, status) => {
      const res = await raw(portOf(t), [request]);
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body)).toEqual({ error: expect.any(String) });
    });
  });

  describe('10. a body that is not UTF-8 is refused however it is framed', () => {
    const invalid = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const head = (framing: string) =>
      `POST /accounts HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${account.owner.token}\r\nContent-Type: application/json\r\n${framing}\r\n`;

    it.each([
      ['chunked', () => [head('Transfer-Encoding: chunked\r\n'), `${invalid.length.toString(16)}\r\n`, invalid, '\r\n0\r\n\r\n']],
      ['Content-Length', () => [head(`Content-Length: ${invalid.length}\r\n`), invalid]],
    ])('%s: 400', async (_label, parts) => {
      const res = await raw(portOf(t), parts() as (string | Buffer)[]);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ error: 'Request body is not valid UTF-8' });
    });

    it('a chunked body of valid UTF-8 is read as sent', async () => {
      const body = Buffer.from('{"name":"caf\u00e9 \u{1F600}"}');
      const res = await raw(portOf(t), [head('Transfer-Encoding: chunked\r\n'), `${body.length.toString(16)}\r\n`, body, '\r\n0\r\n\r\n']);
      expect(res.status).toBe(201);
    });
  });
});
