-- A rep's stint on a team now covers every 1:1 logged with them there:
-- a session dated before the join day moves it back (when the rep was on no
-- other team in between), and a rep removed on a day they were coached
-- leaves at the end of that day. Earlier versions allowed both gaps; this
-- closes them in existing records where it can, and `coachbot check` names
-- any session still outside its rep's stint.

-- Each stint's earliest session before its join day that comes after the
-- end of the rep's previous stint, and the day after its last session.
CREATE TEMP TABLE stint_sessions AS
    SELECT m.id,
           (SELECT MIN(l.held_on) FROM logs l JOIN log_reps r ON r.log_id = l.id
            WHERE l.team_id = m.team_id AND l.manager_id = m.manager_id
              AND r.rep_id = m.rep_id AND l.held_on < m.joined_on
              AND l.held_on >= COALESCE(
                  (SELECT MAX(o.left_on) FROM memberships o
                   WHERE o.team_id = m.team_id AND o.rep_id = m.rep_id
                     AND o.id <> m.id AND o.left_on <= m.joined_on),
                  '0000-01-01')) AS earlier_join,
           (SELECT date(MAX(l.held_on), '+1 day') FROM logs l JOIN log_reps r ON r.log_id = l.id
            WHERE l.team_id = m.team_id AND l.manager_id = m.manager_id
              AND r.rep_id = m.rep_id AND l.held_on >= m.joined_on) AS leave_after
    FROM memberships m;

UPDATE memberships SET joined_on = (
    SELECT earlier_join FROM stint_sessions s WHERE s.id = memberships.id)
WHERE id IN (SELECT id FROM stint_sessions WHERE earlier_join IS NOT NULL);

-- Leave days after the last session, unless the rep's next stint starts
-- before then.
UPDATE memberships SET left_on = (
    SELECT leave_after FROM stint_sessions s WHERE s.id = memberships.id)
WHERE id IN (
    SELECT s.id FROM stint_sessions s JOIN memberships m ON m.id = s.id
    WHERE m.left_on IS NOT NULL AND m.left_on < s.leave_after
      AND NOT EXISTS (
          SELECT 1 FROM memberships o
          WHERE o.team_id = m.team_id AND o.rep_id = m.rep_id AND o.id <> m.id
            AND o.joined_on >= m.left_on AND o.joined_on < s.leave_after));

DROP TABLE stint_sessions;
