import { startTestApp, type TestApp } from './support/app';
import { createAccount } from './support/builders';
import { MINIMAL_LEAD } from './support/leads';

// Its own file (and app): TRUST_PROXY is fixed when the server starts.
describe('audit log behind a proxy (TRUST_PROXY=true)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: 'true' });
  });
  afterAll(() => t.close());

  it('records the client address from X-Forwarded-For', async () => {
    const account = await createAccount(t);
    const res = await account.owner.api.post('/leads', MINIMAL_LEAD, { 'x-forwarded-for': '203.0.113.7' });
    expect(res.status).toBe(201);
    expect(res.body.auditLog[0].requestIpAddress).toBe('203.0.113.7');
    const log = await account.owner.api.get(`/audit-logs?leadId=${res.body.id}`);
    expect(log.body.data[0].requestIpAddress).toBe('203.0.113.7');
    // Without the header, the socket's address.
    const direct = await account.owner.api.post('/leads', MINIMAL_LEAD);
    expect(direct.body.auditLog[0].requestIpAddress).toBe('127.0.0.1');
  });
});
