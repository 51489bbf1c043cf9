//! The `coachbot` binary: wiring only.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use clap::{Parser, Subcommand, ValueEnum};
use coachbot::app::delivery::DeliveryPolicy;
use coachbot::app::jobs::RunAt;
use coachbot::causes;
use coachbot::clock::Clock;
use coachbot::config::{Environment, LogFormat, Settings};
use coachbot::domain::{plural, Job, WorkspaceId, YearMonth};
use coachbot::inbound::terminal::{self, TRY_DATABASE};
use coachbot::scheduler::jobs::run_now;
use coachbot::scheduler::TICK_EVERY;
use coachbot::startup::{context, open_store, open_store_reporting, try_context, Application};
use coachbot::store::{printable_url, Open, Store};

// Each line of a `Reads:` group starts with two spaces. A string continued
// with `\` drops the next line's leading spaces, so every line here starts
// inside its own literal.
const SLACK_BOT_TOKEN_VARIABLE: &str =
    "  SLACK_BOT_TOKEN         the bot token (xoxb-…), from the Slack app's OAuth & Permissions page";
const SLACK_API_URL_VARIABLE: &str =
    "  SLACK_API_URL           Slack's Web API, default https://slack.com/api/";
const SETTINGS_VARIABLES: &str = concat!(
    "  COACHBOT__SECTION__KEY  any setting, over config/default.toml and --config,\n",
    "                          e.g. COACHBOT__MEETINGS__DUE_AFTER_DAYS=10\n",
    "  RUST_LOG                log filter, default info,sqlx=warn"
);

/// The `DATABASE_URL` line of a `Reads:` group; `how` says what the command
/// needs of the database.
fn database_variable(how: &str) -> String {
    format!(
        "  DATABASE_URL            the database, {how}; default sqlite://coachbot.db in the folder coachbot runs from"
    )
}

#[derive(Parser)]
#[command(
    name = "coachbot",
    version,
    about = "A Slack app that gets sales managers to coach: `/coach 45m @rep pipeline review` logs coaching, \
             and reminders nudge each manager in their own time zone.",
    after_help = "Start with `coachbot try` to see it work without Slack. `coachbot <command> --help` \
                  lists what each command reads."
)]
struct Cli {
    /// A settings file over the built-in defaults (config/default.toml); only the keys you change.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Serve Slack: the HTTP routes (and Socket Mode when SLACK_APP_TOKEN is set) and the reminder scheduler.
    #[command(after_help = serve_help())]
    Serve,
    /// Create the database if needed and apply migrations, then exit.
    #[command(after_help = format!("Reads:\n{}", database_variable("created if missing")))]
    Migrate,
    /// Run one job once for every manager, as if the clock read --at. Without --dry-run it really sends.
    #[command(after_help = run_job_help())]
    RunJob {
        /// meeting-check, coaching-pace, digest or team-digest.
        #[arg(value_parser = parse_job)]
        job: Job,
        /// When: an instant (2026-11-30T09:00:00+01:00) or a day (2026-11-30, each manager at the
        /// job's scheduled time in their zone). Default: now.
        #[arg(long, value_name = "WHEN", value_parser = parse_at)]
        at: Option<RunAt>,
        /// Print who would get what, one line each; send, store and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Only this workspace's reminders, e.g. T0123ABCD. Default: every workspace.
        #[arg(long, value_name = "WORKSPACE", value_parser = parse_workspace)]
        workspace: Option<WorkspaceId>,
    },
    /// Recount and cross-check the records; exit non-zero on any disagreement.
    #[command(after_help = format!("Reads:\n{}", database_variable("which must exist")))]
    Check {
        /// List only this workspace's disagreements, e.g. T0123ABCD. Default: every workspace.
        #[arg(long, value_name = "WORKSPACE", value_parser = parse_workspace)]
        workspace: Option<WorkspaceId>,
    },
    /// Copy the database, as it stands now, into a new file; safe while serve runs.
    #[command(after_help = format!(
        "Reads:\n{}\n\nThe copy is a database of its own: `DATABASE_URL=sqlite://FILE coachbot check` checks it. \
         To restore, stop serve, put the copy in the database's place, remove the database's -wal \
         and -shm files, and start serve.",
        database_variable("which must exist")
    ))]
    Backup {
        /// The new file to write; refused if it exists.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Copy every record of the SQLite database into a new PostgreSQL one, to move to it.
    #[command(after_help = format!(
        "Reads:\n{}\n\nThe PostgreSQL database is migrated first and must hold no records; everything \
         is copied in one transaction, from one snapshot of the SQLite file. Stop serve first, then \
         point DATABASE_URL at the PostgreSQL database and run `coachbot check`.",
        database_variable("the SQLite file to copy from, which must exist")
    ))]
    Copy {
        /// The PostgreSQL database to copy into, e.g. postgres://coachbot@db.example.com/coachbot.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Print every session (a row per rep) and meeting of a month.
    #[command(after_help = format!("Reads:\n{}", database_variable("which must exist")))]
    Export {
        /// The month, e.g. 2026-11.
        #[arg(long, value_parser = parse_month)]
        month: YearMonth,
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Only this workspace's rows, e.g. T0123ABCD. Default: every workspace.
        #[arg(long, value_name = "WORKSPACE", value_parser = parse_workspace)]
        workspace: Option<WorkspaceId>,
    },
    /// Type /coach lines in this terminal as one manager, without Slack: @name makes up a rep.
    #[command(after_help = format!(
        "Keeps its records in ./{TRY_DATABASE}, never in DATABASE_URL. Reads settings like serve \
         (config/default.toml, --config, COACHBOT__SECTION__KEY); needs no Slack token."
    ))]
    Try {
        /// Your time zone, e.g. Europe/Berlin (default: the one used last time, or UTC).
        #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
        tz: Option<Tz>,
    },
}

