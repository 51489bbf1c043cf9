-- Who has opened the Home tab, and an index for the duplicate check.

-- Who has opened coachbot's Home tab. A change a manager makes draws their
-- tab again only if they have one: for everyone else, drawing it would cost
-- a views.publish (and the reads behind it) on every logged line for a tab
-- nobody looks at; theirs is drawn when they first open it.
CREATE TABLE home_tabs (
    team_id   TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

-- What a new entry could repeat (the same manager, day and length) is
-- found in this index alone, however many entries that day holds.
DROP INDEX logs_by_manager_and_day;
CREATE INDEX logs_by_manager_day_and_minutes ON logs (team_id, manager_id, held_on, minutes);
