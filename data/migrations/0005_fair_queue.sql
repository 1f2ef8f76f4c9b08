-- Fair queueing: jobs are taken in (lane, turn, enqueued_at) order. Lane 0 holds jobs paid
-- with paid credits that arrived while the queue was long, lane 1 everything else; a
-- user's queued jobs take successive turns, so users alternate (round robin).
ALTER TABLE queue ADD COLUMN user_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue ADD COLUMN lane INTEGER NOT NULL DEFAULT 1;
ALTER TABLE queue ADD COLUMN turn INTEGER NOT NULL DEFAULT 0;
CREATE INDEX queue_fair_order ON queue(status, lane, turn, enqueued_at);
