-- Why the content filter withheld a finished job's images (NULL: it did not). A typed
-- column beside the ``error`` sentence, so an adapter (the Images API's content-policy
-- answer) never has to take that sentence apart, even for an outcome read back later.
ALTER TABLE jobs ADD COLUMN withheld TEXT;