fn serve_help() -> String {
    format!(
        "Reads:\n{SLACK_BOT_TOKEN_VARIABLE}\n{SLACK_API_URL_VARIABLE}\n  \
         SLACK_SIGNING_SECRET    verifies Slack's requests; required unless SLACK_APP_TOKEN is set\n  \
         SLACK_APP_TOKEN         optional app-level token (xapp-…): Slack's traffic over Socket Mode\n  \
         SLACK_CLIENT_ID, SLACK_CLIENT_SECRET  optional: serve the Add to Slack link, /slack/install\n  \
         COACHBOT_TOKEN_KEY      required with SLACK_CLIENT_ID: 32 random bytes, base64 (openssl rand -base64 32)\n  \
         COACHBOT_TOKEN_KEY_PREVIOUS  the key before a rotation; tokens are sealed again at start\n\
         {}\n  \
         COACHBOT_LISTEN         the listen address, default 0.0.0.0:3000\n  \
         COACHBOT_METRICS_LISTEN where GET /metrics is served, default 127.0.0.1:9090\n  \
         COACHBOT_LOG_FORMAT     text (the default) or json, one object per line\n{SETTINGS_VARIABLES}",
        database_variable("created and migrated on start")
    )
}

fn run_job_help() -> String {
    format!(
        "Jobs: meeting-check (DM managers due a team meeting), coaching-pace (DM managers with reps \
         behind pace), digest (post the leaders' summary of every team to digest.channel), \
         team-digest (post each team's summary to the channel its manager set with /coach digest).\n\n\
         Reads:\n{SLACK_BOT_TOKEN_VARIABLE} (not needed with --dry-run)\n{SLACK_API_URL_VARIABLE}\n\
         {}\n{SETTINGS_VARIABLES}\n\n\
         A reminder already stored for a recipient's day is not sent again, so a real run at a past \
         or future --at uses up that day's reminder.",
        database_variable("which must exist")
    )
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
}

fn parse_job(raw: &str) -> Result<Job, String> {
    raw.parse()
        .map_err(|e: coachbot::domain::UnknownJob| e.to_string())
}

fn parse_month(raw: &str) -> Result<YearMonth, String> {
    raw.parse()
        .map_err(|e: coachbot::domain::InvalidMonth| e.to_string())
}

