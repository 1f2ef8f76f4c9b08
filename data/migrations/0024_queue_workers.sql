-- Which model each worker serves, announced while it runs: jobs name their model, a worker
-- claims only jobs for its own, and the studio refuses a job no live worker can serve.
CREATE TABLE IF NOT EXISTS queue_workers (
    worker      TEXT PRIMARY KEY,
    model       TEXT NOT NULL,
    expires_at  REAL NOT NULL
);
