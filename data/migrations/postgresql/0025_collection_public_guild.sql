-- Where a public collection is shown on the web: the server where its owner made it public,
-- and when (NULL: on no server's gallery page).
ALTER TABLE collections ADD COLUMN public_guild_id BIGINT;
ALTER TABLE collections ADD COLUMN public_at DOUBLE PRECISION;
CREATE INDEX collections_public_guild ON collections(public_guild_id, public_at);
