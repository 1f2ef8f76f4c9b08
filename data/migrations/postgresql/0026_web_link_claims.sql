-- Which browser opened an editor link first: it owns the link until the link expires,
-- across restarts (the browser as the SHA-256 of its cookie, never the cookie).
CREATE TABLE web_link_claims (
    link_id     TEXT PRIMARY KEY,
    browser     TEXT NOT NULL,
    expires_at  DOUBLE PRECISION NOT NULL
);
CREATE INDEX web_link_claims_expiry ON web_link_claims(expires_at);
