import type { EntityManager } from 'typeorm';
import { preparedRows } from '../database/sql';
import { CANDIDATES_JSON, type CandidateRow } from '../rotations/assignment.service';
import { LeadErrors } from './leads.errors';

/** A lead's team and source, as requested (null = none). */
export interface TeamAndSource {
  teamId: number | null;
  leadSourceId: number | null;
}

/** What rules 1-5 look at: the lead's team and source (null: not to be checked) and assignee (null: none). */
export interface LeadRefs {
  teamAndSource: TeamAndSource | null;
  assignedTo: string | null;
}

interface CheckRow {
  team_found: boolean;
  source_found: boolean;
  account_has_teams: boolean | null;
  team_has_sources: boolean | null;
  assignee_found: boolean;
  candidates: CandidateRow[] | null;
}

/**
 * Rules 1-5 and (optionally) the rotations that may serve the lead, read in ONE statement:
 *  - team_found / source_found lock the team and source rows FOR SHARE until the transaction ends, so a
 *    concurrent soft delete waits and the lead never commits pointing at a team or source deleted meanwhile;
 *  - account_has_teams / team_has_sources are asked only when a missing team / source would matter;
 *  - assignee_found locks the assignee's membership FOR SHARE, so a concurrent deactivation or removal waits;
 *  - candidates (when $6) are the active rotations for the team, with members (see CANDIDATES_JSON).
 * Parameters: $1 account, $2 team, $3 source, $4 skip requirements, $5 assignee, $6 read candidates.
 */
const CHECK_SQL = `
  WITH team AS (SELECT 1 FROM teams WHERE account_id = $1 AND id = $2::integer AND deleted_at IS NULL FOR SHARE),
       source AS (SELECT 1 FROM lead_sources
                   WHERE account_id = $1 AND team_id = $2::integer AND id = $3::integer AND deleted_at IS NULL FOR SHARE),
       assignee AS (SELECT 1 FROM memberships WHERE account_id = $1 AND email = $5::text AND active FOR SHARE)
  SELECT EXISTS (SELECT 1 FROM team) AS team_found,
         EXISTS (SELECT 1 FROM source) AS source_found,
         CASE WHEN $2::integer IS NULL AND NOT $4::boolean
              THEN EXISTS (SELECT 1 FROM teams WHERE account_id = $1 AND deleted_at IS NULL) END AS account_has_teams,
         CASE WHEN $2::integer IS NOT NULL AND $3::integer IS NULL AND NOT $4::boolean
              THEN EXISTS (SELECT 1 FROM lead_sources WHERE account_id = $1 AND team_id = $2::integer AND deleted_at IS NULL) END AS team_has_sources,
         EXISTS (SELECT 1 FROM assignee) AS assignee_found,
         CASE WHEN $6::boolean THEN ${CANDIDATES_JSON('$1', '$2::integer')} END AS candidates`;

/**
 * Rules 1-5 of API.md section 7, in order: a team is required when the account has teams, it must be a live
 * team of the account, a source is required when that team has sources, it must be a live source of that
 * team, and `assignedTo` must be an active member of the account. `skip` (skipTeamAndSourceRequirement)
 * waives the two requirements, never the existence checks. A source without a team is not found: a source
 * belongs to a team, so without the lead's team there is no source it could be.
 *
 * One round trip for all of it; with `withCandidates`, the same statement also reads the rotations that may
 * serve the lead (for `AssignmentService.planFrom`), so POST /leads reads everything it needs at once.
 */
export async function checkLeadRules(m: EntityManager, accountId: string, refs: LeadRefs, skip: boolean, withCandidates = false): Promise<CandidateRow[]> {
  const lead = refs.teamAndSource;
  const params = [accountId, lead?.teamId ?? null, lead?.leadSourceId ?? null, skip || lead === null, refs.assignedTo, withCandidates];
  const [row] = await preparedRows<CheckRow>(m, CHECK_SQL, params);
  if (lead) {
    if (lead.teamId === null) {
      if (row.account_has_teams) throw LeadErrors.teamRequired();
    } else {
      if (!row.team_found) throw LeadErrors.teamNotFound();
      if (lead.leadSourceId === null && row.team_has_sources) throw LeadErrors.leadSourceRequired();
    }
    if (lead.leadSourceId !== null && !row.source_found) throw LeadErrors.leadSourceNotFound();
  }
  if (refs.assignedTo !== null && !row.assignee_found) throw LeadErrors.assigneeNotActiveMember();
  return row.candidates ?? [];
}
