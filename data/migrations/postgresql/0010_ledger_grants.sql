-- Granted credits: the 'grant' pool. PostgreSQL widens the CHECK in place (SQLite rebuilds
-- the table); rows, keys and the append-only triggers stay as they are.
ALTER TABLE ledger DROP CONSTRAINT ledger_pool_check;
ALTER TABLE ledger ADD CONSTRAINT ledger_pool_check CHECK (pool IN ('free', 'paid', 'grant'));
