-- accounts/activeMemberRole
SELECT role FROM memberships WHERE account_id = $1 AND email = $2 AND active

-- accounts/liveApiKeyByPrefix
SELECT id, account_id AS "accountId", role, key_hash AS "keyHash", created_by AS "createdBy"
     FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL
