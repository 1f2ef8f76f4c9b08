-- Fair queueing: jobs are taken in (lane, turn, enqueued_at) order.
ALTER TABLE queue ADD COLUMN user_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE queue ADD COLUMN lane BIGINT NOT NULL DEFAULT 1;
ALTER TABLE queue ADD COLUMN turn BIGINT NOT NULL DEFAULT 0;
CREATE INDEX queue_fair_order ON queue(status, lane, turn, enqueued_at);
