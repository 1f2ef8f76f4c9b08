-- People diversity: a server may opt in (NULL: the default, off).
ALTER TABLE moderation_settings ADD COLUMN diversify_people BIGINT;
