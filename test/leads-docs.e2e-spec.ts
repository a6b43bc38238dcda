import { startTestApp, type TestApp } from './support/app';
import { call } from './support/http';

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };

/** The routes of a lead's life after POST /leads, with the error statuses each documents. */
const ROUTES: [string, string, number, number[]][] = [
  ['/leads', 'get', 200, [400, 401, 403]],
  ['/leads/{id}', 'get', 200, [400, 401, 403, 404]],
  ['/leads/{id}', 'patch', 200, [400, 401, 403, 404]],
  ['/leads/{id}/archive', 'post', 200, [400, 401, 403, 404]],
  ['/leads/{id}/unarchive', 'post', 200, [400, 401, 403, 404]],
  ['/leads/{id}/convert', 'post', 200, [400, 401, 403, 404, 409]],
];

const LEAD_INPUT_FIELDS = [
  'teamId', 'leadSourceId', 'firstName', 'lastName', 'imgSrc', 'email', 'phone', 'company', 'jobTitle', 'branch', 'source', 'position',
  'location', 'productsServicesSold', 'numberOfEmployees', 'currentPaymentProcessor', 'monthlyTransactionVolume', 'interestedInSwitching',
  'processStage', 'buyingRole', 'assignedTo', 'notes', 'lastContacted', 'archived', 'createdBy',
];

describe('the leads routes in the OpenAPI document (/docs-json)', () => {
  let t: TestApp;
  let doc: Doc;
  beforeAll(async () => {
    t = await startTestApp();
    doc = (await call(t.app, { method: 'GET', url: '/docs-json' })).body;
  });
  afterAll(() => t.close());

  it.each(ROUTES)('%s %s: summary, x-account-id, bearer auth, its answer and every error as ErrorResponse with an example', (path, method, ok, errors) => {
    const op = doc.paths[path]?.[method];
    expect(op).toBeDefined();
    expect(op.summary).toEqual(expect.any(String));
    expect(op.security).toEqual([{ bearer: [], account: [] }]); // the token and the x-account-id scheme together
    expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'x-account-id', in: 'header', required: true })]));
    if (path.includes('{id}')) {
      expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } })]));
    }
    const schemaOf = (status: number) => op.responses[String(status)]?.content?.['application/json']?.schema?.$ref;
    expect(schemaOf(ok)).toBe(path === '/leads' ? '#/components/schemas/LeadPage' : '#/components/schemas/Lead');
    for (const status of errors) {
      expect({ status, schema: schemaOf(status) }).toEqual({ status, schema: '#/components/schemas/ErrorResponseDto' });
      expect({ status, example: op.responses[String(status)].content['application/json'].example }).toEqual({ status, example: expect.objectContaining({ error: expect.any(String) }) });
    }
  });

  it('LeadPage: {data: Lead[], nextCursor: string|null}', () => {
    const page = doc.components.schemas.LeadPage;
    expect(page.properties.data).toMatchObject({ type: 'array', items: { $ref: '#/components/schemas/Lead' } });
    expect(page.properties.nextCursor).toMatchObject({ type: 'string', nullable: true });
    expect(page.required).toEqual(['data', 'nextCursor']);
  });

  it('GET /leads: every filter, limit and cursor, each described', () => {
    const params: any[] = doc.paths['/leads'].get.parameters.filter((p: any) => p.in === 'query');
    const byName = Object.fromEntries(params.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(
      ['teamId', 'leadSourceId', 'assignedTo', 'processStage', 'createdBy', 'archived', 'q', 'createdFrom', 'createdTo', 'limit', 'cursor'].sort(),
    );
    for (const p of params) expect({ name: p.name, description: p.description }).toEqual({ name: p.name, description: expect.stringMatching(/\w{3}/) });
    expect(byName.limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 25 });
    expect(doc.components.schemas.ArchivedFilter).toMatchObject({ type: 'string', enum: ['false', 'true', 'all'] });
    expect(byName.teamId.schema.type).toBe('integer');
    for (const name of ['createdFrom', 'createdTo']) expect(byName[name].schema).toMatchObject({ type: 'string', format: 'date-time' });
    expect(byName.q.schema).toMatchObject({ type: 'string', minLength: 2, maxLength: 255 });
    // The pattern must compile as the OpenAPI (ECMA) regex it claims to be, without flags.
    expect(() => new RegExp(byName.q.schema.pattern)).not.toThrow();
  });

  it('LeadPatch: every LeadInput field, none required; firstName, lastName, archived and createdBy not nullable; no read-only field', () => {
    const patch = doc.components.schemas.LeadPatch;
    expect(Object.keys(patch.properties).sort()).toEqual([...LEAD_INPUT_FIELDS].sort());
    expect(patch.required ?? []).toEqual([]);
    for (const f of ['firstName', 'lastName', 'archived', 'createdBy']) expect({ f, nullable: patch.properties[f].nullable }).toEqual({ f, nullable: undefined });
    for (const f of ['email', 'teamId', 'notes', 'lastContacted']) expect({ f, nullable: patch.properties[f].nullable }).toEqual({ f, nullable: true });
    expect(doc.paths['/leads/{id}'].patch.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/LeadPatch');
    expect(doc.paths['/leads/{id}'].patch.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'skipTeamAndSourceRequirement', in: 'query' })]));
  });

  it('the convert body: an optional applicationId', () => {
    const body = doc.paths['/leads/{id}/convert'].post.requestBody;
    expect(body.required).toBe(false);
    const schema = doc.components.schemas[body.content['application/json'].schema.$ref.split('/').pop()];
    expect(Object.keys(schema.properties)).toEqual(['applicationId']);
    expect(schema.required ?? []).toEqual([]);
  });
});
