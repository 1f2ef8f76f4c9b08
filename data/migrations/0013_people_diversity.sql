-- People diversity (a DALL·E 2 safety measure): a server may opt in to a random gender and
-- ethnicity per image for prompts that describe a person without saying them.
ALTER TABLE moderation_settings ADD COLUMN diversify_people INTEGER;  -- NULL: the default (off)
