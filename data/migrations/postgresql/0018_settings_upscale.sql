-- /settings: a member's own defaults and a server's defaults (NULL: not set).
CREATE TABLE member_settings (
    user_id     BIGINT PRIMARY KEY,
    shape       TEXT,
    count       BIGINT,
    negative    TEXT,
    remix       BIGINT,
    privacy     TEXT,
    updated_at  DOUBLE PRECISION NOT NULL
);
CREATE TABLE guild_settings (
    guild_id    BIGINT PRIMARY KEY,
    shape       TEXT,
    count       BIGINT,
    negative    TEXT,
    remix       BIGINT,
    privacy     TEXT,
    updated_by  BIGINT NOT NULL,
    updated_at  DOUBLE PRECISION NOT NULL
);

-- The jobs table learns the 'upscale' kind (PostgreSQL widens the CHECK in place).
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('generate', 'vary', 'edit', 'upscale'));
