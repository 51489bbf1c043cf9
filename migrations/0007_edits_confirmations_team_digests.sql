-- Entries can be fixed after the fact, reps can confirm their 1:1s, and each
-- team can have its own digest channel.

-- An entry's revision counts its edits. A rep's confirmation is asked again
-- after an edit, and the revision tells an answer to an old question from
-- one to the current entry.
ALTER TABLE logs ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE logs ADD COLUMN edited_at TEXT;

-- Each rep's word on a 1:1 they were in: 'none' when nobody asked (the
-- setting is off), 'asked', 'helped', 'disputed' (it stops counting toward
-- the rep's pace), or 'kept' (the manager kept a disputed session; it counts
-- again). `notify` is a message still to be sent about the row ('ask' the
-- rep, or tell the manager of a 'dispute'): the scheduler turns it into a
-- reminder row and clears it in one transaction, so each goes out once.
ALTER TABLE log_reps ADD COLUMN confirmation TEXT NOT NULL DEFAULT 'none'
    CHECK (confirmation IN ('none', 'asked', 'helped', 'disputed', 'kept'));
ALTER TABLE log_reps ADD COLUMN notify TEXT CHECK (notify IN ('ask', 'dispute'));
CREATE INDEX log_reps_to_notify ON log_reps (notify) WHERE notify IS NOT NULL;
-- A rep's month stays one range of a covering index, now that disputed rows
-- are left out of it.
DROP INDEX log_reps_by_rep_and_day;
CREATE INDEX log_reps_by_rep_and_day
    ON log_reps (team_id, rep_id, held_on, minutes, activity, confirmation);

-- The channel a manager's team digest goes to; NULL for none.
ALTER TABLE managers ADD COLUMN digest_channel TEXT;

-- Reminders take new kinds (team digests, confirmation questions, dispute
-- notices) and a subject: what the message is about beyond its recipient
-- and day (the manager of a team digest, so two teams sharing a channel
-- each get theirs; the session a question is about). SQLite changes a CHECK
-- only by rebuilding the table.
CREATE TABLE reminders_new (
    id              INTEGER PRIMARY KEY,
    team_id         TEXT NOT NULL,
    job             TEXT NOT NULL CHECK (job IN ('meeting-check', 'coaching-pace', 'digest',
                                                 'team-digest', 'confirm-ask', 'dispute-notice')),
    -- The user (for DMs) or the channel the message goes to.
    recipient       TEXT NOT NULL,
    local_date      TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'skipped', 'failed', 'expired')),
    message         TEXT,
    summary         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    expires_at      TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (team_id, job, recipient, local_date, subject)
);
INSERT INTO reminders_new (id, team_id, job, recipient, local_date, status, message, summary,
                           attempts, next_attempt_at, expires_at, last_error, created_at, sent_at)
    SELECT id, team_id, job, recipient, local_date, status, message, summary,
           attempts, next_attempt_at, expires_at, last_error, created_at, sent_at
    FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_new RENAME TO reminders;
CREATE INDEX reminders_pending ON reminders (status, next_attempt_at) WHERE status = 'pending';
