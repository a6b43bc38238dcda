/**
 * Fragments of the teams feature for other modules' statements (the leads' rules 1-2 in the one-statement
 * insert), so no other module names the columns of `teams`. They take SQL expressions; their text is in the
 * callers' snapshots.
 */

/**
 * The CTE `team`: the live team `team` of account `account`, locked FOR SHARE until the transaction ends, so a
 * concurrent soft delete waits and a lead never commits pointing at a team that went away meanwhile.
 */
export const liveTeamCte = (p: { account: string; team: string }) =>
  `team AS (SELECT 1 FROM teams WHERE account_id = ${p.account} AND id = ${p.team} AND deleted_at IS NULL FOR SHARE)`;

/** Whether account `account` has a live team (rule 1: a lead then needs one). */
export const accountHasLiveTeams = (account: string) => `EXISTS (SELECT 1 FROM teams WHERE account_id = ${account} AND deleted_at IS NULL)`;
