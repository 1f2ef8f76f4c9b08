-- Credits per server: a row's scope is the server whose credits it moves, or 0.
ALTER TABLE ledger ADD COLUMN scope BIGINT NOT NULL DEFAULT 0;
CREATE INDEX ledger_account ON ledger(user_id, scope, id);
