-- Two pools of credits: free ones (monthly grants, they expire) and paid ones.
ALTER TABLE ledger ADD COLUMN pool TEXT NOT NULL DEFAULT 'free' CHECK (pool IN ('free', 'paid'));
