/**
 * Fragments of the lead-sources feature for other modules' statements (the leads' rules 3-4 in the
 * one-statement insert), so no other module names the columns of `lead_sources`. They take SQL expressions;
 * their text is in the callers' snapshots.
 */

/**
 * The CTE `source`: the live source `source` of team `team` in account `account`, locked FOR SHARE until the
 * transaction ends, so a concurrent soft delete waits and a lead never commits pointing at a deleted source.
 */
export const liveSourceCte = (p: { account: string; team: string; source: string }) =>
  `source AS (SELECT 1 FROM lead_sources
              WHERE account_id = ${p.account} AND team_id = ${p.team} AND id = ${p.source} AND deleted_at IS NULL FOR SHARE)`;

/** Whether team `team` of account `account` has a live source (rule 3: a lead of that team then needs one). */
export const teamHasLiveSources = (p: { account: string; team: string }) =>
  `EXISTS (SELECT 1 FROM lead_sources WHERE account_id = ${p.account} AND team_id = ${p.team} AND deleted_at IS NULL)`;
