-- A server's choice to show its gallery as a web page (issue 29). No row: shown, the
-- default; a server's admins may turn it off (/gallery web off).
CREATE TABLE guild_gallery_web (
    guild_id    INTEGER PRIMARY KEY,
    enabled     INTEGER NOT NULL,
    changed_by  INTEGER NOT NULL,
    changed_at  REAL NOT NULL
);
