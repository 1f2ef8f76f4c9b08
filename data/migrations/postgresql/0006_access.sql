-- Who may use the bot in a server: the roles a server allows.
CREATE TABLE guild_access_roles (
    guild_id    BIGINT NOT NULL,
    role_id     BIGINT NOT NULL,
    added_by    BIGINT NOT NULL,
    added_at    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (guild_id, role_id)
);
