//! The `coachbot` binary: wiring only.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use coachbot::clock::Clock;
use coachbot::config::{Environment, Settings};
use coachbot::startup::Application;
use coachbot::store::Store;

#[derive(Parser)]
#[command(name = "coachbot", version, about = "A Slack app that gets sales managers to coach.")]
struct Cli {
    /// A settings file over the built-in defaults (config/default.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Run the HTTP server for Slack.
    Serve,
    /// Create the database if needed and apply migrations, then exit.
    Migrate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
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
            let app = Application::build(settings, &environment, Clock::System).await?;
            tracing::info!(address = %environment.listen, port = app.port(), "coachbot is listening");
            app.run_until(shutdown_signal()).await.context("the HTTP server stopped")?;
        }
        Action::Migrate => {
            let store = Store::connect(&environment.database_url)
                .await
                .context("could not migrate the database")?;
            store.close().await;
            println!("database {} is up to date", environment.database_url);
        }
    }
    Ok(())
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
