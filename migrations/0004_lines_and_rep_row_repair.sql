-- Every entry now belongs to the line (a /coach command or a form) that
-- stored it, so that `undo` takes a whole line back; and rep rows that
-- earlier versions hung on the wrong entry are put back where they belong.
--
-- A correction to 0001, which cannot change once applied: it says that one
-- deployment can serve several workspaces. A deployment serves one today,
-- with one bot token; every table carries team_id so that serving several
-- later needs no change to the records.

-- One row per stored line. AUTOINCREMENT keeps an ID from ever being used
-- twice, so an Undo button on an old message can never reach a newer line.
-- Undoing deletes the line's entries and keeps this row, with undone_at
-- set, so a second undo of the same line can say it is already done.
CREATE TABLE log_lines (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id    TEXT NOT NULL,
    manager_id TEXT NOT NULL,
    logged_at  TEXT NOT NULL,
    undone_at  TEXT,
    FOREIGN KEY (team_id, manager_id) REFERENCES managers (team_id, user_id)
);
CREATE INDEX log_lines_by_manager ON log_lines (team_id, manager_id, id);

ALTER TABLE logs ADD COLUMN line_id INTEGER REFERENCES log_lines (id);
-- Earlier versions stored one entry per command: each becomes its own line.
INSERT INTO log_lines (id, team_id, manager_id, logged_at)
    SELECT id, team_id, manager_id, logged_at FROM logs;
UPDATE logs SET line_id = id;
CREATE INDEX logs_by_line ON logs (line_id);

-- The repair. Versions before this one stored a session with several reps
-- in one statement that read last_insert_rowid() for every rep row, and that
-- value moves with each row the statement inserts: the first rep's row hung
-- on the right entry, the next ones on whatever entry had the ID of the
-- previous rep row. Each rep row carries copies of its own session's day,
-- minutes and kind, written from the session itself, and the rows of one
-- statement have consecutive row IDs: together they say where a row belongs.

-- Rep rows that could not be put back on their own entry (it was undone, or
-- the rows around them are gone). They no longer count anywhere; `coachbot
-- check` lists them until someone decides.
CREATE TABLE log_reps_undecided (
    id         INTEGER PRIMARY KEY,
    team_id    TEXT NOT NULL,
    rep_id     TEXT NOT NULL,
    held_on    TEXT NOT NULL,
    minutes    INTEGER NOT NULL,
    activity   TEXT NOT NULL,
    -- The entry the row hung on, which was not its own.
    was_log_id INTEGER NOT NULL,
    -- How many entries without this rep match its copies.
    candidates INTEGER NOT NULL
);

-- A row is misplaced when:
-- * its copies differ from its entry;
-- * it hangs on an older entry than an earlier row of its run (the rows
--   just before it with the same copies): a statement wrote its rows with
--   consecutive row IDs right after creating its entry, the newest one, so
--   a well-placed row never follows a newer entry's row in its run;
-- * or it bears the bug's own mark, hanging on the entry numbered like the
--   row just before it, when that row is gone or bears the same mark with
--   the same copies: the first row of its statement went with an undone
--   session, and the rest of the statement kept the credit.
CREATE TEMP TABLE repair_misplaced AS
    WITH RECURSIVE orphaned (row_id) AS (
        SELECT r.rowid FROM log_reps r
        WHERE r.log_id = r.rowid - 1
          AND NOT EXISTS (SELECT 1 FROM log_reps p WHERE p.rowid = r.rowid - 1)
        UNION
        SELECT r.rowid FROM orphaned o
        JOIN log_reps p ON p.rowid = o.row_id
        JOIN log_reps r ON r.rowid = o.row_id + 1
        WHERE r.log_id = r.rowid - 1
          AND r.team_id = p.team_id AND r.held_on = p.held_on
          AND r.minutes = p.minutes AND r.activity = p.activity
    )
    SELECT r.rowid AS row_id, r.log_id, r.rep_id, r.team_id, r.held_on, r.minutes, r.activity
    FROM log_reps r LEFT JOIN logs l ON l.id = r.log_id
    WHERE l.id IS NULL OR l.kind <> 'session' OR l.team_id <> r.team_id
       OR l.held_on <> r.held_on OR l.minutes <> r.minutes OR l.activity <> r.activity
       OR EXISTS (
           SELECT 1 FROM log_reps p
           WHERE p.rowid < r.rowid AND p.log_id > r.log_id
             AND p.rowid > (SELECT COALESCE(MAX(x.rowid), 0) FROM log_reps x
                            WHERE x.rowid < r.rowid
                              AND NOT (x.team_id = r.team_id AND x.held_on = r.held_on
                                       AND x.minutes = r.minutes AND x.activity = r.activity)))
       OR r.rowid IN (SELECT row_id FROM orphaned);

