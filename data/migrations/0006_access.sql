-- Who may use the bot in a server (DALL·E's phased access): the roles a server allows.
-- A server with no rows here lets every member in.
CREATE TABLE guild_access_roles (
    guild_id    INTEGER NOT NULL,
    role_id     INTEGER NOT NULL,
    added_by    INTEGER NOT NULL,
    added_at    REAL NOT NULL,
    PRIMARY KEY (guild_id, role_id)
);
