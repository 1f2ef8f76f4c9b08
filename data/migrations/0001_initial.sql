-- Imagine's first schema. Applied once; PRAGMA user_version records it.

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,          -- Discord user id (0 is the local console)
    name        TEXT NOT NULL DEFAULT '',
    created_at  REAL NOT NULL
);

-- Append-only: a balance is SUM(delta); every change has a kind, a reason and a key.
CREATE TABLE ledger (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    delta       INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN
                    ('free_grant', 'purchase', 'spend', 'refund', 'admin_grant', 'expiry')),
    reason      TEXT NOT NULL,
    idem_key    TEXT NOT NULL UNIQUE,
    created_at  REAL NOT NULL
);
CREATE INDEX ledger_user ON ledger(user_id, id);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;

-- The bot's record of every request: who asked, what it cost, where to deliver it.
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    kind            TEXT NOT NULL CHECK (kind IN ('generate', 'vary', 'edit')),
    prompt          TEXT NOT NULL,
    request         TEXT NOT NULL,            -- the Job as JSON (bytes base64)
    source_image_id TEXT REFERENCES images(id),
    cost            INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'done', 'failed')),
    error           TEXT,
    origin          TEXT,                     -- JSON: where the result goes (Discord context)
    delivered_at    REAL,
    created_at      REAL NOT NULL,
    finished_at     REAL
);
CREATE INDEX jobs_open ON jobs(status) WHERE status = 'queued';
CREATE INDEX jobs_undelivered ON jobs(delivered_at) WHERE delivered_at IS NULL;

CREATE TABLE images (
    id          TEXT PRIMARY KEY,
    job_id      TEXT NOT NULL REFERENCES jobs(id),
    position    INTEGER NOT NULL,             -- 1..n within its job
    owner_id    INTEGER NOT NULL REFERENCES users(id),
    path        TEXT NOT NULL,                -- relative to DATA_DIR
    prompt      TEXT NOT NULL,
    negative    TEXT NOT NULL DEFAULT '',
    seed        INTEGER NOT NULL,
    model       TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    parent_id   TEXT REFERENCES images(id),   -- the source of a variation or an edit
    created_at  REAL NOT NULL,
    UNIQUE (job_id, position)
);
CREATE INDEX images_owner ON images(owner_id, created_at);

CREATE TABLE collections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id    INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    is_public   INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL,
    UNIQUE (owner_id, name)
);

CREATE TABLE collection_items (
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    image_id      TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    added_at      REAL NOT NULL,
    PRIMARY KEY (collection_id, image_id)
);

-- The embedded queue (data/sqlite_queue.py). Workers touch only this table.
CREATE TABLE queue (
    id            TEXT PRIMARY KEY,
    payload       TEXT NOT NULL,              -- the Job as JSON
    status        TEXT NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    worker        TEXT,
    lease_until   REAL,
    step          INTEGER NOT NULL DEFAULT 0,
    total_steps   INTEGER NOT NULL DEFAULT 0,
    result        TEXT,                       -- the Result as JSON
    error         TEXT,
    enqueued_at   REAL NOT NULL,
    updated_at    REAL NOT NULL
);
CREATE INDEX queue_claimable ON queue(status, enqueued_at);
