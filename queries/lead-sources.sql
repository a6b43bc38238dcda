-- lead-sources/teamSourcesPage
SELECT s.* FROM teams t
  LEFT JOIN LATERAL (
    SELECT id, account_id AS "accountId", team_id AS "teamId", name, created_at AS "createdAt", updated_at AS "updatedAt"
      FROM lead_sources
     WHERE account_id = t.account_id AND team_id = t.id AND deleted_at IS NULL AND id > $1
     ORDER BY id LIMIT $2
  ) s ON true
 WHERE t.account_id = $3 AND t.id = $4 AND t.deleted_at IS NULL
 ORDER BY s.id
