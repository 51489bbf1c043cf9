//! The `coachbot` binary: wiring only.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, FixedOffset, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use coachbot::clock::Clock;
use coachbot::config::{Environment, Settings};
use coachbot::domain::YearMonth;
use coachbot::jobs::deliver::{deliver_due, DeliveryPolicy};
use coachbot::jobs::scheduler::TICK_EVERY;
use coachbot::jobs::{persist, plan, Job, Trigger};
use coachbot::startup::{context, open_store, Application};
use coachbot::store::Open;
use secrecy::SecretString;

#[derive(Parser)]
#[command(
    name = "coachbot",
    version,
    about = "A Slack app that gets sales managers to coach."
)]
struct Cli {
    /// A settings file over the built-in defaults (config/default.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Run the HTTP server for Slack (and Socket Mode, when SLACK_APP_TOKEN is set) and the reminder scheduler.
    Serve,
    /// Create the database if needed and apply migrations, then exit.
    Migrate,
    /// Run one job once for every manager, as if the clock read --at.
    RunJob {
        #[arg(value_parser = parse_job)]
        job: Job,
        /// The instant to run at, RFC 3339 (default: now), e.g. 2026-11-30T09:00:00+01:00.
        #[arg(long, value_name = "RFC3339")]
        at: Option<DateTime<FixedOffset>>,
        /// Print who would get what, one line each; send and store nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Recount and cross-check the records; exit non-zero on any disagreement.
    Check,
    /// Print every session and meeting of a month, one row each.
    Export {
        /// The month, e.g. 2026-11.
        #[arg(long, value_parser = parse_month)]
        month: YearMonth,
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
}

fn parse_job(raw: &str) -> Result<Job, String> {
    raw.parse()
        .map_err(|e: coachbot::jobs::UnknownJob| e.to_string())
}

fn parse_month(raw: &str) -> Result<YearMonth, String> {
    let invalid = || format!("{raw:?} is not a month; write it as YYYY-MM, for example 2026-11");
    let (year, month) = raw.trim().split_once('-').ok_or_else(invalid)?;
    let year: i32 = year.parse().map_err(|_| invalid())?;
    let month: u32 = month.parse().map_err(|_| invalid())?;
    YearMonth::new(year, month).ok_or_else(invalid)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in log files.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("coachbot: could not start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line with the cause chain; never a backtrace.
            eprintln!("coachbot: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let vars: HashMap<String, String> = std::env::vars().collect();
    let environment = Environment::read(&vars)?;
    let settings = Settings::load(cli.config.as_deref(), &vars)?;
    match cli.command {
        Action::Serve => {
            let app = Application::build(settings, &environment, Clock::System)
                .await?
                .with_scheduler(TICK_EVERY, DeliveryPolicy::default());
            tracing::info!(address = %environment.listen, port = app.port(), "coachbot is listening");
            app.run_until(shutdown_signal()).await?;
        }
        Action::Migrate => {
            let store = open_store(&environment, Open::CreateAndMigrate).await?;
            store.close().await;
            println!("database {} is up to date", environment.database_url);
        }
        Action::RunJob { job, at, dry_run } => {
            let at = at.map_or_else(Utc::now, |at| at.with_timezone(&Utc));
            // A dry run talks to no one, so it needs no token.
            let token = match environment.bot_token() {
                Ok(token) => token,
                Err(_) if dry_run => SecretString::from(String::new()),
                Err(missing) => return Err(missing.into()),
            };
            let open = if dry_run {
                Open::ExistingReadOnly
            } else {
                Open::ExistingAndMigrate
            };
            let ctx = context(settings, &environment, &token, Clock::fixed(at), open).await?;
            let planned = plan(&ctx, job, at, Trigger::Now).await?;
            if planned.is_empty() {
                println!("{job}: nothing to do at {at} (no managers with reps, no digest channel, or already done today)");
            }
            for p in &planned {
                let verb = if dry_run { "would" } else { "will" };
                println!("{verb} {}", p.describe());
            }
            if !dry_run {
                persist(&ctx, &planned, at).await?;
                let report = deliver_due(&ctx, at, &DeliveryPolicy::default()).await?;
                println!(
                    "{} sent, {} pending (`coachbot serve` retries them until their day ends; the log says why), {} expired, {} dropped as unreadable",
                    report.sent, report.pending, report.expired, report.failed
                );
            }
            ctx.store.close().await;
        }
        Action::Check => {
            if !check(&environment).await? {
                return Err(anyhow::anyhow!("the records disagree (listed above)"));
            }
        }
        Action::Export {
            month,
            format: Format::Csv,
        } => {
            let store = open_store(&environment, Open::ExistingAndMigrate).await?;
            let rows = store.month_export(month).await?;
            let stdout = std::io::stdout();
            coachbot::export::write_csv(&rows, &mut stdout.lock())
                .context("could not write the export")?;
            store.close().await;
        }
    }
    Ok(())
}

/// `check`: one line per disagreement, or one line saying all is well.
async fn check(environment: &Environment) -> anyhow::Result<bool> {
    let store = open_store(environment, Open::ExistingAndMigrate).await?;
    let (checked, findings) = store.check().await?;
    store.close().await;
    if findings.is_empty() {
        println!(
            "All records agree: {} entries, {} rep rows and {} team memberships checked.",
            checked.entries, checked.rep_rows, checked.memberships
        );
        return Ok(true);
    }
    let count = findings.len();
    println!(
        "{count} disagreement{} in the records:",
        if count == 1 { "" } else { "s" }
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
