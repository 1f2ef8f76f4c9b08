-- A server's choice to show the visible signature on delivered images.
CREATE TABLE guild_visible_mark (
    guild_id    BIGINT PRIMARY KEY,
    enabled     BIGINT NOT NULL,
    changed_by  BIGINT NOT NULL,
    changed_at  DOUBLE PRECISION NOT NULL
);
