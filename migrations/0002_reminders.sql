-- Reminders are rows before they are messages: a job decides, stores the
-- rendered message under a unique key, then delivers and marks it sent. The
-- key (job, recipient, the recipient's local date) makes a reminder go out
-- at most once a day, whatever restarts, retries or `run-job` runs happen.
CREATE TABLE reminders (
    id              INTEGER PRIMARY KEY,
    team_id         TEXT NOT NULL,
    job             TEXT NOT NULL CHECK (job IN ('meeting-check', 'coaching-pace', 'digest')),
    -- The manager (for DMs) or the channel (for the digest).
    recipient       TEXT NOT NULL,
    local_date      TEXT NOT NULL,
    -- 'pending' until sent; 'skipped' when the job found nothing to say (so
    -- it is not asked again that day); 'failed' when Slack refused it for
    -- good; 'expired' when its day ended before Slack took it.
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'skipped', 'failed', 'expired')),
    -- chat.postMessage arguments (channel, text, blocks) as JSON; NULL when skipped.
    message         TEXT,
    summary         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    -- The end of the recipient's local day, UTC: undelivered by then, it expires.
    expires_at      TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (team_id, job, recipient, local_date)
);
CREATE INDEX reminders_pending ON reminders (status, next_attempt_at) WHERE status = 'pending';
