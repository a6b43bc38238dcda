import { spawnSync } from 'node:child_process';
import { usingRealPostgres } from './test-database';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Whether Redis answers PING at `url`, decided synchronously (a short child process), so a suite can choose
 * `it` or `it.skip` while jest collects its tests, instead of returning early from inside a test that then
 * reports green without having tested anything.
 */
export function redisAnswers(url = TEST_REDIS_URL, timeoutMs = 2000): boolean {
  const { hostname, port } = new URL(url);
  const script = `
    const s = require('node:net').connect(${Number(port || 6379)}, ${JSON.stringify(hostname)});
    s.setTimeout(${timeoutMs}, () => process.exit(1));
    s.on('error', () => process.exit(1));
    s.on('connect', () => s.write('PING\\r\\n'));
    s.on('data', (d) => process.exit(String(d).startsWith('+PONG') ? 0 : 1));`;
  return spawnSync(process.execPath, ['-e', script], { timeout: timeoutMs + 2000 }).status === 0;
}

/**
 * `it` when every need is met, else `it.skip`, with the reason printed once and put in the test's name, so
 * the run's report shows what was not tested and why. `needs`: reason → whether it is met.
 */
export function itWhen(needs: Record<string, boolean>): { it: TestFn; reason: string | null } {
  const missing = Object.entries(needs).filter(([, met]) => !met).map(([reason]) => reason);
  if (missing.length === 0) return { it, reason: null };
  const reason = missing.join('; ');
  console.warn(`${expect.getState().testPath ?? 'a suite'}: skipping the tests marked [skipped: ${reason}]`);
  return { it: (name, fn, timeout) => it.skip(`${name} [skipped: ${reason}]`, fn, timeout), reason };
}

export type TestFn = (name: string, fn: jest.ProvidesCallback, timeout?: number) => void;

export const needsPostgres = (): Record<string, boolean> => ({ 'needs a PostgreSQL server (several connections or processes share it)': usingRealPostgres() });
export const needsRedis = (url = TEST_REDIS_URL): Record<string, boolean> => ({ [`needs Redis at ${url} (.ci/run starts one)`]: redisAnswers(url) });
