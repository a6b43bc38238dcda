import { join } from 'node:path';

/** `migrations/` at the project root: compiled (dist/) and source (src/) trees both sit two levels below it. */
export const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');
