-- Style presets a server keeps (/style add|remove|list), applied with /imagine style:NAME.
-- Names are unique per server without regard to case.
CREATE TABLE style_presets (
    guild_id    INTEGER NOT NULL,
    name        TEXT NOT NULL COLLATE NOCASE,
    prefix      TEXT NOT NULL DEFAULT '',
    suffix      TEXT NOT NULL DEFAULT '',
    negative    TEXT NOT NULL DEFAULT '',
    created_by  INTEGER NOT NULL,
    created_at  REAL NOT NULL,
    PRIMARY KEY (guild_id, name)
);
