// What a newcomer meets at the server's address (issue 14): the root sends them to the Swagger UI; the document
// orders its tags as a person meets them, says how to get a token, offers the account header once under
// Authorize (a security scheme required with the bearer token on account-scoped routes) and never pre-fills it
// with an id that is not the reader's; the UI carries the plugin that sends the authorized account.
import { TAG_ORDER } from '../src/common/http/openapi';
import { startTestApp, type TestApp } from './support/app';
import { call } from './support/http';

describe('the newcomer at the server root and in /docs', () => {
  let t: TestApp;
  let doc: any;
  beforeAll(async () => {
    t = await startTestApp();
    doc = (await call(t.app, { method: 'GET', url: '/docs-json' })).body;
  });
  afterAll(() => t.close());

  it('GET / redirects to /docs, without a token', async () => {
    const res = await call(t.app, { method: 'GET', url: '/' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/docs');
  });

  it('lists the tags as a person meets them, each used by an operation', () => {
    expect(doc.tags.map((tag: { name: string }) => tag.name)).toEqual(['accounts', 'members', 'api-keys', 'teams', 'lead-sources', 'rotations', 'leads', 'webhooks', 'audit', 'access-logs', 'health']);
    const used = new Set(Object.values<any>(doc.paths).flatMap((item) => Object.values<any>(item).flatMap((op) => op.tags ?? [])));
    expect([...used].sort()).toEqual(TAG_ORDER.map(([name]) => name).sort());
  });

  it('offers x-account-id under Authorize, required with the token on account-scoped routes, never pre-filled', () => {
    expect(doc.components.securitySchemes.account).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-account-id' }));
    const filled: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const header = (op.parameters ?? []).find((p: any) => p.name === 'x-account-id');
        if (!header) continue;
        expect({ route: `${method} ${path}`, security: op.security }).toEqual({ route: `${method} ${path}`, security: [{ bearer: [], account: [] }] });
        if (header.example !== undefined || header.schema?.example !== undefined || header.examples !== undefined) filled.push(`${method} ${path}`);
      }
    }
    expect(filled).toEqual([]);
  });

  it('says in the Authorize dialog how to get a token', () => {
    const { description } = doc.components.securitySchemes.bearer;
    expect(description).toContain('npm run token -- --email');
    expect(description).toContain('npm run seed:demo');
    expect(description).toContain('node dist/main.js token --email');
  });

  it('POST /leads offers skipTeamAndSourceRequirement=true first, so its first body example is valid in any account', () => {
    const op = doc.paths['/leads'].post;
    expect(op.parameters.find((p: any) => p.name === 'skipTeamAndSourceRequirement').schema.example).toBe(true);
    const first = Object.values<any>(op.requestBody.content['application/json'].examples)[0].value;
    expect(first.teamId).toBeUndefined();
  });

  it('serves the Swagger UI with the plugin that sends the authorized account (as a script file: the CSP allows no inline script)', async () => {
    const init = await call(t.app, { method: 'GET', url: '/docs/swagger-ui-init.js' });
    expect(init.status).toBe(200);
    expect(init.body).toContain('validateParams');
    expect(init.body).toContain("getIn(['account', 'value'])");
  });
});
