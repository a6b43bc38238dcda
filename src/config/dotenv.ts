import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { config as readDotEnv } from 'dotenv';

/**
 * The standalone server and the repository's scripts (token, seed:demo, migrations) read `.env` from the
 * working directory at start, if there is one; a variable already set in the real environment wins. Never
 * called by LeadDeskModule or tests: a host's environment is its own. Returns the file read, or null.
 */
export function loadDotEnv(file = resolve(process.cwd(), '.env')): string | null {
  if (!existsSync(file)) return null;
  readDotEnv({ path: file, override: false, quiet: true });
  return file;
}
