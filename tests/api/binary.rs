//! The real `coachbot` binary, as an admin runs it.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::databases::{database_beside, on_postgres, Records};
use crate::helpers::*;

pub(crate) fn coachbot() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_coachbot"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

/// Runs `coachbot try` in `dir` with `args`, types `lines` and ends it; its output, once it
/// has exited successfully.
fn try_typing(
    dir: &std::path::Path,
    args: &[&str],
    database_url: Option<&str>,
    lines: &[&str],
) -> String {
    let mut command = coachbot();
    command.arg("try").args(args).current_dir(dir);
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        for line in lines {
            writeln!(stdin, "{line}").expect("typed");
        }
    }
    let output = child.wait_with_output().expect("ends");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn serve_without_the_signing_secret_stops_with_one_line_naming_it() {
    let dir = tempfile::tempdir().expect("dir");
    let output = coachbot()
        .args(["serve"])
        .env("SLACK_BOT_TOKEN", "xoxb-1")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("c.db").display()),
        )
        .env("COACHBOT_LISTEN", "127.0.0.1:0")
        .env("COACHBOT_METRICS_LISTEN", "127.0.0.1:0")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains("SLACK_SIGNING_SECRET is not set"),
        "{stderr}"
    );
    assert!(lines[0].contains("Basic Information"), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn serve_without_the_bot_token_stops_with_one_line_naming_it() {
    let stderr = serve_fails_with(&[("SLACK_SIGNING_SECRET", "s")]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("SLACK_BOT_TOKEN is not set"), "{stderr}");
}

#[test]
fn serve_installing_from_the_link_without_a_token_key_stops_with_one_line_saying_how_to_make_one() {
    let stderr = serve_fails_with(&[
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("SLACK_SIGNING_SECRET", "s"),
        ("SLACK_CLIENT_ID", "1234.5678"),
        ("SLACK_CLIENT_SECRET", "client-secret"),
    ]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("COACHBOT_TOKEN_KEY is not set")
            && stderr.contains("openssl rand -base64 32"),
        "{stderr}"
    );
}

/// `coachbot migrate` on the database at `db`: what it printed.
fn migrate(db: &std::path::Path) -> String {
    let output = coachbot()
        .args(["migrate"])
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn migrate_says_whether_it_created_the_database_and_how_many_migrations_it_applied() {
    // SQLite's migrations: the files, not the folder of PostgreSQL's.
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|entry| entry.path().extension().is_some_and(|ext| ext == "sql"))
        })
        .count();
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("fresh.db");

    assert_eq!(
        migrate(&db),
        format!(
            "Created the database sqlite://{} and applied {migrations} migrations.\n",
            db.display()
        )
    );
    assert!(db.exists());
    assert_eq!(
        migrate(&db),
        format!(
            "The database sqlite://{} was up to date already ({migrations} migrations applied before).\n",
            db.display()
        )
    );
    // An empty file is a database with nothing in it yet.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").expect("empty file");
    assert_eq!(
        migrate(&empty),
        format!(
            "Applied {migrations} migrations to the database sqlite://{}; it is up to date now.\n",
            empty.display()
        )
    );
}

/// `coachbot migrate` with this `DATABASE_URL`, expected to fail; its stderr.
fn migrate_fails_with(database_url: &str) -> String {
    let output = coachbot()
        .args(["migrate"])
        .env("DATABASE_URL", database_url)
        .output()
        .expect("runs");
    assert!(!output.status.success(), "migrated {database_url}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_database_url_of_another_kind_names_the_two_coachbot_keeps_its_records_in() {
    let stderr = migrate_fails_with("mysql://coachbot@db/coachbot");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("coachbot stores its records in SQLite or PostgreSQL, not in mysql:// databases. Use one of those, for example DATABASE_URL=sqlite://coachbot.db"),
        "{stderr}"
    );
    assert!(!stderr.contains("code: 14"), "{stderr}");
}

