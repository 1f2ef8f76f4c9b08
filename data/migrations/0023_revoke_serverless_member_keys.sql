-- Issue 25: /api-key create was offered in DMs (discord.py ignores guild_only on a
-- subcommand), so a member could hold a key made on no server: it acted under no
-- server's role rules or terms, and outlived turning DMs off. Such keys are revoked (the
-- member makes a new one in a server). The terminal's own key (user 0, `make run`) is no
-- member's and stays.
UPDATE api_keys
SET revoked_at = CAST(strftime('%s', 'now') AS REAL)
WHERE guild_id IS NULL AND revoked_at IS NULL AND user_id != 0;
