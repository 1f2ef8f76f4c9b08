-- Granted credits (security review, issue 19): an admin's grant is its own pool, 'grant',
-- spent only where it was given (scope = the granting server; 0 = an operator's global
-- grant) and never counted as paid for the queue's paid lane. SQLite cannot widen a CHECK
-- in place, so the ledger is rebuilt with the same rows, keys, triggers and indexes.
-- Rows written before this version keep their pool.
CREATE TABLE ledger_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    delta       INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN
                    ('free_grant', 'purchase', 'spend', 'refund', 'admin_grant', 'expiry')),
    reason      TEXT NOT NULL,
    idem_key    TEXT NOT NULL UNIQUE,
    created_at  REAL NOT NULL,
    pool        TEXT NOT NULL DEFAULT 'free' CHECK (pool IN ('free', 'paid', 'grant')),
    scope       INTEGER NOT NULL DEFAULT 0
);
INSERT INTO ledger_new (id, user_id, delta, kind, reason, idem_key, created_at, pool, scope)
    SELECT id, user_id, delta, kind, reason, idem_key, created_at, pool, scope FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_new RENAME TO ledger;
CREATE INDEX ledger_user ON ledger(user_id, id);
CREATE INDEX ledger_account ON ledger(user_id, scope, id);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;
