-- Totalling a rep's month is on the path of every /coach log, so each of its
-- reads touches only the rows it needs.

-- A session's day, minutes and kind are copied onto each of its rep rows
-- (logs never change; undo deletes them whole), so that a rep's month is
-- one range of this covering index, with no lookup into logs.
ALTER TABLE log_reps ADD COLUMN team_id TEXT NOT NULL DEFAULT '';
ALTER TABLE log_reps ADD COLUMN held_on TEXT NOT NULL DEFAULT '';
ALTER TABLE log_reps ADD COLUMN minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE log_reps ADD COLUMN activity TEXT NOT NULL DEFAULT 'other';
UPDATE log_reps SET (team_id, held_on, minutes, activity) =
    (SELECT team_id, held_on, minutes, COALESCE(activity, 'other') FROM logs WHERE logs.id = log_reps.log_id);
DROP INDEX log_reps_by_rep;
CREATE INDEX log_reps_by_rep_and_day ON log_reps (team_id, rep_id, held_on, minutes, activity);

-- A rep's memberships, past and present.
CREATE INDEX memberships_by_rep ON memberships (team_id, rep_id);

-- A manager's meetings in a date range, without visiting their sessions.
CREATE INDEX logs_meetings_by_manager_and_day
    ON logs (team_id, manager_id, held_on, minutes) WHERE kind = 'meeting';
