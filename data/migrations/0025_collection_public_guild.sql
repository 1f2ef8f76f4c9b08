-- Where a public collection is shown on the web (issue 29): the server where its owner made
-- it public, and when. NULL: on no server's gallery page (made public in a DM, private, or
-- public before this column existed: /collection public in a server puts it there).
ALTER TABLE collections ADD COLUMN public_guild_id INTEGER;
ALTER TABLE collections ADD COLUMN public_at REAL;
CREATE INDEX collections_public_guild ON collections(public_guild_id, public_at);
