-- Moderation: per-server rules and terms, every blocked attempt, and suspensions.

-- One row per server that changed a default (guild 0: direct messages and the console).
CREATE TABLE moderation_settings (
    guild_id            INTEGER PRIMARY KEY,
    mod_log_channel_id  INTEGER,              -- where blocks are reported; NULL: nowhere
    block_faces         INTEGER,              -- uploads with realistic faces; NULL: the default
    block_nudity        INTEGER,              -- uploads and results with nudity; NULL: the default
    updated_at          REAL NOT NULL
);

-- A server's own words: 'block' adds to the policy, 'allow' lets a phrase through.
CREATE TABLE moderation_terms (
    guild_id    INTEGER NOT NULL,
    term        TEXT NOT NULL,                -- stored normalised
    kind        TEXT NOT NULL CHECK (kind IN ('block', 'allow')),
    added_by    INTEGER NOT NULL,
    created_at  REAL NOT NULL,
    PRIMARY KEY (guild_id, term, kind)
);

-- Every refused prompt, upload or result. A strike is a 'prompt' or 'upload' row.
CREATE TABLE moderation_blocks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('prompt', 'upload', 'output')),
    category    TEXT NOT NULL,
    term        TEXT NOT NULL DEFAULT '',
    prompt      TEXT NOT NULL DEFAULT '',
    created_at  REAL NOT NULL
);
CREATE INDEX moderation_blocks_user ON moderation_blocks(guild_id, user_id, created_at);

CREATE TABLE moderation_suspensions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    until       REAL NOT NULL,
    reason      TEXT NOT NULL,
    created_at  REAL NOT NULL,
    lifted_at   REAL,
    lifted_by   INTEGER
);
CREATE INDEX moderation_suspensions_user ON moderation_suspensions(guild_id, user_id, until);
