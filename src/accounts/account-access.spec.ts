import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { AccountAccessService } from './account-access.service';

/** The cache's bookkeeping, with a stand-in for the pool whose answers the test releases by hand. */
function serviceWithPool(cacheMs: number) {
  const pending: { resolve: (rows: { role: string }[]) => void }[] = [];
  let reads = 0;
  const dataSource = {
    driver: {
      master: {
        query: () => {
          reads++;
          return new Promise((resolve) => pending.push({ resolve: (rows) => resolve({ rows }) }));
        },
      },
    },
  } as unknown as DataSource;
  const service = new AccountAccessService(dataSource, { database: { membershipCacheMs: cacheMs } } as AppConfig);
  return { service, pending, reads: () => reads };
}
const user = { kind: 'user' as const, email: 'a@example.com' };

describe('AccountAccessService role cache', () => {
  it('reuses a role it read, and reads again after forget', async () => {
    const { service, pending, reads } = serviceWithPool(60_000);
    const first = service.effectiveRole(user, '1');
    pending.shift()!.resolve([{ role: 'admin' }]);
    expect(await first).toBe('admin');
    expect(await service.effectiveRole(user, '1')).toBe('admin');
    expect(reads()).toBe(1);
    service.forget('1', user.email);
    const again = service.effectiveRole(user, '1');
    pending.shift()!.resolve([{ role: 'agent' }]);
    expect(await again).toBe('agent');
    expect(reads()).toBe(2);
  });

  it('does not keep a role read while a change committed (it may be the old one)', async () => {
    const { service, pending, reads } = serviceWithPool(60_000);
    const inFlight = service.effectiveRole(user, '1');
    service.forget('1', user.email); // a change commits while the read is under way
    pending.shift()!.resolve([{ role: 'owner' }]); // ...and the read saw the row as it was before
    expect(await inFlight).toBe('owner');
    const next = service.effectiveRole(user, '1');
    expect(reads()).toBe(2); // not served from the cache
    pending.shift()!.resolve([{ role: 'viewer' }]);
    expect(await next).toBe('viewer');
  });

  it('never caches a refusal, and caches nothing when the cache is off', async () => {
    const off = serviceWithPool(0);
    for (let i = 0; i < 2; i++) {
      const p = off.service.effectiveRole(user, '1');
      off.pending.shift()!.resolve([{ role: 'agent' }]);
      await p;
    }
    expect(off.reads()).toBe(2);
    const on = serviceWithPool(60_000);
    const refused = on.service.effectiveRole(user, '1');
    on.pending.shift()!.resolve([]);
    await expect(refused).rejects.toMatchObject({ code: 'no_access', httpStatus: 403 });
    const later = on.service.effectiveRole(user, '1');
    expect(on.reads()).toBe(2);
    on.pending.shift()!.resolve([{ role: 'agent' }]);
    expect(await later).toBe('agent');
  });
});
