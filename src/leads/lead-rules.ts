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

/** Where a statement has the values rules 1-5 read: SQL expressions (usually `$n::type` placeholders). */
export interface RuleParams {
  account: string;
  team: string;
  source: string;
  skip: string;
  assignee: string;
}

/**
 * CTEs `team`, `source` and `assignee`: the lead's team, source and assignee rows, locked FOR SHARE until the
 * transaction ends, so a concurrent soft delete, deactivation or removal waits and the lead never commits
 * pointing at a team, source or member that went away meanwhile.
 */
export const ruleCtes = (p: RuleParams) => `
  team AS (SELECT 1 FROM teams WHERE account_id = ${p.account} AND id = ${p.team} AND deleted_at IS NULL FOR SHARE),
  source AS (SELECT 1 FROM lead_sources
              WHERE account_id = ${p.account} AND team_id = ${p.team} AND id = ${p.source} AND deleted_at IS NULL FOR SHARE),
  assignee AS (SELECT 1 FROM memberships WHERE account_id = ${p.account} AND email = ${p.assignee} AND active FOR SHARE)`;

/** Rule 1's question (asked only when the lead has no team and the requirement is not waived). */
const accountHasTeams = (p: RuleParams) => `CASE WHEN ${p.team} IS NULL AND NOT ${p.skip}
  THEN EXISTS (SELECT 1 FROM teams WHERE account_id = ${p.account} AND deleted_at IS NULL) END`;
/** Rule 3's question (asked only when the lead has a team but no source and the requirement is not waived). */
const teamHasSources = (p: RuleParams) => `CASE WHEN ${p.team} IS NOT NULL AND ${p.source} IS NULL AND NOT ${p.skip}
  THEN EXISTS (SELECT 1 FROM lead_sources WHERE account_id = ${p.account} AND team_id = ${p.team} AND deleted_at IS NULL) END`;

/**
 * True when rules 1-5 all pass (with `ruleCtes` in the same WITH): for a statement that writes the lead only
 * then, and leaves telling which rule failed to `checkLeadRules`.
 */
export const rulesPass = (p: RuleParams) => `(
      (${p.team} IS NULL OR EXISTS (SELECT 1 FROM team))
  AND (${p.source} IS NULL OR EXISTS (SELECT 1 FROM source))
  AND (${p.assignee} IS NULL OR EXISTS (SELECT 1 FROM assignee))
  AND (${accountHasTeams(p)}) IS NOT TRUE
  AND (${teamHasSources(p)}) IS NOT TRUE)`;

/**
 * CTEs `team`, `source`, `assignee` and `rules` (one row, `pass`) for a statement that writes a lead only when
 * rules 1-5 pass and, when `candidatesText` is not null, the rotations that may serve it still read as that
 * text (`CANDIDATES_JSON`, as `checkLeadRules` returned it): the guard of the one-statement inserts.
 */
export const guardCtes = (p: RuleParams, candidatesText: string) => `${ruleCtes(p)},
  rules AS (SELECT ${rulesPass(p)}
      AND (${candidatesText} IS NULL OR ${CANDIDATES_JSON(p.account, p.team)}::text = ${candidatesText}) AS pass)`;

interface CheckRow {
  team_found: boolean;
  source_found: boolean;
  account_has_teams: boolean | null;
  team_has_sources: boolean | null;
  assignee_found: boolean;
  candidates: CandidateRow[] | null;
  candidates_text: string | null;
}

const CHECK_PARAMS: RuleParams = { account: '$1', team: '$2::integer', source: '$3::integer', skip: '$4::boolean', assignee: '$5::text' };

/**
 * Rules 1-5 and (optionally, $6) the rotations that may serve the lead, read in ONE statement; the candidates
 * also come as the text the one-statement insert compares against (see `insertLeadAtOnce`).
 */
const CHECK_SQL = `
  WITH ${ruleCtes(CHECK_PARAMS)}
  SELECT EXISTS (SELECT 1 FROM team) AS team_found,
         EXISTS (SELECT 1 FROM source) AS source_found,
         ${accountHasTeams(CHECK_PARAMS)} AS account_has_teams,
         ${teamHasSources(CHECK_PARAMS)} AS team_has_sources,
         EXISTS (SELECT 1 FROM assignee) AS assignee_found,
         candidates, candidates::text AS candidates_text
    FROM (SELECT CASE WHEN $6::boolean THEN ${CANDIDATES_JSON('$1', '$2::integer')} END AS candidates) c`;

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
  return { rows: row.candidates ?? [], text: row.candidates_text };
}