#[test]
fn a_postgres_url_that_cannot_be_reached_is_named_without_its_password() {
    // Nothing listens on port 1.
    let stderr = migrate_fails_with("postgres://coachbot:hunter2@127.0.0.1:1/coachbot");
    assert!(
        stderr.contains("could not open the database postgres://coachbot:***@127.0.0.1:1/coachbot"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn a_database_in_a_folder_that_does_not_exist_names_the_folder() {
    let dir = tempfile::tempdir().expect("dir");
    let missing = dir.path().join("no-such-folder");
    let stderr = migrate_fails_with(&format!(
        "sqlite://{}",
        missing.join("coachbot.db").display()
    ));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the folder {} does not exist, so the database cannot be created in it.",
            missing.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("code: 14"), "{stderr}");
    assert!(!missing.exists());
}

/// `coachbot serve` as a child process, listening, with its log followed.
pub(crate) struct Served {
    pub(crate) child: tokio::process::Child,
    pub(crate) base: String,
    /// Where it serves `/metrics`.
    pub(crate) metrics: String,
    pub(crate) logs: Logs,
    /// Its `DATABASE_URL`: the SQLite file it was given, or, with
    /// `COACHBOT_TEST_APP_DATABASE=postgres`, a PostgreSQL database kept
    /// for that file's folder.
    pub(crate) database_url: String,
}

impl Served {
    /// Stops the process and returns everything it logged.
    pub(crate) async fn stop(mut self) -> String {
        self.child.start_kill().expect("stops");
        let _ = self.child.wait().await;
        self.logs.until_closed().await
    }
}

/// What a child process writes to stderr, line by line as it comes.
#[derive(Clone)]
pub(crate) struct Logs {
    text: Arc<Mutex<String>>,
    /// Counts lines read, so waiting needs no polling.
    lines: tokio::sync::watch::Sender<usize>,
    /// Set once the process closed its stderr.
    closed: tokio::sync::watch::Sender<bool>,
}

impl Logs {
    fn follow(stderr: tokio::process::ChildStderr) -> Self {
        let logs = Logs {
            text: Arc::default(),
            lines: tokio::sync::watch::channel(0).0,
            closed: tokio::sync::watch::channel(false).0,
        };
        let reader = logs.clone();
        tokio::spawn(async move {
            use tokio::io::AsyncBufReadExt;
            let mut lines = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                {
                    let mut text = reader
                        .text
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    text.push_str(&line);
                    text.push('\n');
                }
                reader.lines.send_modify(|count| *count += 1);
            }
            reader.closed.send_replace(true);
        });
        logs
    }

    pub(crate) fn text(&self) -> String {
        self.text
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Changes with each line logged.
    pub(crate) fn lines(&self) -> tokio::sync::watch::Receiver<usize> {
        self.lines.subscribe()
    }

    /// Until a line containing `needle` has been logged.
    pub(crate) async fn wait_for(&self, needle: &str) {
        let mut lines = self.lines.subscribe();
        let seen = tokio::time::timeout(
            Duration::from_secs(30),
            lines.wait_for(|_| self.text().contains(needle)),
        )
        .await;
        assert!(
            matches!(seen, Ok(Ok(_))),
            "never logged {needle:?}:\n{}",
            self.text()
        );
    }

    /// Everything logged, once the process has closed its stderr.
    pub(crate) async fn until_closed(&self) -> String {
        let mut closed = self.closed.subscribe();
        let _ = tokio::time::timeout(Duration::from_secs(30), closed.wait_for(|done| *done)).await;
        self.text()
    }
}

pub(crate) async fn serve(
    slack: &wiremock::MockServer,
    db: &std::path::Path,
    extra: &[(&str, &str)],
) -> Served {
    serve_with_slack_at(&format!("{}/api/", slack.uri()), db, extra).await
}

/// `coachbot serve` against the Slack Web API at `api_url`.
async fn serve_with_slack_at(
    api_url: &str,
    db: &std::path::Path,
    extra: &[(&str, &str)],
) -> Served {
    // Both held until both are known, so they are two different ports.
    let (port, metrics_port) = {
        let bind = || std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        let (public, metrics) = (bind(), bind());
        let port = |listener: &std::net::TcpListener| listener.local_addr().expect("addr").port();
        (port(&public), port(&metrics))
    };
    let database_url = database_beside(db).await;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_coachbot"));
    command
        .args(["serve"])
        .env_clear()
        .env("SLACK_BOT_TOKEN", "xoxb-super-secret-token")
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("SLACK_API_URL", api_url)
        .env("DATABASE_URL", &database_url)
        .env("COACHBOT_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "COACHBOT_METRICS_LISTEN",
            format!("127.0.0.1:{metrics_port}"),
        )
        .env("RUST_LOG", "debug")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in extra {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("starts");
    let logs = Logs::follow(child.stderr.take().expect("stderr piped"));
    // Logged once the port is bound: connections wait for the server from then.
    logs.wait_for("coachbot is listening").await;
    Served {
        child,
        base: format!("http://127.0.0.1:{port}"),
        metrics: format!("http://127.0.0.1:{metrics_port}/metrics"),
        logs,
        database_url,
    }
}

/// `/coach team add @ana` to a running binary, signed as Slack signs it now.
async fn team_add_signed_now(base: &str) -> reqwest::Response {
    coach_signed_now(base, "team add <@U0ANA|ana>").await
}

/// `/coach <text>` to a running binary, signed as Slack signs it now.
pub(crate) async fn coach_signed_now(base: &str, text: &str) -> reqwest::Response {
    let body = command_body(BOSS, text, "http://127.0.0.1:1/unused");
    let ts = chrono::Utc::now().timestamp().to_string();
    reqwest::Client::new()
        .post(format!("{base}/slack/commands"))
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", sign(SIGNING_SECRET, &ts, &body))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn the_binary_serves_signed_commands_and_never_logs_secrets() {
    let dir = tempfile::tempdir().expect("dir");
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let served = serve(&slack, &dir.path().join("c.db"), &[]).await;
    let response = team_add_signed_now(&served.base).await;
    assert_eq!(response.status().as_u16(), 200);
    let json: serde_json::Value = response.json().await.expect("json");
    assert!(
        json["text"]
            .as_str()
            .unwrap_or_default()
            .contains("joined your team"),
        "{json}"
    );
    let stderr = served.stop().await;
    assert!(
        !stderr.contains("xoxb-super-secret-token"),
        "token leaked: {stderr}"
    );
    assert!(!stderr.contains(SIGNING_SECRET), "secret leaked: {stderr}");
}

/// Posts to the fake Slack's chat.postMessage so far.
async fn posts(slack: &wiremock::MockServer) -> Vec<serde_json::Value> {
    slack
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/api/chat.postMessage")
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect()
}

/// meeting-check fires every second, so it has fired today whenever a test runs.
const MEETING_CHECK_EVERY_SECOND: (&str, &str) = ("COACHBOT__JOBS__MEETING_CHECK", "* * * * * *");

/// A new database for `db` (see [`database_beside`]), migrated; its records.
pub(crate) async fn migrated(db: &std::path::Path) -> Records {
    let url = database_beside(db).await;
    let store = coachbot::store::Store::connect(&url).await.expect("store");
    store.close().await;
    Records::open(&url).await
}

/// A database for `db` with a manager whose team started 30 days ago and
/// never met (overdue); its records.
async fn overdue_manager(db: &std::path::Path) -> Records {
    let records = migrated(db).await;
    let joined = (chrono::Utc::now() - chrono::Duration::days(30)).format("%Y-%m-%d");
    records
        .execute(&format!(
            "INSERT INTO managers (team_id, user_id, slack_tz, created_at) VALUES ('T0TEAM', 'U0BOSS', 'UTC', '2026-01-01T00:00:00Z');
             INSERT INTO memberships (team_id, manager_id, rep_id, joined_on) VALUES ('T0TEAM', 'U0BOSS', 'U0ANA', '{joined}');"
        ))
        .await;
    records
}

#[tokio::test]
async fn serve_runs_the_scheduler_and_a_restart_does_not_send_the_same_reminder_again() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("c.db");
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let pool = overdue_manager(&db).await;
    let every_second = [MEETING_CHECK_EVERY_SECOND];

    let first = serve(&slack, &db, &every_second).await;
    // Logged once the row says the post was sent (a crash before that is
    // the story of the tests that kill the process mid-delivery, below).
    first.logs.wait_for("reminder sent").await;
    let delivered = posts(&slack).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0]["channel"], "U0BOSS");
    assert!(
        delivered[0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("overdue"),
        "{delivered:?}"
    );
    first.stop().await;

    let second = serve(&slack, &db, &every_second).await;
    // The scheduler looks at start: once its first tick has finished, it has
    // had its chance to send again.
    second.logs.wait_for("scheduler tick done").await;
    second.stop().await;
    assert_eq!(posts(&slack).await.len(), 1);
    let status: String = pool
        .value(
            "SELECT status FROM reminders WHERE job = 'meeting-check'",
            &[],
        )
        .await;
    assert_eq!(status, "sent");
}

#[tokio::test]
async fn serve_with_only_the_app_token_refuses_http_commands_and_outlives_a_refused_socket() {
    let dir = tempfile::tempdir().expect("dir");
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    socket_refused().mount(&slack).await;
    // No signing secret: an empty value counts as unset.
    let mut served = serve(
        &slack,
        &dir.path().join("c.db"),
        &[("SLACK_SIGNING_SECRET", ""), ("SLACK_APP_TOKEN", APP_TOKEN)],
    )
    .await;
    let response = team_add_signed_now(&served.base).await;
    assert_eq!(response.status().as_u16(), 401);
    // Slack refuses the socket: that is logged, and the process keeps serving.
    served.logs.wait_for("invalid_auth").await;
    let health = reqwest::get(format!("{}/healthz", served.base))
        .await
        .expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
    assert!(
        served.child.try_wait().expect("status").is_none(),
        "serve exited"
    );
    let stderr = served.stop().await;
    assert!(stderr.contains("Socket Mode: connecting"), "{stderr}");
    assert!(stderr.contains("invalid_auth"), "{stderr}");
    assert!(!stderr.contains(APP_TOKEN), "app token leaked: {stderr}");
    assert!(
        !stderr.contains("xoxb-super-secret-token"),
        "bot token leaked: {stderr}"
    );
}

#[tokio::test]
async fn a_database_failure_is_logged_once_with_its_cause_and_the_manager_gets_a_sentence() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("c.db");
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    let served = serve(&slack, &db, &[("RUST_LOG", "info")]).await;
    let added = team_add_signed_now(&served.base).await;
    assert_eq!(added.status().as_u16(), 200);
    // Someone breaks the schema under the running bot.
    let records = Records::open(&served.database_url).await;
    records.execute("DROP TABLE log_reps").await;
    records.close().await;
    let cause = if on_postgres(&served.database_url) {
        "relation \"log_reps\" does not exist"
    } else {
        "no such table: log_reps"
    };

    let answer: serde_json::Value = coach_signed_now(&served.base, "45m <@U0ANA> pipeline review")
        .await
        .json()
        .await
        .expect("json");

    assert_eq!(
        answer["text"],
        "Sorry, something went wrong on my side and nothing was saved. Please try again in a minute."
    );
    let stderr = served.stop().await;
    // The scheduler's ticks (one at start, one every 20 s) read the dropped
    // table too on a slow machine, and each logs its own failure.
    let failures: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains(cause) && !line.contains("a step of a scheduler tick failed"))
        .collect();
    assert_eq!(failures.len(), 1, "{stderr}");
    assert!(
        failures[0].contains("a /coach request failed"),
        "{}",
        failures[0]
    );
    assert!(failures[0].contains("ERROR"), "{}", failures[0]);
    assert!(failures[0].contains("database error"), "{}", failures[0]);
    assert!(!stderr.contains("xoxb-super-secret-token"), "{stderr}");
}

