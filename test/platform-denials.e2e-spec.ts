import { startTestApp, type TestApp } from './support/app';
import { newEmail } from './support/builders';
import { describeDenials } from './support/denial';

describe('platform routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describeDenials('accounts, members, api keys, audit', () => t, [
    { method: 'POST', path: '/accounts', body: { name: 'x' } },
    { method: 'GET', path: '/accounts' },
    { method: 'PATCH', path: (a) => `/accounts/${a.id}`, role: 'owner', body: { name: 'x' } },
    { method: 'GET', path: '/members', role: 'viewer' },
    { method: 'POST', path: '/members', role: 'admin', body: { email: newEmail(), role: 'viewer' } },
    { method: 'PATCH', path: (a) => `/members/${a.owner.email}`, role: 'admin', body: { active: true } },
    { method: 'DELETE', path: '/members/nobody@example.com', role: 'admin' },
    { method: 'POST', path: '/api-keys', role: 'admin', body: { name: 'k', role: 'viewer' } },
    { method: 'GET', path: '/api-keys', role: 'admin' },
    { method: 'DELETE', path: '/api-keys/1', role: 'admin' },
    { method: 'GET', path: '/audit-logs', role: 'manager' },
  ]);
});
