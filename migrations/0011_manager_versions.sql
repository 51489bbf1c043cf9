-- A count of the changes made to each manager's row.

-- Every command reads the manager from a copy kept in memory. A reader that
-- fetched the row just before a change committed would otherwise put the
-- older row back in that copy; with this count beside the row, the copy
-- keeps whichever of the two has seen more changes. Existing rows start at 0.
ALTER TABLE managers ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
