-- A rep's stint on a team now covers every 1:1 logged with them there:
-- a session dated before the join day moves it back (when the rep was on no
-- other team in between), and a rep removed on a day they were coached
-- leaves at the end of that day. Earlier versions allowed both gaps; this
-- closes them in existing records where it can, and `coachbot check` names
-- any session still outside its rep's stint.

-- Join days back to the earliest session before them, but never before the
-- end of the rep's previous stint.
UPDATE memberships SET joined_on = (
    SELECT MIN(l.held_on) FROM logs l JOIN log_reps r ON r.log_id = l.id
    WHERE l.team_id = memberships.team_id AND l.manager_id = memberships.manager_id
      AND r.rep_id = memberships.rep_id AND l.held_on < memberships.joined_on
      AND l.held_on >= COALESCE(
          (SELECT MAX(o.left_on) FROM memberships o
           WHERE o.team_id = memberships.team_id AND o.rep_id = memberships.rep_id
             AND o.id <> memberships.id AND o.left_on <= memberships.joined_on),
          '0000-01-01'))
WHERE EXISTS (
    SELECT 1 FROM logs l JOIN log_reps r ON r.log_id = l.id
    WHERE l.team_id = memberships.team_id AND l.manager_id = memberships.manager_id
      AND r.rep_id = memberships.rep_id AND l.held_on < memberships.joined_on
      AND l.held_on >= COALESCE(
          (SELECT MAX(o.left_on) FROM memberships o
           WHERE o.team_id = memberships.team_id AND o.rep_id = memberships.rep_id
             AND o.id <> memberships.id AND o.left_on <= memberships.joined_on),
          '0000-01-01'));

-- Leave days after the last session of the stint, unless the rep's next
-- stint starts before then.
UPDATE memberships SET left_on = (
    SELECT date(MAX(l.held_on), '+1 day') FROM logs l JOIN log_reps r ON r.log_id = l.id
    WHERE l.team_id = memberships.team_id AND l.manager_id = memberships.manager_id
      AND r.rep_id = memberships.rep_id AND l.held_on >= memberships.joined_on)
WHERE left_on IS NOT NULL
  AND left_on < (
      SELECT date(MAX(l.held_on), '+1 day') FROM logs l JOIN log_reps r ON r.log_id = l.id
      WHERE l.team_id = memberships.team_id AND l.manager_id = memberships.manager_id
        AND r.rep_id = memberships.rep_id AND l.held_on >= memberships.joined_on)
  AND NOT EXISTS (
      SELECT 1 FROM memberships o
      WHERE o.team_id = memberships.team_id AND o.rep_id = memberships.rep_id
        AND o.id <> memberships.id AND o.joined_on >= memberships.left_on
        AND o.joined_on < (
            SELECT date(MAX(l.held_on), '+1 day') FROM logs l JOIN log_reps r ON r.log_id = l.id
            WHERE l.team_id = memberships.team_id AND l.manager_id = memberships.manager_id
              AND r.rep_id = memberships.rep_id AND l.held_on >= memberships.joined_on));