/// `coachbot serve` with these variables, expected to stop at once; its stderr.
pub(crate) fn serve_fails_with(vars: &[(&str, &str)]) -> String {
    // The default database, and the serve lock taken beside it before the
    // tokens are read, land in a folder of the test's own.
    let dir = tempfile::tempdir().expect("dir");
    let mut command = coachbot();
    command
        .args(["serve"])
        .current_dir(dir.path())
        .env("COACHBOT_LISTEN", "127.0.0.1:0")
        .env("COACHBOT_METRICS_LISTEN", "127.0.0.1:0");
    for (key, value) in vars {
        command.env(key, value);
    }
    let output = command.output().expect("runs");
    assert!(!output.status.success(), "serve started with {vars:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn serve_with_a_token_that_is_not_a_bot_token_stops_with_a_sentence() {
    let stderr = serve_fails_with(&[("SLACK_BOT_TOKEN", "abc"), ("SLACK_SIGNING_SECRET", "s")]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("SLACK_BOT_TOKEN is not a bot token (those start with xoxb-)."),
        "{stderr}"
    );
    assert!(!stderr.contains("abc"), "{stderr}");
}

#[test]
fn a_database_that_cannot_be_opened_is_named() {
    let stderr = serve_fails_with(&[
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("SLACK_SIGNING_SECRET", "s"),
        ("DATABASE_URL", "sqlite:///no/such/folder/coachbot.db"),
    ]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("could not open the database sqlite:///no/such/folder/coachbot.db"),
        "{stderr}"
    );
}

#[test]
fn a_bad_setting_is_reported_once_with_an_example() {
    let stderr = serve_fails_with(&[
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("SLACK_SIGNING_SECRET", "s"),
        ("COACHBOT__MEETINGS__DUE_AFTER_DAYS", "soon"),
    ]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(stderr.matches("due_after_days").count(), 1, "{stderr}");
    assert!(
        stderr.contains("for example COACHBOT__MEETINGS__DUE_AFTER_DAYS=10"),
        "{stderr}"
    );
}

#[test]
fn a_bad_schedule_setting_is_one_line_naming_the_setting_the_value_and_an_example() {
    let stderr = serve_fails_with(&[
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("SLACK_SIGNING_SECRET", "s"),
        ("COACHBOT__JOBS__MEETING_CHECK", "nonsense"),
    ]);
    assert_eq!(
        stderr,
        "coachbot: setting jobs.meeting_check = \"nonsense\" is not a schedule; use cron's six fields, seconds first, for example \"0 0 9 * * Mon\" for Mondays at 09:00\n"
    );
}

/// `coachbot <args> --help`: what it printed.
fn help(args: &[&str]) -> String {
    let output = coachbot().args(args).arg("--help").output().expect("runs");
    assert!(output.status.success(), "{args:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_line_of_each_commands_reads_group_is_indented_alike() {
    for command in [
        "serve", "migrate", "run-job", "check", "export", "backup", "copy",
    ] {
        let text = help(&[command]);
        let reads: Vec<&str> = text
            .lines()
            .skip_while(|line| *line != "Reads:")
            .skip(1)
            .take_while(|line| !line.is_empty())
            .collect();
        assert!(!reads.is_empty(), "{command} --help has no Reads:\n{text}");
        for line in reads {
            // A variable two spaces in, or a description going on under
            // the column where descriptions start.
            let variable = line
                .strip_prefix("  ")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()));
            let going_on = line.starts_with(&" ".repeat(26));
            assert!(
                variable || going_on,
                "{command} --help: {line:?} is not indented like the rest:\n{text}"
            );
            assert!(!line.contains(") ("), "{command} --help: {line:?}");
        }
    }
}

#[test]
fn run_job_help_names_every_job_and_needs_no_bot_token_for_a_dry_run() {
    let text = help(&["run-job"]);
    for job in [
        "meeting-check (",
        "coaching-pace (",
        "digest (",
        "team-digest (",
    ] {
        assert!(text.contains(job), "run-job --help lacks {job}:\n{text}");
    }
    let line_of = |variable: &str| {
        text.lines()
            .find(|line| line.trim_start().starts_with(variable))
            .unwrap_or_else(|| panic!("no {variable} in\n{text}"))
    };
    assert!(
        line_of("SLACK_BOT_TOKEN").ends_with("(not needed with --dry-run)"),
        "{text}"
    );
    assert!(!line_of("SLACK_API_URL").contains("--dry-run"), "{text}");
}

#[test]
fn serve_help_says_what_happens_to_the_database_in_one_phrase() {
    let text = help(&["serve"]);
    assert!(
        text.contains("  DATABASE_URL            the database, created and migrated on start; default sqlite://coachbot.db in the folder coachbot runs from\n"),
        "{text}"
    );
}

#[test]
fn each_commands_help_names_what_it_reads() {
    let help = |args: &[&str]| {
        let output = coachbot().args(args).output().expect("runs");
        assert!(output.status.success(), "{args:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let serve = help(&["serve", "--help"]);
    for variable in [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "DATABASE_URL",
        "COACHBOT_LISTEN",
        "COACHBOT__SECTION__KEY",
    ] {
        assert!(
            serve.contains(variable),
            "serve --help lacks {variable}:\n{serve}"
        );
    }
    let run_job = help(&["run-job", "--help"]);
    for needed in [
        "meeting-check",
        "coaching-pace",
        "digest",
        "DATABASE_URL",
        "SLACK_BOT_TOKEN",
        "2026-11-30",
        "really sends",
    ] {
        assert!(
            run_job.contains(needed),
            "run-job --help lacks {needed}:\n{run_job}"
        );
    }
    for command in ["check", "export", "migrate", "backup", "copy"] {
        let text = help(&[command, "--help"]);
        assert!(text.contains("DATABASE_URL"), "{command} --help:\n{text}");
    }
    let try_help = help(&["try", "--help"]);
    assert!(try_help.contains("coachbot-try.db"), "{try_help}");
}

#[test]
fn try_answers_typed_lines_as_one_manager_in_its_own_database() {
    let dir = tempfile::tempdir().expect("dir");
    let elsewhere = dir.path().join("real.db");
    let stdout = try_typing(
        dir.path(),
        &["--tz", "Europe/Berlin"],
        Some(&format!("sqlite://{}", elsewhere.display())),
        &[
            "team add @dana @lee since 2026-11-01",
            "/coach an hour @dana objection handling, 30m @lee pipeline review today",
            "status",
        ],
    );
    assert!(
        stdout.contains("you are a sales manager in Europe/Berlin"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✅ @dana is on your team since Sun 1 Nov."),
        "{stdout}"
    );
    assert!(stdout.contains("Logged 2 entries:"), "{stdout}");
    assert!(
        stdout.contains("• 1h of learning a skill with @dana on"),
        "{stdout}"
    );
    assert!(stdout.contains("== Coaching in"), "{stdout}");
    assert!(stdout.contains("@lee — 30m this month"), "{stdout}");
    assert!(!stdout.contains("<@"), "raw mentions leaked: {stdout}");
    assert!(dir.path().join("coachbot-try.db").exists());
    assert!(!elsewhere.exists(), "try touched DATABASE_URL");
}

#[test]
fn try_says_a_team_digest_needs_slack_and_its_help_leaves_out_what_needs_slack() {
    let dir = tempfile::tempdir().expect("dir");
    let stdout = try_typing(
        dir.path(),
        &["--tz", "Europe/Berlin"],
        None,
        &[
            "digest #team-sales",
            "digest <#C0123ABCDEF|team-sales>",
            "digest off",
            "help",
        ],
    );
    // Two lines of introduction, then each answer and a blank line.
    let answered = stdout.lines().skip(2).collect::<Vec<_>>().join("\n");
    let answers: Vec<&str> = answered.split("\n\n").collect();
    let needs_slack = "A team digest needs Slack: coachbot posts it to a Slack channel every week, so it can't be set here.";
    assert!(answers[0].starts_with(needs_slack), "{stdout}");
    assert!(answers[1].starts_with(needs_slack), "{stdout}");
    assert_eq!(
        answers[2],
        "Your team has no digest channel set, so there was no digest to turn off. Nothing changed."
    );
    let help = answers[3];
    assert!(help.starts_with("== How to use /coach =="), "{stdout}");
    assert!(
        help.contains("`/coach undo` takes back your last change, a line or a team change."),
        "{help}"
    );
    for slack_only in ["Home tab", "/coach log", "digest"] {
        assert!(!help.contains(slack_only), "{slack_only} in\n{help}");
    }
}

#[test]
fn try_calls_the_managers_own_team_your_team() {
    let dir = tempfile::tempdir().expect("dir");
    let stdout = try_typing(
        dir.path(),
        &[],
        None,
        &[
            "team add @dana since 2025-01-01",
            "team remove @dana",
            "team add @dana since 2025-03-01",
        ],
    );
    assert!(
        stdout.contains("⛔ @dana was on your team before, until"),
        "{stdout}"
    );
    assert!(!stdout.contains("@you"), "{stdout}");
}

/// Where in a delivery the process is killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Killed {
    /// The post is under way but Slack has not taken it.
    BeforeThePost,
    /// Slack took the post; its answer has not arrived.
    AfterSlackTookIt,
    /// The answer arrived; the row does not say so yet.
    AfterTheAnswer,
}

/// Kills `coachbot serve` at `instant` of its first reminder's delivery,
/// starts it again, and checks the manager got exactly one copy.
async fn killed_mid_delivery_then_restarted(instant: Killed) {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("c.db");
    let pool = overdue_manager(&db).await;
    let fake = crate::slack_fake::SlackFake::start(coachbot::clock::Clock::System, None).await;
    fake.script(&[match instant {
        Killed::BeforeThePost => crate::slack_fake::Next::HoldUntaken,
        Killed::AfterSlackTookIt => crate::slack_fake::Next::TakeAndHold,
        Killed::AfterTheAnswer => crate::slack_fake::Next::TakeAndAnswerWhenReleased,
    }]);
    let env = [
        MEETING_CHECK_EVERY_SECOND,
        ("COACHBOT__DELIVERY__CALL_TIMEOUT_SECONDS", "1"),
    ];

    let first = serve_with_slack_at(&fake.api_url, &db, &env).await;
    fake.posts_arrived(1).await;
    let lock = if instant == Killed::AfterTheAnswer {
        // Holding the database's write lock keeps the row from being
        // marked once the answer is in.
        let lock = pool.hold_writes("reminders").await;
        fake.release();
        first
            .logs
            .wait_for("Slack took the reminder; marking it sent")
            .await;
        Some(lock)
    } else {
        None
    };
    let logged = first.stop().await;
    assert!(!logged.contains("reminder sent"), "{instant:?}: {logged}");
    if let Some(lock) = lock {
        lock.release().await;
    }

    let second = serve_with_slack_at(&fake.api_url, &db, &env).await;
    second.logs.wait_for("reminder sent").await;
    let logged = second.stop().await;

    let taken = fake.taken();
    assert_eq!(taken.len(), 1, "{instant:?}: {taken:?}\n{logged}");
    let (status, ts): (String, Option<String>) = pool
        .row(
            "SELECT status, ts FROM reminders WHERE job = 'meeting-check'",
            &[],
        )
        .await;
    assert_eq!((status.as_str(), ts), ("sent", Some(taken[0].ts.clone())));
    let looked_up = fake.history_calls();
    assert_eq!(looked_up, 1, "{instant:?}: {logged}");
}

#[tokio::test]
async fn killed_before_slack_took_the_post_it_is_posted_once_after_a_restart() {
    killed_mid_delivery_then_restarted(Killed::BeforeThePost).await;
}

#[tokio::test]
async fn killed_after_slack_took_the_post_it_is_found_after_a_restart_and_not_sent_again() {
    killed_mid_delivery_then_restarted(Killed::AfterSlackTookIt).await;
}

#[tokio::test]
async fn killed_after_slacks_answer_before_the_row_said_so_it_is_not_sent_again() {
    killed_mid_delivery_then_restarted(Killed::AfterTheAnswer).await;
}

/// `/metrics` of a running binary, as Prometheus scrapes it.
async fn scrape(served: &Served) -> String {
    let scraped = reqwest::get(&served.metrics).await.expect("scraped");
    assert_eq!(scraped.status().as_u16(), 200);
    scraped.text().await.expect("text")
}

/// The value of the sample `series` (name and labels as rendered), if any.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        line.strip_prefix(series)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|value| value.trim().parse().ok())
    })
}

