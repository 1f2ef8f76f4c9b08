-- Progress previews: the latest rough JPEG of a running job (PREVIEW_DECODER), replaced by
-- each heartbeat that brings one and dropped when the job finishes or is taken over.
ALTER TABLE queue ADD COLUMN preview BLOB;
