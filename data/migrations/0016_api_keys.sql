-- The Images API (issue 20): members' API keys and the expiring links to API results.
-- A key is stored as the SHA-256 of its secret part; ``id`` is the public part (shown
-- in lists, used to find the row). ``guild_id``/``role_ids`` are where the key was made
-- and the member's roles then: the key acts there (credit scope, access roles, terms).
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    guild_id INTEGER,
    role_ids TEXT NOT NULL DEFAULT '[]',
    name TEXT NOT NULL DEFAULT '',
    secret_sha256 BLOB NOT NULL,
    created_at REAL NOT NULL,
    last_used_at REAL,
    revoked_at REAL
);
CREATE INDEX api_keys_owner ON api_keys(user_id, created_at);

-- A ``url`` result: an unguessable token that serves one image until it expires.
CREATE TABLE api_links (
    token TEXT PRIMARY KEY,
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX api_links_expiry ON api_links(expires_at);
