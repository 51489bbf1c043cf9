-- coachbot's records. Every table carries the Slack workspace (team_id) so one
-- deployment can serve several workspaces. Dates are the manager's local
-- calendar dates (YYYY-MM-DD); instants are UTC RFC 3339 text.

-- Anyone who has used /coach. Their time zone comes from Slack's users.info
-- the first time (slack_tz) unless they set one with `/coach tz` (tz_override).
CREATE TABLE managers (
    team_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    slack_tz      TEXT NOT NULL,
    tz_override   TEXT,
    -- The first local date reminders come back; NULL when not snoozed.
    snoozed_until TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

-- Who is on whose team, and when. Pace counts from joined_on; a rep who left
-- stops counting on left_on (exclusive). A rep is on one team at a time.
CREATE TABLE memberships (
    id         INTEGER PRIMARY KEY,
    team_id    TEXT NOT NULL,
    manager_id TEXT NOT NULL,
    rep_id     TEXT NOT NULL,
    joined_on  TEXT NOT NULL,
    left_on    TEXT,
    FOREIGN KEY (team_id, manager_id) REFERENCES managers (team_id, user_id),
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
CREATE UNIQUE INDEX memberships_one_current_team_per_rep
    ON memberships (team_id, rep_id) WHERE left_on IS NULL;
CREATE INDEX memberships_by_manager ON memberships (team_id, manager_id);

-- One row per /coach log: a 1:1 session (with one or more reps, each getting
-- the full minutes) or a team meeting (counting for everyone on the team).
CREATE TABLE logs (
    id         INTEGER PRIMARY KEY,
    team_id    TEXT NOT NULL,
    manager_id TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('session', 'meeting')),
    minutes    INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 480),
    -- Sessions: one of observation, pipeline, deal, skill, other.
    activity   TEXT,
    -- Meetings: comma-separated topic codes.
    topics     TEXT,
    note       TEXT NOT NULL DEFAULT '',
    held_on    TEXT NOT NULL,
    logged_at  TEXT NOT NULL,
    FOREIGN KEY (team_id, manager_id) REFERENCES managers (team_id, user_id),
    CHECK ((kind = 'session') = (activity IS NOT NULL))
);
CREATE INDEX logs_by_manager_and_day ON logs (team_id, manager_id, held_on);

-- The reps a session was with.
CREATE TABLE log_reps (
    log_id INTEGER NOT NULL REFERENCES logs (id) ON DELETE CASCADE,
    rep_id TEXT NOT NULL,
    PRIMARY KEY (log_id, rep_id)
);
CREATE INDEX log_reps_by_rep ON log_reps (rep_id, log_id);
