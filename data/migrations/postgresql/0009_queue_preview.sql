-- Progress previews: the latest rough JPEG of a running job.
ALTER TABLE queue ADD COLUMN preview BYTEA;
