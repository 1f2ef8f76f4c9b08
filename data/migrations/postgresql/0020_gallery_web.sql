-- A server's choice to show its gallery as a web page (no row: shown, the default).
CREATE TABLE guild_gallery_web (
    guild_id    BIGINT PRIMARY KEY,
    enabled     BIGINT NOT NULL,
    changed_by  BIGINT NOT NULL,
    changed_at  DOUBLE PRECISION NOT NULL
);
