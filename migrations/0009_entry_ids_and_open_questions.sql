-- Entry IDs that are never used twice, and questions to reps that stay
-- open across an edit.

-- Entry IDs are never used twice. `logs.id` is a plain INTEGER PRIMARY KEY,
-- which SQLite numbers one past the highest ID still in the table: after
-- "log, undo, log" the new entry took the undone one's ID, and every button
-- and reminder key that named the old entry (Edit, Delete, a rep's
-- question and its answers, Keep) reached the new one instead.
--
-- SQLite gives a table AUTOINCREMENT only when it is created, and `logs`
-- cannot be created again here: sqlx runs each migration in a transaction,
-- where foreign keys cannot be switched off, so dropping the old table
-- would delete every rep row with it. A counter that only grows hands out
-- the IDs instead. (Lines have had AUTOINCREMENT since 0004, so an Undo
-- button's line ID was never reused.)

-- The highest entry ID ever handed out, in its one row.
CREATE TABLE entry_ids (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_handed_out INTEGER NOT NULL
);

-- Seeded with the highest entry ID anything can still name: the entries
-- there are, those a question to a rep or a dispute notice was stored about
-- (the reminder's subject starts with the entry ID, and its buttons carry
-- it), and those a rep row set aside by 0004 hung on.
INSERT INTO entry_ids (id, last_handed_out)
    SELECT 1, MAX(
        (SELECT COALESCE(MAX(id), 0) FROM logs),
        (SELECT COALESCE(MAX(CAST(substr(subject, 1, instr(subject, '.') - 1) AS INTEGER)), 0)
         FROM reminders WHERE job IN ('confirm-ask', 'dispute-notice')),
        (SELECT COALESCE(MAX(was_log_id), 0) FROM log_reps_undecided));

-- coachbot stores each entry under the next ID; any entry stored under a
-- higher one, however it was written, raises the counter to it.
CREATE TRIGGER entry_ids_follow_logs AFTER INSERT ON logs
    WHEN NEW.id > (SELECT last_handed_out FROM entry_ids)
BEGIN
    UPDATE entry_ids SET last_handed_out = NEW.id;
END;

-- A rep's open question: the revision of its session the rep was asked
-- about and has not answered yet; NULL when none is open. A rep's word
-- alone could not say it: a session the rep disputed and the manager then
-- edited stays disputed (out of the count) while the rep is asked about
-- the new version, and only their answer to that question, or the
-- manager's Keep or Delete, settles it.
ALTER TABLE log_reps ADD COLUMN asked_revision INTEGER;
UPDATE log_reps SET asked_revision = (SELECT revision FROM logs WHERE logs.id = log_reps.log_id)
WHERE confirmation = 'asked';
