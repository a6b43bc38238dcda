import { rmSync } from 'node:fs';
import type { PgBouncer } from './pgbouncer';
import { DIRECT_DATABASE_ENV, dropRunDatabase, RUN_DATABASE_ENV, RUN_PGLITE_ENV } from './test-database';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { leadDeskPgBouncer?: PgBouncer }).leadDeskPgBouncer?.stop();
  if (process.env.KEEP_TEST_DATABASE) return;
  const url = process.env[DIRECT_DATABASE_ENV] ?? process.env[RUN_DATABASE_ENV];
  if (url) await dropRunDatabase(url);
  const runDir = process.env[RUN_PGLITE_ENV];
  if (runDir) rmSync(runDir, { recursive: true, force: true });
}
