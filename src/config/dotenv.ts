import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { config as readDotEnv } from 'dotenv';
import { ConfigurationError } from './environment';

/**
 * The standalone server and the repository's scripts (token, seed:demo, migrations) read an env file at start:
 * LEAD_DESK_ENV_FILE (a path; `none` reads nothing), by default `.env` in the working directory, if there is
 * one. A variable already set in the real environment wins. Never called by LeadDeskModule or tests: a host's
 * environment is its own. Returns the file read, or null.
 */
export function loadDotEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  const chosen = env.LEAD_DESK_ENV_FILE;
  if (chosen === 'none') return null;
  const file = resolve(process.cwd(), chosen || '.env');
  if (!existsSync(file)) {
    if (chosen) throw new ConfigurationError(`LEAD_DESK_ENV_FILE: ${file} does not exist`);
    return null;
  }
  readDotEnv({ path: file, override: false, quiet: true, processEnv: env as Record<string, string> });
  return file;
}
