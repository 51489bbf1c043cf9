-- Events Slack delivered, by their ID. Slack delivers an event again when it
-- did not hear back in time, and a Socket Mode envelope can come twice: each
-- is handled once. Rows older than a day are pruned as new ones come.
CREATE TABLE seen_events (
    event_id TEXT PRIMARY KEY,
    seen_at  TEXT NOT NULL
);
CREATE INDEX seen_events_by_age ON seen_events (seen_at);

-- The message a button sat on when it opened a form (a "Log coaching" button
-- on a reminder), kept by the form's view until the form is submitted or
-- closed, so that the message can then say what was done. Rows older than a
-- day are pruned as new ones come.
CREATE TABLE form_origins (
    view_id    TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    message_ts TEXT NOT NULL,
    -- The message's blocks as Slack showed them (JSON), and the button's action ID.
    blocks     TEXT NOT NULL,
    action_id  TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX form_origins_by_age ON form_origins (created_at);
