-- Delivery, exactly once (issue 17).

-- A claim holds a pending reminder for one attempt: `claim_token` is handed
-- to the worker that took it, and `lease_until` (the call timeout plus a
-- margin, counted from the claim, renewed before each retry) keeps every
-- other worker off it. Marking the outcome checks the token, so a worker
-- whose lease ran out cannot overwrite another's.
ALTER TABLE reminders ADD COLUMN claim_token TEXT;
ALTER TABLE reminders ADD COLUMN lease_until TEXT;
-- Set when a post that Slack may have taken was started, and kept while
-- its outcome is unknown (a timeout, or a process that died mid-post):
-- such a reminder is looked up in its conversation's history from this
-- instant before it is ever posted again. NULL when no post is in doubt.
ALTER TABLE reminders ADD COLUMN in_doubt_since TEXT;
-- Where Slack put the post and its timestamp, from its answer (or from the
-- history lookup); the channel is a DM's D… ID for a reminder to a user.
ALTER TABLE reminders ADD COLUMN channel TEXT;
ALTER TABLE reminders ADD COLUMN ts TEXT;