/// Whether a span of a JSON log line carries the request's workspace and user.
fn about_the_boss(line: &serde_json::Value) -> bool {
    line["spans"].as_array().is_some_and(|spans| {
        spans
            .iter()
            .any(|span| span["workspace"] == WORKSPACE && span["user"] == BOSS)
    })
}

#[tokio::test]
async fn json_logs_and_metrics_say_what_happened_and_never_carry_a_secret() {
    let dir = tempfile::tempdir().expect("dir");
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    socket_refused().mount(&slack).await;
    let served = serve(
        &slack,
        &dir.path().join("c.db"),
        &[
            ("COACHBOT_LOG_FORMAT", "json"),
            ("RUST_LOG", "debug"),
            ("SLACK_APP_TOKEN", APP_TOKEN),
        ],
    )
    .await;
    served.logs.wait_for("invalid_auth").await;

    assert_eq!(
        team_add_signed_now(&served.base).await.status().as_u16(),
        200
    );
    let logged = coach_signed_now(&served.base, "45m <@U0ANA> pipeline review").await;
    assert_eq!(logged.status().as_u16(), 200);
    let forged = reqwest::Client::new()
        .post(format!("{}/slack/commands", served.base))
        .header(
            "x-slack-request-timestamp",
            chrono::Utc::now().timestamp().to_string(),
        )
        .header("x-slack-signature", "v0=forged")
        .body("team_id=T0TEAM&user_id=U0BOSS&text=team")
        .send()
        .await
        .expect("sent");
    assert_eq!(forged.status().as_u16(), 401);
    let public_metrics = reqwest::get(format!("{}/metrics", served.base))
        .await
        .expect("sent");
    assert_eq!(public_metrics.status().as_u16(), 404);
    let ready = reqwest::get(format!("{}/readyz", served.base))
        .await
        .expect("readyz");
    assert_eq!(ready.status().as_u16(), 503);

    let metrics = scrape(&served).await;
    let value = |series: &str| sample(&metrics, series);
    let requests = |outcome: &str| {
        value(&format!(
            r#"coachbot_requests_total{{route="/slack/commands",outcome="{outcome}"}}"#
        ))
    };
    assert_eq!(requests("ok"), Some(2.0), "{metrics}");
    assert_eq!(requests("refused"), Some(1.0), "{metrics}");
    assert_eq!(
        value(r#"coachbot_requests_total{route="other",outcome="not_found"}"#),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        value(r#"coachbot_request_duration_seconds_bucket{route="/slack/commands",le="+Inf"}"#),
        Some(3.0),
        "{metrics}"
    );
    assert_eq!(
        value(r#"coachbot_commands_total{kind="team"}"#),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        value(r#"coachbot_commands_total{kind="log"}"#),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        value(r#"coachbot_slack_calls_total{method="users.info",outcome="ok"}"#),
        Some(1.0),
        "{metrics}"
    );
    assert!(
        value(r#"coachbot_slack_calls_total{method="apps.connections.open",outcome="rejected"}"#)
            .is_some_and(|calls| calls >= 1.0),
        "{metrics}"
    );
    // The group commit is SQLite's: on PostgreSQL each line is a
    // transaction of its own, with no writer queue to measure.
    if !on_postgres(&database_beside(&dir.path().join("c.db")).await) {
        assert_eq!(
            value("coachbot_writer_batch_lines_count"),
            Some(1.0),
            "{metrics}"
        );
        assert_eq!(value("coachbot_writer_queue_depth"), Some(0.0), "{metrics}");
    }
    assert_eq!(
        value("coachbot_socket_mode_connections"),
        Some(0.0),
        "{metrics}"
    );
    assert!(
        value("coachbot_scheduler_last_tick_age_seconds").is_some(),
        "{metrics}"
    );

    let stderr = served.stop().await;
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(lines.iter().all(serde_json::Value::is_object), "{stderr}");
    let answered: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "answered /coach")
        .collect();
    assert_eq!(answered.len(), 2, "{stderr}");
    assert!(answered.iter().all(|line| about_the_boss(line)), "{stderr}");
    for secret in ["xoxb-super-secret-token", SIGNING_SECRET, APP_TOKEN] {
        assert!(!stderr.contains(secret), "{secret} in the logs: {stderr}");
        assert!(
            !metrics.contains(secret),
            "{secret} in the metrics: {metrics}"
        );
    }
}

#[tokio::test]
async fn metrics_count_reminders_by_job_and_state_and_delivery_per_workspace() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("c.db");
    let slack = fake_slack().await;
    mount_default_slack(&slack).await;
    overdue_manager(&db).await;
    let served = serve(&slack, &db, &[MEETING_CHECK_EVERY_SECOND]).await;
    served.logs.wait_for("reminder sent").await;
    served.logs.wait_for("scheduler tick done").await;

    let metrics = scrape(&served).await;
    let value = |series: &str| sample(&metrics, series);
    assert_eq!(
        value(r#"coachbot_reminders_total{job="meeting-check",state="stored"}"#),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        value(r#"coachbot_reminders_total{job="meeting-check",state="sent"}"#),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        value(r#"coachbot_slack_calls_total{method="chat.postMessage",outcome="ok"}"#),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        value(r#"coachbot_delivery_posts_total{workspace="T0TEAM"}"#),
        Some(1.0),
        "{metrics}"
    );
    assert!(
        value(r#"coachbot_delivery_posts_per_second{workspace="T0TEAM"}"#)
            .is_some_and(|rate| rate >= 1.0),
        "{metrics}"
    );
    let age = value("coachbot_scheduler_last_tick_age_seconds").expect("tick age");
    assert!(age < 60.0, "{metrics}");
    let ready = reqwest::get(format!("{}/readyz", served.base))
        .await
        .expect("readyz");
    assert_eq!(ready.status().as_u16(), 200);
    served.stop().await;
}
