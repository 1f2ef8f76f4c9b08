-- Why the content filter withheld a finished job's images (NULL: it did not).
ALTER TABLE jobs ADD COLUMN withheld TEXT;
