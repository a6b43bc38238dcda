import { sign } from 'jsonwebtoken';
import type { Role } from '../../src/accounts/roles';
import { ROLES, roleRank } from '../../src/accounts/roles';
import { TEST_JWT_SECRET, tokenFor, type TestApp } from './app';
import { createAccount, newEmail, type TestAccount } from './builders';
import { call, type Call } from './http';

export interface RouteUnderTest {
  method: Call['method'];
  /** May contain `:id`-style placeholders filled by `path(account)` instead */
  path: string | ((account: TestAccount) => Promise<string> | string);
  /** Least role the route needs; undefined for routes without x-account-id (accounts) */
  role?: Role;
  /** A valid body, so only access decides the answer */
  body?: unknown;
}

/**
 * The denial suite every account-scoped route gets: no token, each kind of bad token → 401;
 * no x-account-id → 400; a stranger's / unknown account → 403; every role below the route's → 403.
 */
export function describeDenials(name: string, getApp: () => TestApp, routes: RouteUnderTest[]): void {
  describe(`${name}: denials`, () => {
    let account: TestAccount;
    beforeAll(async () => {
      account = await createAccount(getApp());
    });

    const resolve = async (r: RouteUnderTest) => (typeof r.path === 'string' ? r.path : r.path(account));

    for (const r of routes) {
      const label = `${r.method} ${typeof r.path === 'string' ? r.path : '(built path)'}`;

      it(`${label}: 401 without a valid token`, async () => {
        const t = getApp();
        const url = await resolve(r);
        const now = Math.floor(Date.now() / 1000);
        const bad = [
          undefined,
          'not-a-jwt',
          sign({ sub: 'x', email: account.owner.email, exp: now + 60 }, 'wrong-secret-0123456789', { algorithm: 'HS256' }),
          sign({ sub: 'x', email: account.owner.email, exp: now - 10 }, TEST_JWT_SECRET, { algorithm: 'HS256' }),
          sign({ sub: 'x', email: account.owner.email }, TEST_JWT_SECRET, { algorithm: 'HS256' }), // no exp
          sign({ email: account.owner.email, exp: now + 60 }, TEST_JWT_SECRET, { algorithm: 'HS256' }), // no sub
          sign({ sub: 'x', exp: now + 60 }, TEST_JWT_SECRET, { algorithm: 'HS256' }), // no email
          sign({ sub: 'x', email: account.owner.email, exp: now + 60 }, TEST_JWT_SECRET, { algorithm: 'HS512' }),
          unsignedToken({ sub: 'x', email: account.owner.email, exp: now + 60 }),
          'ldk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        ];
        for (const token of bad) {
          const res = await call(t.app, { method: r.method, url, token, account: account.id, body: r.body });
          expect({ token, status: res.status }).toEqual({ token, status: 401 });
          expect(res.body).toEqual({ error: expect.any(String) });
        }
      });

      if (!r.role) continue;

      it(`${label}: 400 without x-account-id`, async () => {
        const res = await call(getApp().app, { method: r.method, url: await resolve(r), token: account.owner.token, body: r.body });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error: 'x-account-id header is required' });
      });

      it(`${label}: 403 for a stranger, an unknown or malformed account`, async () => {
        const t = getApp();
        const url = await resolve(r);
        const stranger = tokenFor(t.config, newEmail('stranger'));
        for (const [token, accountId] of [
          [stranger, account.id],
          [account.owner.token, '999999999999'],
          [account.owner.token, 'abc'],
        ]) {
          const res = await call(t.app, { method: r.method, url, token, account: accountId, body: r.body });
          expect({ accountId, status: res.status }).toEqual({ accountId, status: 403 });
        }
      });

      const lower = ROLES.filter((role) => roleRank(role) < roleRank(r.role!));
      if (lower.length > 0) {
        it(`${label}: 403 for roles below ${r.role} (${lower.join(', ')}) and for a deactivated member`, async () => {
          const t = getApp();
          const url = await resolve(r);
          for (const role of lower) {
            const member = await account.member(role);
            const res = await call(t.app, { method: r.method, url, token: member.token, account: account.id, body: r.body });
            expect({ role, status: res.status }).toEqual({ role, status: 403 });
          }
          const inactive = await account.member(r.role!);
          await account.owner.api.patch(`/members/${inactive.email}`, { active: false });
          const res = await call(t.app, { method: r.method, url, token: inactive.token, account: account.id, body: r.body });
          expect(res.status).toBe(403);
        });
      }
    }
  });
}

function unsignedToken(claims: object): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
}
