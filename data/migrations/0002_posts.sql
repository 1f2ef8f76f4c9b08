-- Which Discord message shows which job: reply-to-edit and buttons find their images here.
CREATE TABLE posts (
    message_id  INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL,
    job_id      TEXT NOT NULL REFERENCES jobs(id),
    image_id    TEXT REFERENCES images(id),   -- set when the message shows one image
    created_at  REAL NOT NULL
);
CREATE INDEX posts_job ON posts(job_id);
