-- What coachbot last published to each Home tab.

-- A Home tab is drawn again after a change at most every few seconds, and
-- each publish hands Slack the hash of the view it replaces, so that an
-- older drawing never overwrites a newer one. Both live here rather than in
-- one process's memory, so that every process serving the workspace sees
-- the same tab. NULL until the tab is first published.
ALTER TABLE home_tabs ADD COLUMN hash TEXT;
ALTER TABLE home_tabs ADD COLUMN published_at TEXT;
