import type { EntityManager } from 'typeorm';
import { LeadErrors } from './leads.errors';

/** A lead's team and source, as requested (null = none). */
export interface TeamAndSource {
  teamId: number | null;
  leadSourceId: number | null;
}

/**
 * Rules 1-4 of API.md section 7, in order: a team is required when the account has teams, it must be a
 * live team of the account, a source is required when that team has sources, and it must be a live source
 * of that team. `skip` (skipTeamAndSourceRequirement) waives the two requirements, never the existence checks.
 *
 * The team and source rows are locked FOR SHARE until the caller's transaction ends, so a concurrent
 * soft delete waits and the lead never commits pointing at a team or source deleted meanwhile.
 */
export async function assertTeamAndSource(m: EntityManager, accountId: string, lead: TeamAndSource, skip: boolean): Promise<void> {
  if (lead.teamId === null) {
    if (!skip && (await exists(m, 'SELECT 1 FROM teams WHERE account_id = $1 AND deleted_at IS NULL LIMIT 1', [accountId]))) {
      throw LeadErrors.teamRequired();
    }
  } else {
    const team = 'SELECT 1 FROM teams WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL FOR SHARE';
    if (!(await exists(m, team, [accountId, lead.teamId]))) throw LeadErrors.teamNotFound();
    if (lead.leadSourceId === null && !skip) {
      const anySource = 'SELECT 1 FROM lead_sources WHERE account_id = $1 AND team_id = $2 AND deleted_at IS NULL LIMIT 1';
      if (await exists(m, anySource, [accountId, lead.teamId])) throw LeadErrors.leadSourceRequired();
    }
  }
  if (lead.leadSourceId !== null) {
    // A source belongs to a team: without the lead's team there is no source it could be.
    if (lead.teamId === null) throw LeadErrors.leadSourceNotFound();
    const source = 'SELECT 1 FROM lead_sources WHERE account_id = $1 AND team_id = $2 AND id = $3 AND deleted_at IS NULL FOR SHARE';
    if (!(await exists(m, source, [accountId, lead.teamId, lead.leadSourceId]))) throw LeadErrors.leadSourceNotFound();
  }
}

/**
 * Rule 5: `assignedTo` must be an active member of the account. The membership row is locked FOR SHARE,
 * so a concurrent deactivation or removal waits for the lead to commit.
 */
export async function assertAssignee(m: EntityManager, accountId: string, email: string): Promise<void> {
  const member = 'SELECT 1 FROM memberships WHERE account_id = $1 AND email = $2 AND active FOR SHARE';
  if (!(await exists(m, member, [accountId, email]))) throw LeadErrors.assigneeNotActiveMember();
}

async function exists(m: EntityManager, sql: string, params: unknown[]): Promise<boolean> {
  const rows: unknown[] = await m.query(sql, params);
  return rows.length > 0;
}
