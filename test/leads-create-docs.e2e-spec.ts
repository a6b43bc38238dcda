import { startTestApp, type TestApp } from './support/app';
import { call } from './support/http';

/** The seed's LeadInput (seed-post-leads.txt): name → [type, description], in the seed's order. */
const SEED_INPUT: [string, string, string][] = [
  ['teamId', 'integer', 'ID of the team associated with this lead. Required if teams exist in the account, unless skipTeamAndSourceRequirement=true.'],
  ['leadSourceId', 'integer', 'ID of the lead source associated with this lead. Required if the team has lead sources, unless skipTeamAndSourceRequirement=true.'],
  ['firstName', 'string', "Lead's first name"],
  ['lastName', 'string', "Lead's last name"],
  ['imgSrc', 'string', "URL to lead's profile image"],
  ['email', 'string', "Lead's email address"],
  ['phone', 'string', "Lead's phone number"],
  ['company', 'string', 'Company name'],
  ['jobTitle', 'string', "Lead's job title"],
  ['branch', 'string', 'Branch location'],
  ['source', 'string', 'Text description of lead source'],
  ['position', 'string', 'Position within company'],
  ['location', 'string', 'Geographic location'],
  ['productsServicesSold', 'string', 'Products or services the lead sells'],
  ['numberOfEmployees', 'integer', "Number of employees at the lead's company"],
  ['currentPaymentProcessor', 'string', "Lead's current payment processor"],
  ['monthlyTransactionVolume', 'integer', 'Monthly transaction volume in dollars'],
  ['interestedInSwitching', 'boolean', 'Whether the lead is interested in switching services'],
  ['processStage', 'string', 'Current stage in the sales process'],
  ['buyingRole', 'string', "Lead's role in buying decisions"],
  ['assignedTo', 'string', 'User assigned to this lead. If not provided, will be automatically assigned using lead rotation if available.'],
  ['notes', 'string', 'General notes about the lead'],
  ['lastContacted', 'string', 'Date and time of last contact with this lead'],
  ['archived', 'boolean', 'Whether the lead is archived'],
  ['createdBy', 'string', "Email of the user who created the lead. If not provided, will be set to the current user's email."],
];

/** The seed's Lead: the input's fields (createdBy worded differently) plus the server's. */
const SEED_LEAD: [string, string, string][] = [
  ['id', 'integer', 'Unique identifier for the lead'],
  ['accountId', 'string', 'ID of the account that owns this lead'],
  ...SEED_INPUT.slice(0, 2),
  ['applicationId', 'string', 'Optional application ID associated with this lead'],
  ...SEED_INPUT.slice(2, 24),
  ['createdBy', 'string', 'Email of the user who created the lead'],
  // part two (API.md section 11)
  ['mergedIntoId', 'integer', 'Set when this lead was merged into another (POST /leads/{id}/merge): the target\'s id. Such a lead is archived.'],
  // part two (API.md section 10)
  ['firstTouchDueAt', 'string', 'First-touch timer: when the assignee must touch the lead (POST /leads/{id}/touch, or a change by them) before it is reassigned; null when no timer runs'],
  ['firstTouchedAt', 'string', 'When the assignee the timer ran for first touched the lead; null when not applicable'],
  ['createdAt', 'string', 'When the lead was created'],
  ['updatedAt', 'string', 'When the lead was last updated'],
  ['auditLog', 'array', 'Comprehensive audit log of all significant events and actions performed on the lead'],
];

/** The seed's auditLog item. */
const SEED_AUDIT_ITEM: [string, string, string][] = [
  ['id', 'integer', 'Unique identifier for the audit log entry'],
  ['event', 'string', 'Type of event (e.g., lead_created, lead_updated, lead_archived, lead_converted)'],
  ['user', 'string', 'Email address or identifier of the user who performed the action'],
  ['apiKey', 'string', 'API key identifier if the action was performed via API key authentication'],
  ['data', 'object', 'Event-specific data containing details about what was changed or accessed (structure varies by event type)'],
  ['created', 'string', 'Timestamp when the event occurred'],
  ['requestMethod', 'string', 'HTTP method used (GET, POST, PATCH, DELETE)'],
  ['requestPath', 'string', 'API endpoint path that was called'],
  ['requestHeaders', 'object', 'Sanitized HTTP headers from the request (sensitive values are masked)'],
  ['requestIpAddress', 'string', 'IP address of the request origin'],
  ['account_id', 'string', 'Account ID associated with the action'],
];

type Schema = { type?: string; description?: string; format?: string; readOnly?: boolean; default?: unknown; nullable?: boolean; $ref?: string; items?: Schema; properties?: Record<string, Schema>; required?: string[] };

