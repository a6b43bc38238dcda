import { startTestApp, type TestApp } from './support/app';
import { describeDenials } from './support/denial';

describe('access log, audit verify and export routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describeDenials('access log, key usage, verify, export', () => t, [
    { method: 'GET', path: '/access-logs', role: 'admin' },
    { method: 'GET', path: '/api-keys/1/usage', role: 'admin' },
    { method: 'GET', path: '/audit-logs/verify', role: 'admin' },
    { method: 'GET', path: '/audit-logs/export', role: 'manager' },
  ]);
});
