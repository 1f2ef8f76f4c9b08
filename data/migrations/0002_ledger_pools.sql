-- Two pools of credits: free ones (monthly grants, they expire) and paid ones (purchases,
-- admin grants, they keep). Before this version every row was a free grant or its spend.
ALTER TABLE ledger ADD COLUMN pool TEXT NOT NULL DEFAULT 'free' CHECK (pool IN ('free', 'paid'));
