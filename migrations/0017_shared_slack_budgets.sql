-- Slack's limits per workspace, kept where every process reads them
-- (several replicas on PostgreSQL, and `run-job` beside `serve`), instead
-- of in one process's memory.

-- A workspace's `views.publish` budget: the instants of its latest
-- publishes (a JSON array of RFC 3339 texts, oldest first), and until when
-- Slack asked it to wait.
CREATE TABLE publish_budgets (
    team_id    TEXT PRIMARY KEY,
    slots      TEXT NOT NULL,
    held_until TEXT
) WITHOUT ROWID;

-- Who delivers a workspace's reminders, until when: one process at a time,
-- so the pace it learns from Slack's answers is the workspace's; and until
-- when a 429 holds every post, whoever got it.
CREATE TABLE delivery_turns (
    team_id    TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    until      TEXT NOT NULL,
    held_until TEXT
) WITHOUT ROWID;
