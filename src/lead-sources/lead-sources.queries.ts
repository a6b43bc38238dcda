import { defineSql } from '../database/named-sql';
import type { LeadSourceFields } from './dto/lead-source.dto';

/**
 * A page of a team's live sources, or no row at all when the team does not exist (a team without sources
 * gives one row of nulls): one statement, so the team check and the page come from one snapshot. Columns are
 * named as LeadSourceEntity's properties.
 */
export const TEAM_SOURCES_PAGE = defineSql<{ accountId: string; teamId: number; afterId: number; rowLimit: number }>(
  'lead-sources/teamSourcesPage',
  `
SELECT s.* FROM teams t
  LEFT JOIN LATERAL (
    SELECT id, account_id AS "accountId", team_id AS "teamId", name, created_at AS "createdAt", updated_at AS "updatedAt"
      FROM lead_sources
     WHERE account_id = t.account_id AND team_id = t.id AND deleted_at IS NULL AND id > :afterId
     ORDER BY id LIMIT :rowLimit
  ) s ON true
 WHERE t.account_id = :accountId AND t.id = :teamId AND t.deleted_at IS NULL
 ORDER BY s.id`,
);

export type TeamSourcesPageRow = LeadSourceFields | { id: null };
