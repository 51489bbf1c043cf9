-- What coachbot keeps only for its own bookkeeping is pruned once it is
-- older than `retention.bookkeeping_days`, a few hundred rows a
-- transaction so the writer is never held for long. Each kind is found by
-- its age in an index of its own, so a pass that finds little reads
-- little; without them, every batch would read the whole table.

-- Reminders, questions and notices by the recipient's local date (the
-- unique key starts with the workspace, so it cannot answer "before this
-- day").
CREATE INDEX reminders_by_local_date ON reminders (local_date);

-- Who opened a Home tab, by when.
CREATE INDEX home_tabs_by_opened_at ON home_tabs (opened_at);

-- Lines taken back, by when; the lines that stand are never pruned, so
-- they stay out of the index.
CREATE INDEX log_lines_taken_back ON log_lines (undone_at) WHERE undone_at IS NOT NULL;
