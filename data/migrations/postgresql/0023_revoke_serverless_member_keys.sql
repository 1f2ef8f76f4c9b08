-- Issue 25 (see the SQLite twin): revoke members' API keys made on no server (in a DM);
-- the terminal's own key (user 0) stays.
UPDATE api_keys
SET revoked_at = EXTRACT(EPOCH FROM now())
WHERE guild_id IS NULL AND revoked_at IS NULL AND user_id != 0;
