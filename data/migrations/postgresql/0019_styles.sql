-- Style presets a server keeps; names unique per server without regard to case.
CREATE TABLE style_presets (
    guild_id    BIGINT NOT NULL,
    name        TEXT NOT NULL COLLATE nocase,
    prefix      TEXT NOT NULL DEFAULT '',
    suffix      TEXT NOT NULL DEFAULT '',
    negative    TEXT NOT NULL DEFAULT '',
    created_by  BIGINT NOT NULL,
    created_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (guild_id, name)
);