-- The entry a misplaced row belongs to is its statement's: the entry of the
-- first row of its run, found by walking back over consecutive row IDs
-- with the same copies. A gap means a row of the run was deleted with its
-- entry by an undo; if that was the first row, its session was undone and
-- the row belongs nowhere, so any gap leaves the row undecided.
CREATE TEMP TABLE repair_run AS
    SELECT m.row_id, a.log_id AS run_log_id
    FROM repair_misplaced m
    JOIN log_reps a ON a.rowid = (
        SELECT MAX(x.rowid) FROM log_reps x
        WHERE x.rowid < m.row_id
          AND NOT (x.rowid IN (SELECT row_id FROM repair_misplaced)
                   AND x.team_id = m.team_id AND x.held_on = m.held_on
                   AND x.minutes = m.minutes AND x.activity = m.activity))
    WHERE a.rowid NOT IN (SELECT row_id FROM repair_misplaced)
      AND a.team_id = m.team_id AND a.held_on = m.held_on
      AND a.minutes = m.minutes AND a.activity = m.activity
      AND (SELECT COUNT(*) FROM log_reps y WHERE y.rowid > a.rowid AND y.rowid < m.row_id)
          = m.row_id - a.rowid - 1;

-- Sessions a misplaced row's copies match that hold its rep on no row of
-- their own (misplaced rows are about to move).
-- The run's entry must be one of them; their number is kept for the rows
-- that stay undecided.
CREATE TEMP TABLE repair_candidates AS
    SELECT m.row_id, l.id AS log_id
    FROM repair_misplaced m
    JOIN logs l ON l.kind = 'session' AND l.team_id = m.team_id AND l.held_on = m.held_on
               AND l.minutes = m.minutes AND l.activity = m.activity
    WHERE NOT EXISTS (SELECT 1 FROM log_reps x
                      WHERE x.log_id = l.id AND x.rep_id = m.rep_id
                        AND x.rowid NOT IN (SELECT row_id FROM repair_misplaced));

CREATE TEMP TABLE repair_choice AS
    SELECT m.row_id, m.rep_id,
           (SELECT c.log_id FROM repair_candidates c JOIN repair_run r
                ON r.row_id = c.row_id AND r.run_log_id = c.log_id
            WHERE c.row_id = m.row_id) AS log_id,
           (SELECT COUNT(*) FROM repair_candidates c WHERE c.row_id = m.row_id) AS candidates
    FROM repair_misplaced m;

-- Two rows of one rep choosing the same entry cannot both be right.
UPDATE repair_choice SET log_id = NULL
WHERE log_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM repair_choice o
    WHERE o.row_id <> repair_choice.row_id AND o.rep_id = repair_choice.rep_id
      AND o.log_id = repair_choice.log_id);

-- Every misplaced row leaves; those with a home come back under their own
-- row IDs (which keep the order reps were named in), the rest are set aside.
CREATE TEMP TABLE repair_placed AS
    SELECT m.row_id, c.log_id, m.rep_id, m.team_id, m.held_on, m.minutes, m.activity
    FROM repair_misplaced m JOIN repair_choice c ON c.row_id = m.row_id
    WHERE c.log_id IS NOT NULL;

INSERT INTO log_reps_undecided (team_id, rep_id, held_on, minutes, activity, was_log_id, candidates)
    SELECT m.team_id, m.rep_id, m.held_on, m.minutes, m.activity, m.log_id, c.candidates
    FROM repair_misplaced m JOIN repair_choice c ON c.row_id = m.row_id
    WHERE c.log_id IS NULL
    ORDER BY m.row_id;

DELETE FROM log_reps WHERE rowid IN (SELECT row_id FROM repair_misplaced);
INSERT INTO log_reps (rowid, log_id, rep_id, team_id, held_on, minutes, activity)
    SELECT row_id, log_id, rep_id, team_id, held_on, minutes, activity FROM repair_placed;

DROP TABLE repair_placed;
DROP TABLE repair_choice;
DROP TABLE repair_run;
DROP TABLE repair_candidates;
DROP TABLE repair_misplaced;
