-- A server's choice to show the visible signature (DALL·E 2's colour squares) on the
-- images the bot delivers there (issue 16). No row: off, the default.
CREATE TABLE guild_visible_mark (
    guild_id    INTEGER PRIMARY KEY,
    enabled     INTEGER NOT NULL,
    changed_by  INTEGER NOT NULL,
    changed_at  REAL NOT NULL
);
