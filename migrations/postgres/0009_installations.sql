-- Workspaces that installed coachbot from its "Add to Slack" link, and the
-- one-time states that keep those links from being forged.

-- One row per workspace (`team_id`, as everywhere): what Slack's
-- `oauth.v2.access` answered. A re-install replaces the row. `bot_token`
-- is never the token itself: it is sealed (ChaCha20-Poly1305 under
-- COACHBOT_TOKEN_KEY, the workspace ID as associated data; base64 of the
-- nonce and the ciphertext), so a dump of this database opens no
-- workspace. `enterprise_id` is the Enterprise Grid organisation, when
-- there is one; `scopes` as Slack lists them, comma-separated;
-- `installer_id` who installed it, when known (a token an admin set
-- rather than an install from the link has none).
CREATE TABLE installations (
    team_id       TEXT PRIMARY KEY,
    enterprise_id TEXT,
    bot_token     TEXT NOT NULL,
    bot_user_id   TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    installer_id  TEXT,
    installed_at  TIMESTAMPTZ NOT NULL
);

-- The `state` of each install link handed out, by its SHA-256 (the value
-- itself is only ever in the link): taken once, before it expires, by
-- whichever replica the browser comes back to. Expired ones are deleted
-- as new ones are issued.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
