import { startTestApp, type TestApp } from './support/app';
import { createAccount, type TestAccount } from './support/builders';
import { call } from './support/http';
import { countAuditEntries } from './support/leads';

/**
 * The cases the fuzz suite (fuzz.e2e-spec.ts) found, pinned down so they stay fixed whatever the fuzz's
 * seed draws: each was a 500 or an error body in Fastify's own shape instead of the contract's.
 */
describe('fuzz regressions', () => {
  let t: TestApp;
  let account: TestAccount;
  beforeAll(async () => {
    t = await startTestApp();
    account = await createAccount(t);
  });
  afterAll(() => t.close());

  const post = (url: string, payload: string) =>
    call(t.app, { method: 'POST', url, token: account.owner.token, account: account.id, payload, headers: { 'content-type': 'application/json' } });

  it('a body nested deeper than 32 levels is 400, not a stack overflow (500)', async () => {
    for (const depth of [33, 5000]) {
      const res = await post('/teams', '{"name":'.repeat(depth) + '"x"' + '}'.repeat(depth));
      expect({ depth, status: res.status, body: res.body }).toEqual({ depth, status: 400, body: { error: 'Request body is nested more than 32 levels deep' } });
    }
    const arrays = await post('/teams', `{"name":"x","tags":${'['.repeat(20000)}${']'.repeat(20000)}}`);
    expect(arrays.status).toBe(400);
    // a body of ordinary depth still gets its field-by-field validation
    const shallow = await post('/teams', '{"name":{"a":{"b":1}}}');
    expect(shallow.status).toBe(400);
    expect(shallow.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));
  });

  it('text with a lone surrogate is 400 and stores nothing (email validators threw a URIError: 500)', async () => {
    const before = await countAuditEntries(t, account.id);
    const cases: [string, string][] = [
      ['/members', '{"email":"x\\ud83d@example.com","role":"agent"}'],
      ['/leads', '{"firstName":"a","lastName":"b","createdBy":"x\\ud83d"}'],
      ['/leads', '{"firstName":"a","lastName":"b","email":"\\udc00@example.com"}'],
      ['/teams', '{"name":"x\\ud83d"}'], // was stored as "x\ufffd": silently altered
      ['/teams', '{"\\ud800":"x"}'],
    ];
    for (const [url, payload] of cases) {
      const res = await post(url, payload);
      expect({ url, payload, status: res.status, body: res.body }).toEqual({
        url,
        payload,
        status: 400,
        body: { error: 'Request body contains text that is not valid Unicode (a lone surrogate)' },
      });
    }
    expect(await countAuditEntries(t, account.id)).toBe(before);
    // a well-formed pair (an emoji) is ordinary text
    expect((await post('/teams', '{"name":"rocket \\ud83d\\ude80"}')).status).toBe(201);
  });

  it('a member email path that decodes to text with a % is read once, not decoded twice (URIError: 500)', async () => {
    for (const method of ['PATCH', 'DELETE'] as const) {
      for (const url of ['/members/%25', '/members/a%25zz%40example.com', '/members/a%2540example.com']) {
        const res = await call(t.app, { method, url, token: account.owner.token, account: account.id, body: method === 'PATCH' ? { role: 'viewer' } : undefined });
        expect({ method, url, status: res.status }).toEqual({ method, url, status: expect.any(Number) });
        expect(res.status).toBeLessThan(500);
        expect(res.body).toEqual({ error: expect.any(String) });
      }
    }
    // "a%40example.com" is not "a@example.com": after one decoding it has no @ of its own
    const member = await account.member('viewer');
    const doubled = await call(t.app, { method: 'DELETE', url: `/members/${encodeURIComponent(encodeURIComponent(member.email))}`, token: account.owner.token, account: account.id });
    expect(doubled.status).toBe(400);
    const once = await call(t.app, { method: 'DELETE', url: `/members/${encodeURIComponent(member.email)}`, token: account.owner.token, account: account.id });
    expect(once.status).toBe(204);
  });

  it("a malformed percent-encoding or an overlong path parameter gets the contract's error body, not Fastify's", async () => {
    for (const url of ['/teams/%ZZ', '/members/%', '/lead-sources/%C0%80', '/rotations/%ED%A0%80', `/teams/${'1'.repeat(500)}`, `/teams/${'1'.repeat(500)}/lead-sources`]) {
      const res = await call(t.app, { method: 'GET', url, token: account.owner.token, account: account.id });
      expect({ url, status: res.status, body: res.body }).toEqual({ url, status: 400, body: { error: expect.any(String) } });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
  });
});
