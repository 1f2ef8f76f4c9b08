-- Which browser opened an editor link first (issue 29): it owns the link until the link
-- expires, across restarts. The browser is kept as the SHA-256 of its cookie, never the
-- cookie itself; link_id is the start of the link's signature (no member, no image).
CREATE TABLE web_link_claims (
    link_id     TEXT PRIMARY KEY,
    browser     TEXT NOT NULL,
    expires_at  REAL NOT NULL
);
CREATE INDEX web_link_claims_expiry ON web_link_claims(expires_at);
