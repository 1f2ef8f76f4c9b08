-- Credits per server (CREDITS_PER_SERVER): a row's scope is the server whose credits it
-- moves, or 0 for the person's own (every row before this version, and bought packs).
ALTER TABLE ledger ADD COLUMN scope INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ledger_account ON ledger(user_id, scope, id);
