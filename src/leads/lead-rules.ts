import type { EntityManager } from 'typeorm';
import { preparedRows } from '../database/sql';
import type { CandidateRow } from '../rotations/rotations.queries';
import { LeadErrors } from './leads.errors';
import { CHECK_RULES } from './leads.queries';

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

/** The candidates read with the checks: as rows, and as the exact text a later statement can compare with. */
export interface CheckedCandidates {
  rows: CandidateRow[];
  text: string | null;
}

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
export async function checkLeadRules(m: EntityManager, accountId: string, refs: LeadRefs, skip: boolean, withCandidates = false): Promise<CheckedCandidates> {
  const lead = refs.teamAndSource;
  const [row] = await preparedRows(m, CHECK_RULES, {
    accountId,
    teamId: lead?.teamId ?? null,
    leadSourceId: lead?.leadSourceId ?? null,
    skip: skip || lead === null,
    assignee: refs.assignedTo,
    withCandidates,
  });
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
  return { rows: row.candidates ?? [], text: row.candidates_text };
}
