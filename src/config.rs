//! Settings, loaded in layers: the built-in `config/default.toml`, the file
//! given with `--config`, then `COACHBOT__SECTION__KEY` variables. Secrets
//! and addresses come from the environment only and never print.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::str::FromStr;

use chrono_tz::Tz;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::domain::{Job, SlackChannelId};
use crate::sealing::{KeyError, TokenKey, TokenKeys};

const DEFAULT_SETTINGS: &str = include_str!("../config/default.toml");
pub const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api/";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://coachbot.db";
pub const DEFAULT_LISTEN: &str = "0.0.0.0:3000";
pub const DEFAULT_METRICS_LISTEN: &str = "127.0.0.1:9090";

/// Everything in `config/default.toml`, checked and typed.
#[derive(Debug, Clone)]
pub struct Settings {
    pub coaching: CoachingSettings,
    pub meetings: MeetingSettings,
    pub jobs: JobSchedules,
    pub digest: DigestSettings,
    pub home: HomeSettings,
    pub delivery: DeliverySettings,
    pub retention: RetentionSettings,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoachingSettings {
    /// The article's "3 hours per rep per month", in minutes.
    pub target_minutes_per_rep_per_month: u32,
    /// The pace reminder names only reps at least this far behind today's
    /// pace, so a rep a few minutes short is no reason for a DM; `status`
    /// and reports keep the strict pace.
    pub nudge_when_behind_minutes: u32,
    /// Each rep in a logged 1:1 is asked to confirm it; a session a rep
    /// says did not happen stops counting until the manager keeps it.
    pub ask_reps_to_confirm: bool,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingSettings {
    pub due_after_days: u32,
    pub overdue_after_days: u32,
}

/// How often Home tabs are drawn again after a change. Slack takes about
/// a hundred `views.publish` a minute per workspace; a busy team can make
/// changes far faster than that.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeSettings {
    /// The Home tabs published per minute in one workspace, at most.
    pub publishes_per_minute: u32,
    /// A tab is drawn again after a change only if its user opened it
    /// within this many minutes (opening it draws it anyway).
    pub opened_within_minutes: u32,
    /// One user's tab is published at most once in this many seconds.
    pub seconds_between_publishes: u32,
}

/// How fast reminders go to Slack. Slack publishes no fixed figure for
/// `chat.postMessage` across a workspace ("several hundred a minute"), so
/// the rate is learned: it starts at `posts_per_second`, rises by one each
/// second without a 429 up to `max_posts_per_second`, and halves on a 429.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverySettings {
    pub posts_per_second: u32,
    pub max_posts_per_second: u32,
    /// How long a call to Slack may take; a post unanswered by then is in
    /// doubt, and is looked up in its conversation before it is ever
    /// posted again.
    pub call_timeout_seconds: u32,
}

/// How long what coachbot keeps only for its own bookkeeping stays: the
/// reminders it sent (by their local date), who opened a Home tab and what
/// was last published to it, and lines taken back. Coaching records are
/// never pruned.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    pub bookkeeping_days: u32,
}

/// When each job fires, in the local time of whoever it reaches.
#[derive(Debug, Clone)]
pub struct JobSchedules {
    pub meeting_check: cron::Schedule,
    pub coaching_pace: cron::Schedule,
    pub digest: cron::Schedule,
    pub team_digest: cron::Schedule,
}