describe('POST /leads in the OpenAPI document (/docs-json)', () => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, Schema> } };
  beforeAll(async () => {
    t = await startTestApp();
    const res = await call(t.app, { method: 'GET', url: '/docs-json' });
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(() => t.close());

  const resolve = (s: Schema): Schema => (s.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : s);

  function expectFields(schema: Schema, seed: [string, string, string][]): void {
    expect(Object.keys(schema.properties!).sort()).toEqual(seed.map(([name]) => name).sort());
    for (const [name, type, description] of seed) {
      const p = schema.properties![name];
      expect({ name, type: p.type, description: p.description }).toEqual({ name, type, description });
    }
  }

  it('LeadInput: the seed’s fields, types, descriptions, formats and required list', () => {
    const input = doc.components.schemas.LeadInput;
    expect(input).toBeDefined();
    expect(input.type).toBe('object');
    expect(input.description).toBe('Input for creating a new lead');
    expectFields(input, SEED_INPUT);
    expect(input.required).toEqual(['firstName', 'lastName']);
    expect(input.properties!.lastContacted.format).toBe('date-time');
  });

  it('Lead: the seed’s fields, required list, read-only fields, formats and the audit item', () => {
    const lead = doc.components.schemas.Lead;
    expect(lead).toBeDefined();
    expect(lead.description).toBe('Lead object representing a potential customer or client');
    expectFields(lead, SEED_LEAD);
    expect([...lead.required!].sort()).toEqual(['firstName', 'id', 'lastName']);
    const readOnly = Object.entries(lead.properties!).filter(([, p]) => p.readOnly).map(([name]) => name);
    expect(readOnly.sort()).toEqual(['auditLog', 'createdAt', 'firstTouchDueAt', 'firstTouchedAt', 'id', 'mergedIntoId', 'updatedAt']);
    for (const f of ['lastContacted', 'createdAt', 'updatedAt']) expect(lead.properties![f].format).toBe('date-time');
    expect(lead.properties!.archived.default).toBe(false);
    const item = resolve(lead.properties!.auditLog.items!);
    expect(item.type).toBe('object');
    expect(Object.keys(item.properties!)).toEqual(expect.arrayContaining(SEED_AUDIT_ITEM.map(([name]) => name)));
    for (const [name, type, description] of SEED_AUDIT_ITEM) {
      const p = item.properties![name];
      expect({ name, type: p.type, description: p.description }).toEqual({ name, type, description });
    }
    expect(item.properties!.apiKey.nullable).toBe(true);
    expect(item.properties!.created.format).toBe('date-time');
  });

  it('the operation: parameters, body and responses as the seed documents them', () => {
    const op = doc.paths['/leads'].post;
    expect(op.summary).toBe('Create a new lead');
    expect(op.description).toBe(
      'Create a new lead with the provided data. If teams exist in the account, a team ID is required unless skipTeamAndSourceRequirement=true. If a team has lead sources, a lead source ID is required. If a lead rotation exists for the team or a default lead rotation exists, the lead will be automatically assigned to the next user in the rotation if no assignedTo is specified.',
    );
    expect(op.security).toEqual([{ bearer: [], account: [] }]); // the token and the x-account-id scheme together
    const params = Object.fromEntries(op.parameters.map((p: { name: string }) => [p.name, p]));
    expect(params['x-account-id']).toMatchObject({ in: 'header', required: true, description: 'Account ID for the request', schema: { type: 'string' } });
    expect(params.skipTeamAndSourceRequirement).toMatchObject({
      in: 'query',
      required: false,
      description: 'Optional flag to skip the team and lead source requirement, even if teams exist in the account',
      schema: { type: 'boolean' },
    });
    expect(params['Idempotency-Key']).toMatchObject({ in: 'header', required: false, schema: { type: 'string', maxLength: 255 } });
    expect(op.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/LeadInput' });

    const r = op.responses;
    expect(r['201'].description).toBe('Lead created successfully');
    expect(r['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Lead' });
    expect(r['400'].description).toContain('Bad request - may occur if teamId is required but missing, or if leadSourceId is required for a team but missing');
    expect(r['400'].content['application/json'].example).toEqual({ error: 'team ID is required when teams exist in the account' });
    expect(r['401'].description).toContain('Unauthorized - User not authenticated');
    expect(r['403'].description).toContain('Forbidden - User does not have the required permissions');
    // the contract's error body, with the duplicates of a create refused under the reject policy (API.md section 11)
    expect(r['409'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DuplicateConflict' });
    expect(r['500'].description).toBe('Internal server error');
    expect(r['500'].content['application/json'].example).toEqual({ error: 'Internal server error' });
  });

  it('GET /audit-logs answers AuditPage of AuditEntry, with its filters as query parameters', () => {
    const op = doc.paths['/audit-logs'].get;
    const names = op.parameters.map((p: { name: string }) => p.name).sort();
    expect(names).toEqual(['cursor', 'entityId', 'entityType', 'event', 'from', 'leadId', 'limit', 'to', 'user', 'x-account-id', 'x-consistency'].sort());
    expect(op.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/AuditPage' });
    const page = doc.components.schemas.AuditPage;
    expect(page.properties!.data.items).toEqual({ $ref: '#/components/schemas/AuditEntry' });
  });
});
