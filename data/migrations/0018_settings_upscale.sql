-- /settings: a member's own defaults and a server's defaults. NULL in a column means
-- "not set": the request falls through member → server → the bot's settings, so a member
-- who never opens /settings (and a server whose admins never do) sees no change.
CREATE TABLE member_settings (
    user_id     INTEGER PRIMARY KEY,
    shape       TEXT,     -- a size name (square, portrait, landscape) or a ratio W:H
    count       INTEGER,  -- images per /imagine, 1-4
    negative    TEXT,     -- appended to every request's negative prompt
    remix       INTEGER,  -- 1: buttons open a modal to change the prompt first
    privacy     TEXT,     -- public, ephemeral or dm: where results are delivered
    updated_at  REAL NOT NULL
);
CREATE TABLE guild_settings (
    guild_id    INTEGER PRIMARY KEY,
    shape       TEXT,
    count       INTEGER,
    negative    TEXT,
    remix       INTEGER,
    privacy     TEXT,
    updated_by  INTEGER NOT NULL,
    updated_at  REAL NOT NULL
);

-- The jobs table learns the 'upscale' kind. SQLite cannot alter a CHECK constraint, and a
-- table rebuild would have to name every column other migrations may have added; widening
-- the CHECK in the stored schema is the documented in-place way (sqlite.org/lang_altertable,
-- "making other kinds of table schema changes"): every existing row still satisfies it.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (kind IN (''generate'', ''vary'', ''edit''))',
                          'CHECK (kind IN (''generate'', ''vary'', ''edit'', ''upscale''))')
 WHERE type = 'table' AND name = 'jobs';
PRAGMA writable_schema = RESET;