impl JobSchedules {
    pub fn of(&self, job: Job) -> &cron::Schedule {
        match job {
            Job::MeetingCheck => &self.meeting_check,
            Job::CoachingPace => &self.coaching_pace,
            Job::Digest => &self.digest,
            Job::TeamDigest => &self.team_digest,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DigestSettings {
    /// `None` turns the digest off.
    pub channel: Option<SlackChannelId>,
    pub timezone: Tz,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The cause is in the message, not chained, so it is said once.
    #[error("could not read the settings: {0}. Every setting and its default is in config/default.toml; change one in the file given with --config or with a variable, for example COACHBOT__MEETINGS__DUE_AFTER_DAYS=10")]
    Load(config::ConfigError),
    /// Without the cron parser's reason: it spans lines and points at the
    /// value with a caret, and six fields, seconds first, is what it means.
    #[error("setting {key} = {value:?} is not a schedule; use cron's six fields, seconds first, for example \"0 0 9 * * Mon\" for Mondays at 09:00")]
    Schedule { key: &'static str, value: String },
    #[error("setting digest.timezone = {0:?} is not a time zone; use an IANA name, for example \"Europe/Berlin\"")]
    TimeZone(String),
    #[error("setting digest.channel = {0:?} is not a channel ID; copy it from the channel's details in Slack, for example \"C0123ABCDEF\", or leave it empty")]
    Channel(String),
    #[error("setting {0} must be greater than zero")]
    NotPositive(&'static str),
    #[error("setting meetings.overdue_after_days ({overdue}) must not be less than meetings.due_after_days ({due})")]
    OverdueBeforeDue { due: u32, overdue: u32 },
    #[error("setting delivery.max_posts_per_second ({max}) must not be less than delivery.posts_per_second ({start})")]
    MaxRateBelowStart { start: u32, max: u32 },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    coaching: CoachingSettings,
    meetings: MeetingSettings,
    jobs: RawJobs,
    digest: RawDigest,
    home: HomeSettings,
    delivery: DeliverySettings,
    retention: RetentionSettings,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJobs {
    meeting_check: String,
    coaching_pace: String,
    digest: String,
    team_digest: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDigest {
    channel: String,
    timezone: String,
}

impl Settings {
    /// Loads the layers; `environment` is passed in so tests need not touch
    /// the process environment.
    pub fn load(
        file: Option<&Path>,
        environment: &HashMap<String, String>,
    ) -> Result<Self, SettingsError> {
        let mut builder = config::Config::builder().add_source(config::File::from_str(
            DEFAULT_SETTINGS,
            config::FileFormat::Toml,
        ));
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).required(true));
        }
        let overrides: config::Map<String, String> = environment
            .iter()
            .filter(|(key, _)| key.starts_with("COACHBOT__"))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let raw: RawSettings = builder
            .add_source(
                config::Environment::with_prefix("COACHBOT")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .source(Some(overrides)),
            )
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(SettingsError::Load)?;
        raw.check()
    }
}

impl RawSettings {
    fn check(self) -> Result<Settings, SettingsError> {
        if self.coaching.target_minutes_per_rep_per_month == 0 {
            return Err(SettingsError::NotPositive(
                "coaching.target_minutes_per_rep_per_month",
            ));
        }
        if self.meetings.due_after_days == 0 {
            return Err(SettingsError::NotPositive("meetings.due_after_days"));
        }
        if self.home.publishes_per_minute == 0 {
            return Err(SettingsError::NotPositive("home.publishes_per_minute"));
        }
        if self.delivery.posts_per_second == 0 {
            return Err(SettingsError::NotPositive("delivery.posts_per_second"));
        }
        if self.delivery.call_timeout_seconds == 0 {
            return Err(SettingsError::NotPositive("delivery.call_timeout_seconds"));
        }
        if self.retention.bookkeeping_days == 0 {
            return Err(SettingsError::NotPositive("retention.bookkeeping_days"));
        }
        if self.delivery.max_posts_per_second < self.delivery.posts_per_second {
            return Err(SettingsError::MaxRateBelowStart {
                start: self.delivery.posts_per_second,
                max: self.delivery.max_posts_per_second,
            });
        }
        if self.meetings.overdue_after_days < self.meetings.due_after_days {
            return Err(SettingsError::OverdueBeforeDue {
                due: self.meetings.due_after_days,
                overdue: self.meetings.overdue_after_days,
            });
        }
        let channel = match self.digest.channel.trim() {
            "" => None,
            raw => Some(
                SlackChannelId::parse(raw).map_err(|_| SettingsError::Channel(raw.to_string()))?,
            ),
        };
        let timezone = Tz::from_str(self.digest.timezone.trim())
            .map_err(|_| SettingsError::TimeZone(self.digest.timezone.clone()))?;
        Ok(Settings {
            coaching: self.coaching,
            meetings: self.meetings,
            jobs: JobSchedules {
                meeting_check: schedule("jobs.meeting_check", &self.jobs.meeting_check)?,
                coaching_pace: schedule("jobs.coaching_pace", &self.jobs.coaching_pace)?,
                digest: schedule("jobs.digest", &self.jobs.digest)?,
                team_digest: schedule("jobs.team_digest", &self.jobs.team_digest)?,
            },
            digest: DigestSettings { channel, timezone },
            home: self.home,
            delivery: self.delivery,
            retention: self.retention,
        })
    }
}

fn schedule(key: &'static str, value: &str) -> Result<cron::Schedule, SettingsError> {
    cron::Schedule::from_str(value).map_err(|_| SettingsError::Schedule {
        key,
        value: value.to_string(),
    })
}

/// What comes from the environment only: secrets and where things live.
#[derive(Debug, Clone)]
pub struct Environment {
    pub slack_bot_token: Option<SecretString>,
    pub slack_signing_secret: Option<SecretString>,
    /// Set: `serve` also takes Slack's traffic over Socket Mode, and the
    /// signing secret becomes optional.
    pub slack_app_token: Option<SecretString>,
    /// With the secret: workspaces install coachbot from its "Add to
    /// Slack" link (`/slack/install`).
    pub slack_client_id: Option<String>,
    pub slack_client_secret: Option<SecretString>,
    /// Seals the bot tokens installs store (32 random bytes, base64).
    pub token_key: Option<SecretString>,
    /// The key before a rotation: what it sealed is sealed again at start.
    pub token_key_previous: Option<SecretString>,
    pub slack_api_url: String,
    pub database_url: String,
    pub listen: SocketAddr,
    /// Where `GET /metrics` is served: never the public listener.
    pub metrics_listen: SocketAddr,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    #[error("{name} is not set. {how}")]
    Missing {
        name: &'static str,
        how: &'static str,
    },
    #[error("COACHBOT_LISTEN = {0:?} is not an address to listen on; use host:port, for example 0.0.0.0:3000")]
    Listen(String),
    #[error("COACHBOT_METRICS_LISTEN = {0:?} is not an address to listen on; use host:port, for example 127.0.0.1:9090")]
    MetricsListen(String),
    #[error("COACHBOT_LOG_FORMAT = {0:?} is not a log format; use text or json, for example COACHBOT_LOG_FORMAT=json")]
    LogFormat(String),
    /// Never carries the value: it is a secret even when it is wrong.
    #[error("SLACK_APP_TOKEN is not an app-level token (those start with xapp-). {APP_TOKEN_HOW}")]
    NotAnAppToken,
    /// Never carries the value either.
    #[error("SLACK_BOT_TOKEN is not a bot token (those start with xoxb-). {BOT_TOKEN_HOW}")]
    NotABotToken,
    #[error(transparent)]
    TokenKey(#[from] KeyError),
    #[error("SLACK_API_URL = {0:?} must start with http:// or https://, for example https://slack.com/api/")]
    ApiUrl(String),
}

const BOT_TOKEN_HOW: &str = "Copy the Bot User OAuth Token (xoxb-…) from your Slack app's \"OAuth & Permissions\" page, then: export SLACK_BOT_TOKEN=xoxb-…";
const SIGNING_SECRET_HOW: &str = "Copy the Signing Secret from your Slack app's \"Basic Information\" page, then: export SLACK_SIGNING_SECRET=… (or, to take Slack's traffic over Socket Mode instead of HTTP, set SLACK_APP_TOKEN)";
const APP_TOKEN_HOW: &str = "On your Slack app's \"Basic Information\" page, under \"App-Level Tokens\", generate one with the connections:write scope, then: export SLACK_APP_TOKEN=xapp-…";

const CLIENT_HOW: &str = "Copy the Client ID and the Client Secret from your Slack app's \"Basic Information\" page, then: export SLACK_CLIENT_ID=… SLACK_CLIENT_SECRET=… (or set neither, to run with SLACK_BOT_TOKEN alone)";
const TOKEN_KEY_HOW: &str = "With SLACK_CLIENT_ID set, coachbot stores each workspace's bot token encrypted with this key: make one with openssl rand -base64 32, then: export COACHBOT_TOKEN_KEY=… and keep it (stored tokens open only with it)";

/// What installing from the "Add to Slack" link needs.
#[derive(Debug, Clone)]
pub struct InstallSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Seal and open the installed workspaces' bot tokens.
    pub keys: TokenKeys,
}

/// How log lines are written (`COACHBOT_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// For a person: one line of text per event (the default).
    Text,
    /// For a log pipeline: one JSON object per line, with the spans (and
    /// so a request's workspace and user) it happened in.
    Json,
}

impl LogFormat {
    pub fn read(vars: &HashMap<String, String>) -> Result<Self, EnvironmentError> {
        match vars.get("COACHBOT_LOG_FORMAT").map(|v| v.trim()) {
            None | Some("") | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(EnvironmentError::LogFormat(other.to_string())),
        }
    }
}

impl Environment {
    pub fn read(vars: &HashMap<String, String>) -> Result<Self, EnvironmentError> {
        let secret = |name: &str| {
            vars.get(name)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(|v| SecretString::from(v.to_string()))
        };
        let plain = |name: &str, default: &str| {
            vars.get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        let listen_raw = plain("COACHBOT_LISTEN", DEFAULT_LISTEN);
        let listen = listen_raw
            .parse()
            .map_err(|_| EnvironmentError::Listen(listen_raw.clone()))?;
        let metrics_raw = plain("COACHBOT_METRICS_LISTEN", DEFAULT_METRICS_LISTEN);
        let metrics_listen = metrics_raw
            .parse()
            .map_err(|_| EnvironmentError::MetricsListen(metrics_raw.clone()))?;
        let slack_api_url = plain("SLACK_API_URL", DEFAULT_SLACK_API_URL);
        if !(slack_api_url.starts_with("http://") || slack_api_url.starts_with("https://")) {
            return Err(EnvironmentError::ApiUrl(slack_api_url));
        }
        Ok(Self {
            slack_bot_token: secret("SLACK_BOT_TOKEN"),
            slack_signing_secret: secret("SLACK_SIGNING_SECRET"),
            slack_app_token: secret("SLACK_APP_TOKEN"),
            slack_client_id: vars
                .get("SLACK_CLIENT_ID")
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            slack_client_secret: secret("SLACK_CLIENT_SECRET"),
            token_key: secret("COACHBOT_TOKEN_KEY"),
            token_key_previous: secret("COACHBOT_TOKEN_KEY_PREVIOUS"),
            slack_api_url,
            database_url: plain("DATABASE_URL", DEFAULT_DATABASE_URL),
            listen,
            metrics_listen,
        })
    }

    /// The bot token, checked for its `xoxb-` prefix: a user token or an
    /// app token pasted by mistake would otherwise only show as Slack
    /// refusing calls later.
    pub fn bot_token(&self) -> Result<SecretString, EnvironmentError> {
        match &self.slack_bot_token {
            None => Err(EnvironmentError::Missing {
                name: "SLACK_BOT_TOKEN",
                how: BOT_TOKEN_HOW,
            }),
            Some(token) if !token.expose_secret().starts_with("xoxb-") => {
                Err(EnvironmentError::NotABotToken)
            }
            Some(token) => Ok(token.clone()),
        }
    }

    /// The Socket Mode token, if set. Checked for its `xapp-` prefix here,
    /// because pasting the bot token by mistake would otherwise only show
    /// as Slack refusing every connection.
    pub fn app_token(&self) -> Result<Option<SecretString>, EnvironmentError> {
        match &self.slack_app_token {
            Some(token) if !token.expose_secret().starts_with("xapp-") => {
                Err(EnvironmentError::NotAnAppToken)
            }
            token => Ok(token.clone()),
        }
    }

    /// How workspaces install coachbot from its link: `None` without
    /// `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` (the install routes are
    /// then not served). With them, `COACHBOT_TOKEN_KEY` is required.
    pub fn installs(&self) -> Result<Option<InstallSettings>, EnvironmentError> {
        let (client_id, client_secret) = match (&self.slack_client_id, &self.slack_client_secret) {
            (None, None) => return Ok(None),
            (Some(id), Some(secret)) => (id.clone(), secret.clone()),
            (None, Some(_)) => {
                return Err(EnvironmentError::Missing {
                    name: "SLACK_CLIENT_ID",
                    how: CLIENT_HOW,
                })
            }
            (Some(_), None) => {
                return Err(EnvironmentError::Missing {
                    name: "SLACK_CLIENT_SECRET",
                    how: CLIENT_HOW,
                })
            }
        };
        let Some(current) = &self.token_key else {
            return Err(EnvironmentError::Missing {
                name: "COACHBOT_TOKEN_KEY",
                how: TOKEN_KEY_HOW,
            });
        };
        let current = TokenKey::parse("COACHBOT_TOKEN_KEY", current)?;
        let previous = self
            .token_key_previous
            .as_ref()
            .map(|previous| TokenKey::parse("COACHBOT_TOKEN_KEY_PREVIOUS", previous))
            .transpose()?;
        Ok(Some(InstallSettings {
            client_id,
            client_secret,
            keys: TokenKeys::new(current, previous),
        }))
    }

    pub fn signing_secret(&self) -> Result<SecretString, EnvironmentError> {
        self.slack_signing_secret
            .clone()
            .ok_or(EnvironmentError::Missing {
                name: "SLACK_SIGNING_SECRET",
                how: SIGNING_SECRET_HOW,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn installs_are_off_without_a_client_and_need_a_key_with_one() {
        let off = Environment::read(&env(&[("COACHBOT_TOKEN_KEY", "x")])).expect("reads");
        assert!(off.installs().expect("no client").is_none());
        let client = [
            ("SLACK_CLIENT_ID", "123.456"),
            ("SLACK_CLIENT_SECRET", "client-secret"),
        ];
        let text = Environment::read(&env(&client))
            .expect("reads")
            .installs()
            .expect_err("no key")
            .to_string();
        assert!(
            text.starts_with("COACHBOT_TOKEN_KEY is not set.")
                && text.contains("openssl rand -base64 32")
                && !text.contains('\n'),
            "{text}"
        );
        let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let with_key = [client[0], client[1], ("COACHBOT_TOKEN_KEY", key)];
        let installs = Environment::read(&env(&with_key))
            .expect("reads")
            .installs()
            .expect("a key")
            .expect("installs on");
        assert_eq!(installs.client_id, "123.456");
        assert!(!format!("{installs:?}").contains(key));
        let half = Environment::read(&env(&[client[0]])).expect("reads");
        assert!(half
            .installs()
            .expect_err("no secret")
            .to_string()
            .starts_with("SLACK_CLIENT_SECRET is not set."));
    }

    #[test]
    fn defaults_match_the_product_contract() {
        let settings = Settings::load(None, &env(&[])).expect("defaults load");
        assert_eq!(settings.coaching.target_minutes_per_rep_per_month, 180);
        assert_eq!(settings.meetings.due_after_days, 7);
        assert_eq!(settings.meetings.overdue_after_days, 14);
        assert_eq!(settings.jobs.meeting_check.source(), "0 0 9 * * Mon");
        assert_eq!(settings.jobs.coaching_pace.source(), "0 0 9 * * Wed");
        assert_eq!(settings.jobs.digest.source(), "0 0 16 * * Fri");
        assert!(settings.digest.channel.is_none());
        assert_eq!(settings.digest.timezone, Tz::UTC);
        assert_eq!(settings.home.publishes_per_minute, 50);
        assert_eq!(settings.home.opened_within_minutes, 10);
        assert_eq!(settings.home.seconds_between_publishes, 5);
        assert_eq!(settings.delivery.posts_per_second, 5);
        assert_eq!(settings.delivery.max_posts_per_second, 20);
        assert_eq!(settings.delivery.call_timeout_seconds, 10);
        assert_eq!(settings.retention.bookkeeping_days, 90);
    }

    #[test]
    fn keeping_bookkeeping_no_days_is_refused() {
        let err = Settings::load(
            None,
            &env(&[("COACHBOT__RETENTION__BOOKKEEPING_DAYS", "0")]),
        )
        .expect_err("zero days");
        assert_eq!(
            crate::causes::one_line(&err),
            "setting retention.bookkeeping_days must be greater than zero"
        );
    }

    #[test]
    fn a_delivery_ceiling_below_its_starting_rate_is_refused_naming_both() {
        let err = Settings::load(
            None,
            &env(&[("COACHBOT__DELIVERY__MAX_POSTS_PER_SECOND", "3")]),
        )
        .expect_err("ceiling below start");
        assert_eq!(
            crate::causes::one_line(&err),
            "setting delivery.max_posts_per_second (3) must not be less than delivery.posts_per_second (5)"
        );
    }

    #[test]
    fn no_home_tab_publishes_a_minute_is_refused() {
        let err = Settings::load(None, &env(&[("COACHBOT__HOME__PUBLISHES_PER_MINUTE", "0")]))
            .expect_err("zero publishes");
        assert_eq!(
            crate::causes::one_line(&err),
            "setting home.publishes_per_minute must be greater than zero"
        );
    }

    #[test]
    fn a_file_overrides_defaults_and_variables_override_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("prod.toml");
        std::fs::write(
            &file,
            "[meetings]\ndue_after_days = 5\noverdue_after_days = 12\n[digest]\nchannel = \"C0123ABCDEF\"\ntimezone = \"Europe/Berlin\"\n",
        )
        .expect("write");
        let settings = Settings::load(
            Some(&file),
            &env(&[
                ("COACHBOT__MEETINGS__DUE_AFTER_DAYS", "10"),
                ("COACHBOT__JOBS__DIGEST", "0 30 17 * * Thu"),
            ]),
        )
        .expect("loads");
        assert_eq!(settings.meetings.due_after_days, 10);
        assert_eq!(settings.meetings.overdue_after_days, 12);
        assert_eq!(settings.jobs.digest.source(), "0 30 17 * * Thu");
        assert_eq!(
            settings.digest.channel.as_ref().map(|c| c.as_str()),
            Some("C0123ABCDEF")
        );
        assert_eq!(settings.digest.timezone, chrono_tz::Europe::Berlin);
    }

    #[test]
    fn a_bad_schedule_is_one_sentence_naming_the_setting_the_value_and_an_example() {
        for value in ["9am", "nonsense", "0 9 * * Mon"] {
            let err = Settings::load(None, &env(&[("COACHBOT__JOBS__MEETING_CHECK", value)]))
                .expect_err("bad cron");
            let text = crate::causes::one_line(&err);
            assert_eq!(
                text,
                format!("setting jobs.meeting_check = {value:?} is not a schedule; use cron's six fields, seconds first, for example \"0 0 9 * * Mon\" for Mondays at 09:00")
            );
        }
    }

    #[test]
    fn overdue_before_due_is_refused() {
        let err = Settings::load(
            None,
            &env(&[("COACHBOT__MEETINGS__OVERDUE_AFTER_DAYS", "3")]),
        )
        .expect_err("overdue < due");
        assert!(matches!(err, SettingsError::OverdueBeforeDue { .. }));
    }

    #[test]
    fn a_missing_secret_names_the_variable_and_how_to_get_it() {
        let environment = Environment::read(&env(&[])).expect("defaults");
        let text = environment.bot_token().expect_err("missing").to_string();
        assert!(text.starts_with("SLACK_BOT_TOKEN is not set."), "{text}");
        assert!(text.contains("OAuth & Permissions"), "{text}");
        let text = environment
            .signing_secret()
            .expect_err("missing")
            .to_string();
        assert!(
            text.starts_with("SLACK_SIGNING_SECRET is not set."),
            "{text}"
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let environment = Environment::read(&env(&[
            ("SLACK_BOT_TOKEN", "xoxb-very-secret"),
            ("SLACK_SIGNING_SECRET", "shhh-signing"),
            ("SLACK_APP_TOKEN", "xapp-1-very-secret"),
        ]))
        .expect("reads");
        let debug = format!("{environment:?}");
        assert!(!debug.contains("xoxb-very-secret"), "{debug}");
        assert!(!debug.contains("shhh-signing"), "{debug}");
        assert!(!debug.contains("xapp-1-very-secret"), "{debug}");
    }

    #[test]
    fn the_app_token_is_optional_and_must_be_an_app_level_token() {
        let unset = Environment::read(&env(&[])).expect("reads");
        assert!(unset.app_token().expect("optional").is_none());
        let app =
            Environment::read(&env(&[("SLACK_APP_TOKEN", "xapp-1-A0APP-1-abc")])).expect("reads");
        assert!(app.app_token().expect("an app token").is_some());
        let bot = Environment::read(&env(&[("SLACK_APP_TOKEN", "xoxb-pasted-by-mistake")]))
            .expect("reads");
        let text = bot.app_token().expect_err("a bot token").to_string();
        assert!(
            text.starts_with("SLACK_APP_TOKEN is not an app-level token"),
            "{text}"
        );
        assert!(text.contains("connections:write"), "{text}");
        assert!(!text.contains("xoxb-pasted-by-mistake"), "{text}");
    }

    #[test]
    fn a_bot_token_that_is_not_one_is_refused_without_showing_it() {
        let wrong = Environment::read(&env(&[("SLACK_BOT_TOKEN", "abc")])).expect("reads");
        let text = wrong.bot_token().expect_err("not xoxb").to_string();
        assert!(
            text.starts_with("SLACK_BOT_TOKEN is not a bot token (those start with xoxb-)."),
            "{text}"
        );
        assert!(!text.contains("abc"), "{text}");
        let right = Environment::read(&env(&[("SLACK_BOT_TOKEN", "xoxb-1-2")])).expect("reads");
        assert!(right.bot_token().is_ok());
    }

    #[test]
    fn a_setting_of_the_wrong_kind_is_reported_once_with_an_example() {
        let err = Settings::load(
            None,
            &env(&[("COACHBOT__MEETINGS__DUE_AFTER_DAYS", "soon")]),
        )
        .expect_err("not a number");
        let text = crate::causes::one_line(&err);
        assert_eq!(text.matches("due_after_days").count(), 1, "{text}");
        assert!(
            text.contains("for example COACHBOT__MEETINGS__DUE_AFTER_DAYS=10"),
            "{text}"
        );
        let err = Settings::load(None, &env(&[("COACHBOT__COACHING__TARGET", "240")]))
            .expect_err("no such setting");
        assert!(err.to_string().contains("target"), "{err}");
    }

    #[test]
    fn environment_defaults_match_the_product_contract() {
        let environment = Environment::read(&env(&[])).expect("defaults");
        assert_eq!(environment.slack_api_url, "https://slack.com/api/");
        assert_eq!(environment.database_url, "sqlite://coachbot.db");
        assert_eq!(environment.listen.to_string(), "0.0.0.0:3000");
        assert_eq!(environment.metrics_listen.to_string(), "127.0.0.1:9090");
        assert_eq!(
            LogFormat::read(&env(&[])).expect("default"),
            LogFormat::Text
        );
    }

    #[test]
    fn logs_are_json_when_asked_and_an_unknown_format_is_refused_with_an_example() {
        let json = LogFormat::read(&env(&[("COACHBOT_LOG_FORMAT", "json")])).expect("json");
        assert_eq!(json, LogFormat::Json);
        let wrong = LogFormat::read(&env(&[("COACHBOT_LOG_FORMAT", "xml")])).expect_err("xml");
        assert!(
            wrong.to_string().contains("COACHBOT_LOG_FORMAT=json"),
            "{wrong}"
        );
        let wrong =
            Environment::read(&env(&[("COACHBOT_METRICS_LISTEN", "9090")])).expect_err("no host");
        assert!(wrong.to_string().contains("127.0.0.1:9090"), "{wrong}");
    }
}
