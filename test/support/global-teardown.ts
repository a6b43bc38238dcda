import { dropRunDatabase, RUN_DATABASE_ENV } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const url = process.env[RUN_DATABASE_ENV];
  if (url && !process.env.KEEP_TEST_DATABASE) await dropRunDatabase(url);
}