fn parse_at(raw: &str) -> Result<RunAt, String> {
    let raw = raw.trim();
    if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(RunAt::Day(day));
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|at| RunAt::Instant(at.with_timezone(&Utc)))
        .map_err(|_| {
            format!("{raw:?} is neither a day nor an instant; write 2026-11-30, or 2026-11-30T09:00:00+01:00")
        })
}

fn parse_workspace(raw: &str) -> Result<WorkspaceId, String> {
    WorkspaceId::parse(raw.trim()).map_err(|_| {
        format!("{raw:?} is not a Slack workspace ID; those start with T, for example T0123ABCD")
    })
}

fn parse_zone(raw: &str) -> Result<Tz, String> {
    raw.trim().parse().map_err(|_| {
        format!("{raw:?} is not a time zone; use an IANA name, for example Europe/Berlin")
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `try` talks to a person at a terminal: only warnings go beside its answers.
    let default_filter = match cli.command {
        Action::Try { .. } => "warn",
        _ => "info,sqlx=warn",
    };
    let vars: HashMap<String, String> = std::env::vars().collect();
    let format = match LogFormat::read(&vars) {
        Ok(format) => format,
        Err(error) => {
            eprintln!("coachbot: {error}");
            return ExitCode::FAILURE;
        }
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into())
                // slack-morphism logs each request's URL at debug, and the
                // `oauth.v2.access` URL carries an install's code.
                .add_directive(
                    "slack_morphism::hyper_tokio=info"
                        .parse()
                        .expect("a filter directive"),
                ),
        )
        .with_writer(std::io::stderr);
    match format {
        // Colour codes only for a person at a terminal, not in log files.
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        // Each line carries the spans it happened in: a request's carries
        // its workspace and user.
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("coachbot: could not start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, vars)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line with the cause chain; never a backtrace.
            eprintln!("coachbot: {}", causes::one_line(error.as_ref()));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, vars: HashMap<String, String>) -> anyhow::Result<()> {
    let environment = Environment::read(&vars)?;
    let settings = Settings::load(cli.config.as_deref(), &vars)?;
    match cli.command {
        Action::Serve => {
            // Held until serve returns; the OS lets it go however it ends.
            let _serving = Store::hold_serve_lock(&environment.database_url, Clock::System.now())?;
            let app = Application::build(settings, &environment, Clock::System)
                .await?
                .with_scheduler(TICK_EVERY, DeliveryPolicy::default());
            tracing::info!(
                address = %environment.listen,
                port = app.port(),
                metrics_address = %environment.metrics_listen,
                metrics_port = app.metrics_port(),
                "coachbot is listening"
            );
            app.run_until(shutdown_signal()).await?;
        }
        Action::Migrate => {
            let (store, opened) =
                open_store_reporting(&environment, Open::CreateAndMigrate).await?;
            store.close().await;
            println!(
                "{}",
                opened.describe(&printable_url(&environment.database_url))
            );
        }
        Action::RunJob {
            job,
            at,
            dry_run,
            workspace,
        } => run_job(settings, &environment, job, at, dry_run, workspace.as_ref()).await?,
        Action::Check { workspace } => {
            if !check(&environment, workspace.as_ref()).await? {
                return Err(anyhow::anyhow!("the records disagree (listed above)"));
            }
        }
        Action::Backup { file } => {
            let url = &printable_url(&environment.database_url);
            let bytes = Store::backup(&environment.database_url, &file)
                .await
                .with_context(|| format!("could not back up the database {url}"))?;
            println!(
                "Backed up the database {url} into {} ({}).",
                file.display(),
                size(bytes)
            );
        }
        Action::Copy { to } => {
            let from = printable_url(&environment.database_url);
            let into = printable_url(&to);
            let copied = Store::copy(&environment.database_url, &to)
                .await
                .with_context(|| format!("could not copy the database {from} into {into}"))?;
            for table in &copied {
                println!("{}: {}", table.table, plural(table.rows, "row", "rows"));
            }
            println!(
                "Copied the records of {from} into {into}. Point DATABASE_URL at it and run coachbot check."
            );
        }
        Action::Export {
            month,
            format: Format::Csv,
            workspace,
        } => {
            let store = open_store(&environment, Open::ExistingAndMigrate).await?;
            let mut rows = store.month_export(month).await?;
            if let Some(workspace) = &workspace {
                rows.retain(|row| row.workspace_id == *workspace);
            }
            let stdout = std::io::stdout();
            coachbot::app::export::write_csv(&rows, &mut stdout.lock())
                .context("could not write the export")?;
            store.close().await;
        }
        Action::Try { tz } => {
            let ctx = try_context(settings).await?;
            let stdin = tokio::io::BufReader::new(tokio::io::stdin());
            let prompt = std::io::stdin().is_terminal();
            terminal::run(&ctx, tz, stdin, &mut std::io::stdout(), prompt).await?;
            ctx.store.close().await;
        }
    }
    Ok(())
}

async fn run_job(
    settings: Settings,
    environment: &Environment,
    job: Job,
    at: Option<RunAt>,
    dry_run: bool,
    workspace: Option<&WorkspaceId>,
) -> anyhow::Result<()> {
    let at = at.unwrap_or_else(|| RunAt::Instant(Utc::now()));
    // A dry run talks to no one, so it needs no token.
    let token = if dry_run {
        None
    } else {
        Some(environment.bot_token()?)
    };
    let open = if dry_run {
        Open::ExistingReadOnly
    } else {
        Open::ExistingAndMigrate
    };
    // Decisions are made as of `at`; claims and the workspace's delivery
    // turn are shared with `serve` and other replicas, so they take the
    // real time.
    let ctx = context(settings, environment, token.as_ref(), Clock::System, open).await?;
    let run = run_now(
        &ctx,
        job,
        at,
        workspace,
        dry_run,
        &DeliveryPolicy::default(),
    )
    .await?;
    if run.reminders.is_empty() {
        println!("{job}: nothing to do at {at} (no managers with reps, no digest channel, or already done that day)");
    }
    for reminder in &run.reminders {
        let verb = if dry_run { "would" } else { "will" };
        println!(
            "{verb} {} (at {})",
            reminder.describe(),
            reminder
                .decision
                .at
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        );
    }
    if let Some(report) = run.delivery {
        println!(
            "{} sent, {} pending (`coachbot serve` retries them until their day ends; the log says why), {} expired, {} dropped as unreadable",
            report.sent, report.pending, report.expired, report.failed
        );
        if report.taken_by_others > 0 {
            println!(
                "{} delivered by the process holding the workspace's delivery turn while this run waited for it",
                report.taken_by_others
            );
        }
        if report.left_to_others > 0 {
            println!(
                "{} of those pending left to the process that kept the workspace's delivery turn for the whole wait (another `coachbot serve`); it delivers them",
                report.left_to_others
            );
        }
    }
    ctx.store.close().await;
    Ok(())
}

/// A file's size for a person: 840 KiB, 12.3 MiB.
fn size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if (bytes as f64) < MIB {
        format!("{} KiB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MiB", bytes as f64 / MIB)
    }
}

/// `check`: one line per disagreement (of `workspace`'s records, when
/// given), or one line saying all is well.
async fn check(environment: &Environment, workspace: Option<&WorkspaceId>) -> anyhow::Result<bool> {
    let store = open_store(environment, Open::ExistingAndMigrate).await?;
    let (checked, mut findings) = store.check().await?;
    if let Some(workspace) = workspace {
        findings.retain(|finding| finding.workspace() == workspace.as_str());
    }
    store.close().await;
    if findings.is_empty() {
        println!(
            "All records agree: {}, {} and {} checked.",
            plural(checked.entries, "entry", "entries"),
            plural(checked.rep_rows, "rep row", "rep rows"),
            plural(checked.memberships, "team membership", "team memberships")
        );
        return Ok(true);
    }
    println!(
        "{} in the records:",
        plural(findings.len(), "disagreement", "disagreements")
    );
    for finding in findings {
        println!("- {finding}");
    }
    Ok(false)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
