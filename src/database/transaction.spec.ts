import type { DataSource, EntityManager } from 'typeorm';
import { retryPause, RunAgainLater, runTransaction, TRANSACTION_ATTEMPTS } from './transaction';

/** A DataSource whose transaction() runs the work with a dummy manager, failing first with the errors given. */
function fakeDataSource(failures: unknown[]) {
  const calls: (string | undefined)[] = [];
  const ds = {
    transaction: async (a: unknown, b?: unknown) => {
      const [isolation, work] = typeof a === 'function' ? [undefined, a] : [a as string, b];
      calls.push(isolation);
      const failure = failures.shift();
      if (failure) throw failure;
      return (work as (m: EntityManager) => Promise<unknown>)({} as EntityManager);
    },
  } as unknown as DataSource;
  return { ds, calls };
}

const pgError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });
const typeormError = (code: string) => Object.assign(new Error('QueryFailedError'), { driverError: { code } });

describe('runTransaction', () => {
  it.each([
    ['a deadlock (pg error)', pgError('40P01')],
    ['a serialization failure (pg error)', pgError('40001')],
    ['a deadlock (TypeORM QueryFailedError)', typeormError('40P01')],
  ])('runs the work again after %s', async (_name, error) => {
    const { ds, calls } = fakeDataSource([error]);
    await expect(runTransaction(ds, async () => 'done')).resolves.toBe('done');
    expect(calls).toHaveLength(2);
  });

  it(`gives up after ${TRANSACTION_ATTEMPTS} attempts with the last error`, async () => {
    const errors = Array.from({ length: TRANSACTION_ATTEMPTS + 1 }, () => pgError('40P01'));
    const last = errors[TRANSACTION_ATTEMPTS - 1];
    const { ds, calls } = fakeDataSource(errors);
    await expect(runTransaction(ds, async () => 'never')).rejects.toBe(last);
    expect(calls).toHaveLength(TRANSACTION_ATTEMPTS);
  });

  it.each([
    ['a unique violation', pgError('23505')],
    ['a data exception', pgError('22003')],
    ['a lock timeout', pgError('55P03')],
    ['an error without a SQLSTATE', new Error('boom')],
  ])('does not run the work again after %s', async (_name, error) => {
    const { ds, calls } = fakeDataSource([error]);
    await expect(runTransaction(ds, async () => 'never')).rejects.toBe(error);
    expect(calls).toHaveLength(1);
  });

  it('keeps the isolation level on every attempt', async () => {
    const { ds, calls } = fakeDataSource([pgError('40001')]);
    await runTransaction(ds, 'REPEATABLE READ', async () => 1);
    expect(calls).toEqual(['REPEATABLE READ', 'REPEATABLE READ']);
  });

  it('RunAgainLater: waits for its pause, then runs the work again, however many times, outside the attempts budget', async () => {
    let paused = 0;
    const later = () => new RunAgainLater(async () => void paused++);
    const { ds, calls } = fakeDataSource([later(), later(), later(), later(), pgError('40P01'), later()]);
    await expect(runTransaction(ds, async () => 'done')).resolves.toBe('done');
    expect(calls).toHaveLength(7);
    expect(paused).toBe(5);
  });

  it('pauses about 10 ms, then 20 ms, each within ±50%', () => {
    for (let i = 0; i < 200; i++) {
      expect(retryPause(1)).toBeGreaterThanOrEqual(5);
      expect(retryPause(1)).toBeLessThan(15);
      expect(retryPause(2)).toBeGreaterThanOrEqual(10);
      expect(retryPause(2)).toBeLessThan(30);
    }
  });
});
