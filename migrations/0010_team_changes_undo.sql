-- Team changes that keep the past and that `undo` can take back, and join
-- days moved by a logged line that taking the line back moves again.
--
-- A manager's changes are one sequence: each `team add` or `team remove`
-- command that changed something gets a row in log_lines, like a logged
-- line, so that `/coach undo` takes back whichever came last. Such a row has
-- no entries; what it changed hangs on it in team_changes.

-- Memberships get IDs that are never used twice: a stint erased by `team
-- remove` comes back under its own ID when the remove is taken back, and
-- the records of later changes name stints by ID. Nothing refers to this
-- table, so it can be rebuilt inside the migration's transaction.
CREATE TABLE memberships_kept (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id    TEXT NOT NULL,
    manager_id TEXT NOT NULL,
    rep_id     TEXT NOT NULL,
    joined_on  TEXT NOT NULL,
    left_on    TEXT,
    FOREIGN KEY (team_id, manager_id) REFERENCES managers (team_id, user_id),
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
INSERT INTO memberships_kept (id, team_id, manager_id, rep_id, joined_on, left_on)
    SELECT id, team_id, manager_id, rep_id, joined_on, left_on FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_kept RENAME TO memberships;
CREATE UNIQUE INDEX memberships_one_current_team_per_rep
    ON memberships (team_id, rep_id) WHERE left_on IS NULL;
CREATE INDEX memberships_by_manager ON memberships (team_id, manager_id);
CREATE INDEX memberships_by_rep ON memberships (team_id, rep_id);

-- One row per stint a team command changed: the stint before and after it.
-- joined_before is NULL when the command created the stint, joined_after
-- when it erased it (a rep removed the day they joined, with nothing
-- logged). Undo puts the "before" back.
CREATE TABLE team_changes (
    line_id       INTEGER NOT NULL REFERENCES log_lines (id),
    membership_id INTEGER NOT NULL,
    team_id       TEXT NOT NULL,
    rep_id        TEXT NOT NULL,
    joined_before TEXT,
    left_before   TEXT,
    joined_after  TEXT,
    left_after    TEXT,
    CHECK (joined_before IS NOT NULL OR joined_after IS NOT NULL)
);
CREATE INDEX team_changes_by_line ON team_changes (line_id);
CREATE INDEX team_changes_by_membership ON team_changes (membership_id, line_id);

-- A join day a logged line (or an edit of one of its entries) moved back
-- to one of its sessions, and the day it was before. Taking such an entry
-- back (undo, Delete, an Edit to a later day) moves the join day to the
-- earliest session left before that day, or to that day; not when a later
-- `team add … since` set it.
CREATE TABLE join_moves (
    line_id       INTEGER NOT NULL REFERENCES log_lines (id),
    membership_id INTEGER NOT NULL,
    moved_from    TEXT NOT NULL
);
CREATE INDEX join_moves_by_line ON join_moves (line_id);
