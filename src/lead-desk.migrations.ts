import type { DataSource } from 'typeorm';
import { LEAD_DESK_MIGRATIONS, runMigrationsLocked } from './database/migration-runner';

/**
 * Applies Lead Desk's pending migrations to `dataSource` (a host's, initialized), under the advisory lock the
 * standalone server uses, so several processes may call it at once. Resolves to the names of those applied.
 */
export function runLeadDeskMigrations(dataSource: DataSource): Promise<string[]> {
  return runMigrationsLocked(dataSource, LEAD_DESK_MIGRATIONS);
}
