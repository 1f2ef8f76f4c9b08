-- Galleries, shares and their votes; history lookups; disk use per image.

-- One gallery channel per server (a text channel, or a forum where each share is a post).
CREATE TABLE gallery_channels (
    guild_id    INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL,
    is_forum    INTEGER NOT NULL DEFAULT 0,
    set_by      INTEGER NOT NULL,
    set_at      REAL NOT NULL
);

-- An image shared to a server's gallery, at most once. 'posting' reserves the slot while
-- the post is being sent; a moderator's 'removed' row stays so it is not shared again.
CREATE TABLE shares (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    image_id    TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES users(id),
    status      TEXT NOT NULL DEFAULT 'posting' CHECK (status IN ('posting', 'live', 'removed')),
    channel_id  INTEGER,                      -- the gallery channel, or the forum post's thread
    message_id  INTEGER UNIQUE,
    shared_at   REAL NOT NULL,
    removed_by  INTEGER,
    removed_at  REAL,
    UNIQUE (guild_id, image_id)
);
CREATE INDEX shares_top ON shares(guild_id, status, shared_at);

-- Reactions on gallery posts: one row per user and emoji, so a repeated event counts once.
CREATE TABLE share_votes (
    message_id  INTEGER NOT NULL REFERENCES shares(message_id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    emoji       TEXT NOT NULL,
    created_at  REAL NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
);

CREATE INDEX jobs_user ON jobs(user_id, created_at);
CREATE INDEX images_parent ON images(parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX collection_items_image ON collection_items(image_id);

-- Bytes of the PNG on disk; filled when first measured (older rows start NULL).
ALTER TABLE images ADD COLUMN bytes INTEGER;
