//! The log path under load, out of process, beside a bare server: for
//! each shape of organisation, a bare axum + sqlx server that only
//! verifies, parses and inserts one row, then the real `coachbot serve`,
//! each on a fresh SQLite file and each loaded by `wrk -t1 -c32` with
//! distinct signed `/coach` logs; then one table of logs/s, p99 and peak
//! resident memory, and coachbot's throughput as a share of the bare
//! server's in the same run. Every answered log is checked to be stored.
//!
//! `cargo bench --bench log_load [-- 500 long home]` (default: all three;
//! needs `wrk`: `apt-get install -y wrk`). `BENCH_SECONDS` (default 15)
//! is the length of each run; `BENCH_COACHBOT=path/to/coachbot` loads
//! another build. With `BENCH_POSTGRES_URL=postgres://…` (a user that may
//! create databases), coachbot is loaded a second time on PostgreSQL, in a
//! database `coachbot_bench_SHAPE` made afresh there from the same
//! organisation with `coachbot copy`. Files go to `target/bench-log-load/`.

mod bare;
mod fake_slack;
mod shapes;
mod wrk;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fake_slack::{FakeSlack, Publishes};
use shapes::{Shape, SHAPES};
use wrk::Measured;

/// Never fires in a run (only on 29 February), so that a run on a Monday
/// morning does not measure the meeting check with the log path.
const NO_JOB: &str = "0 0 9 29 2 *";
const JOBS: [&str; 4] = ["MEETING_CHECK", "COACHING_PACE", "DIGEST", "TEAM_DIGEST"];

/// One server's run.
struct Run {
    measured: Measured,
    /// Peak resident memory of the server process, MiB.
    peak_mib: f64,
    /// CPU time the server process used during the run, user and system.
    cpu_seconds: f64,
    /// Rows the server stored during the run.
    stored: i64,
}

/// A server process, killed when dropped.
struct Server {
    child: tokio::process::Child,
    address: String,
}

impl Server {
    /// Starts `command`, serving on a free loopback port it is given as
    /// `address`, and waits for `/healthz`.
    async fn start(mut command: tokio::process::Command, address: String, log: &Path) -> Server {
        let log = std::fs::File::create(log).expect("the server's log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log file, twice"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("the server started");
        let mut server = Server { child, address };
        let health = format!("http://{}/healthz", server.address);
        let started = Instant::now();
        while reqwest::get(&health).await.is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited ({status}) before it answered; see its log");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not answer /healthz within a minute"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// The process's peak resident memory so far, from Linux's /proc.
    fn peak_mib(&self) -> f64 {
        let pid = self.child.id().expect("the server is running");
        let status =
            std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server's status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|kib| kib.split_whitespace().next()?.parse::<f64>().ok())
            .map(|kib| kib / 1024.0)
            .expect("VmHWM in the server's status")
    }

    /// CPU time the process has used so far, user and system, from
    /// Linux's /proc (in ticks of 1/100 s, Linux's USER_HZ).
    fn cpu_seconds(&self) -> f64 {
        let pid = self.child.id().expect("the server is running");
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the server's stat");
        // The command name, in parentheses, may hold spaces: count fields
        // after it. utime and stime are the 14th and 15th fields.
        let after_name = &stat[stat.rfind(')').expect("a command name") + 2..];
        let ticks: f64 = after_name
            .split_whitespace()
            .skip(11)
            .take(2)
            .map(|field| field.parse::<f64>().expect("a tick count"))
            .sum();
        ticks / 100.0
    }

    async fn stop(mut self) {
        self.child.kill().await.expect("the server stopped");
    }
}

/// A loopback address nothing listens on, for a server to take.
fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").to_string()
}

/// `file` and its write-ahead log, removed.
fn remove_database(file: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
}

/// Where coachbot keeps its records for a run.
#[derive(Clone, Copy, PartialEq)]
enum Database {
    Sqlite,
    Postgres,
}

impl Database {
    fn name(self) -> &'static str {
        match self {
            Database::Sqlite => "SQLite",
            Database::Postgres => "PostgreSQL",
        }
    }
}

struct Bench {
    /// Where the databases, the requests and the servers' logs go.
    dir: PathBuf,
    /// A PostgreSQL server to load coachbot on as well, when given.
    postgres: Option<String>,
    /// How long wrk loads each server.
    seconds: u64,
    /// The coachbot binary under load.
    coachbot: PathBuf,
}

impl Bench {
    /// Writes a run's requests, signed now, loads `server` with them, and
    /// reads its peak memory and the CPU time it used under the load.
    async fn load(
        &self,
        shape: &Shape,
        server: &Server,
        response_url: &str,
    ) -> (Measured, f64, f64) {
        let requests = self.dir.join("requests.txt");
        let timestamp = chrono::Utc::now().timestamp();
        wrk::write_requests(&requests, shape, self.seconds, timestamp, response_url);
        let url = format!("http://{}/slack/commands", server.address);
        let cpu_before = server.cpu_seconds();
        let measured = wrk::run(
            &url,
            &self.dir.join("load.lua"),
            &requests,
            timestamp,
            self.seconds,
        )
        .await;
        let cpu_seconds = server.cpu_seconds() - cpu_before;
        (measured, server.peak_mib(), cpu_seconds)
    }

    async fn bare(&self, shape: &Shape) -> Run {
        let database = self.dir.join(format!("{}-bare.db", shape.name));
        remove_database(&database);
        let address = free_address();
        let mut command =
            tokio::process::Command::new(std::env::current_exe().expect("the bench binary"));
        command.arg("bare-server").arg(&address).arg(&database);
        let log = self.dir.join(format!("{}-bare.log", shape.name));
        let server = Server::start(command, address, &log).await;
        let (measured, peak_mib, cpu_seconds) =
            self.load(shape, &server, "http://127.0.0.1:9/").await;
        server.stop().await;
        let stored = sqlx::query_scalar(bare::COUNT)
            .fetch_one(&mut shapes::open(&database).await)
            .await
            .expect("the bare server's rows counted");
        Run {
            measured,
            peak_mib,
            cpu_seconds,
            stored,
        }
    }

    /// Runs `coachbot` with `arguments` on the database at `url` and
    /// stops the bench if it fails.
    async fn coachbot_tool(&self, url: &str, arguments: &[&str]) {
        let ran = tokio::process::Command::new(&self.coachbot)
            .args(arguments)
            .env("DATABASE_URL", url)
            .output()
            .await
            .expect("coachbot ran");
        assert!(
            ran.status.success(),
            "coachbot {arguments:?} failed: {}",
            String::from_utf8_lossy(&ran.stderr)
        );
    }

    /// A fresh database holding `shape`'s organisation, on `database`'s
    /// engine: its URL and how many entries it holds.
    async fn organisation(&self, shape: &Shape, database: Database) -> (String, i64) {
        let file = self.dir.join(format!("{}-coachbot.db", shape.name));
        remove_database(&file);
        let sqlite_url = format!("sqlite://{}", file.display());
        self.coachbot_tool(&sqlite_url, &["migrate"]).await;
        let generating = Instant::now();
        let entries = shape.generate(&file, chrono::Utc::now()).await;
        eprintln!(
            "{}: {} managers, {} reps, {entries} entries written in {:.1} s",
            shape.name,
            shape.managers,
            shape.reps(),
            generating.elapsed().as_secs_f64()
        );
        let url = match (database, &self.postgres) {
            (Database::Postgres, Some(server)) => {
                let url = shapes::fresh_postgres(server, shape).await;
                self.coachbot_tool(&sqlite_url, &["copy", "--to", &url])
                    .await;
                url
            }
            _ => sqlite_url,
        };
        (url, entries)
    }

    async fn coachbot(&self, shape: &Shape, database: Database) -> (Run, Publishes) {
        let (url, before) = self.organisation(shape, database).await;
        let slack = FakeSlack::start().await;
        let address = free_address();
        let mut command = tokio::process::Command::new(&self.coachbot);
        command
            .arg("serve")
            .env_remove("RUST_LOG")
            .env_remove("SLACK_APP_TOKEN")
            .env("SLACK_BOT_TOKEN", "xoxb-bench")
            .env("SLACK_SIGNING_SECRET", wrk::SECRET)
            .env("SLACK_API_URL", &slack.api_url)
            .env("DATABASE_URL", &url)
            .env("COACHBOT_LISTEN", &address)
            .env("COACHBOT_METRICS_LISTEN", "127.0.0.1:0");
        for job in JOBS {
            command.env(format!("COACHBOT__JOBS__{job}"), NO_JOB);
        }
        let log = self
            .dir
            .join(format!("{}-coachbot-{}.log", shape.name, database.name()));
        let server = Server::start(command, address, &log).await;
        let (measured, peak_mib, cpu_seconds) =
            self.load(shape, &server, &slack.response_url).await;
        server.stop().await;
        let after = shapes::entries(&url).await;
        let calls = slack.calls.lock().expect("the fake Slack's calls");
        eprintln!("{}: Slack calls {:?}", shape.name, calls.by_method);
        let run = Run {
            measured,
            peak_mib,
            cpu_seconds,
            stored: after - before,
        };
        (run, calls.publishes())
    }
}

/// Prints one server's run, and says loudly when the rows stored are not
/// the logs answered (wrk stops with up to 32 requests in flight, which
/// may be stored unanswered) or an answer was not a stored log's.
fn checked(server: &str, shape: &Shape, run: &Run) -> bool {
    let answered = run.measured.answered_2xx() as i64;
    let in_flight = i64::from(wrk::CONNECTIONS);
    let m = &run.measured;
    eprintln!(
        "{server}, {}: {answered} logs answered in {:.1} s, {} stored; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        shape.name, m.seconds, run.stored, m.p50_ms, m.p99_ms, m.max_ms
    );
    let problems = [
        (run.stored < answered || run.stored > answered + in_flight).then(|| {
            format!(
                "{} logs answered with 2xx but {} stored",
                answered, run.stored
            )
        }),
        (m.non2xx > 0).then(|| format!("{} answers were not 2xx", m.non2xx)),
        (m.unexpected > 0)
            .then(|| format!("{} answers did not say {:?}", m.unexpected, wrk::LOGGED)),
        (m.socket_errors > 0).then(|| format!("{} socket errors or timeouts", m.socket_errors)),
        m.wrapped
            .then(|| "the requests ran out and some were sent twice".to_string()),
    ];
    let mut fine = true;
    for problem in problems.into_iter().flatten() {
        eprintln!("!!! {server}, {}: {problem}", shape.name);
        fine = false;
    }
    fine
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

fn cell(run: &Run) -> String {
    format!(
        "{:.0} logs/s, p99 {:.1} ms, {:.0} MiB, {:.0} µs CPU/log",
        run.measured.logs_per_second(),
        run.measured.p99_ms,
        run.peak_mib,
        cpu_micros_per_log(run)
    )
}

/// The server's CPU time per log answered: what the machine pays for a
/// log, which other work on it changes far less than throughput.
fn cpu_micros_per_log(run: &Run) -> f64 {
    1e6 * run.cpu_seconds / run.measured.answered_2xx().max(1) as f64
}

async fn harness() {
    let chosen: Vec<&Shape> = {
        let names: Vec<String> = std::env::args()
            .skip(1)
            .filter(|arg| !arg.starts_with("--"))
            .collect();
        for name in &names {
            if !SHAPES.iter().any(|shape| shape.name == name) {
                eprintln!("There is no shape {name:?}; pick from 500, long and home, for example `cargo bench --bench log_load -- 500 home`.");
                std::process::exit(2);
            }
        }
        SHAPES
            .iter()
            .filter(|shape| names.is_empty() || names.iter().any(|name| name == shape.name))
            .collect()
    };
    wrk::check_installed().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench-log-load");
    std::fs::create_dir_all(&dir).expect("the bench's folder");
    let bench = Bench {
        dir,
        seconds: std::env::var("BENCH_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(15),
        coachbot: std::env::var_os("BENCH_COACHBOT")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_coachbot"))),
        postgres: std::env::var("BENCH_POSTGRES_URL").ok(),
    };
    eprintln!("load average before: {}", load_average());
    let mut rows = Vec::new();
    let mut bare_runs = Vec::new();
    let mut all_fine = true;
    let databases: &[Database] = if bench.postgres.is_some() {
        &[Database::Sqlite, Database::Postgres]
    } else {
        &[Database::Sqlite]
    };
    for shape in chosen {
        let bare = bench.bare(shape).await;
        all_fine &= checked("bare server", shape, &bare);
        for &database in databases {
            let (coachbot, publishes) = bench.coachbot(shape, database).await;
            all_fine &= checked(
                &format!("coachbot on {}", database.name()),
                shape,
                &coachbot,
            );
            rows.push((shape, database, coachbot, publishes));
        }
        bare_runs.push((shape.name, bare));
    }
    println!();
    println!(
        "wrk -t1 -c{} -d{}s, distinct signed /coach logs; load average after: {}",
        wrk::CONNECTIONS,
        bench.seconds,
        load_average()
    );
    println!(
        "| shape | coachbot | bare server on SQLite | coachbot as % of bare | by CPU per log |"
    );
    println!("|---|---|---|---|---|");
    for (shape, database, coachbot, _) in &rows {
        let bare = &bare_runs
            .iter()
            .find(|(name, _)| *name == shape.name)
            .expect("each shape's bare run")
            .1;
        println!(
            "| {} | {} on {} | {} | {:.0}% | {:.0}% |",
            shape.title,
            cell(coachbot),
            database.name(),
            cell(bare),
            100.0 * coachbot.measured.logs_per_second() / bare.measured.logs_per_second(),
            100.0 * cpu_micros_per_log(bare) / cpu_micros_per_log(coachbot)
        );
    }
    for (shape, database, _, publishes) in rows.iter().filter(|row| row.0.home_tabs_open) {
        println!(
            "\n{} on {}: {} views.publish in {} s, at most {} in a minute, at most {} for one user",
            shape.title,
            database.name(),
            publishes.total,
            bench.seconds,
            publishes.peak_per_minute,
            publishes.most_for_one_user
        );
    }
    if !all_fine {
        eprintln!("!!! Some logs were not stored or not answered as they should be: see above.");
        std::process::exit(1);
    }
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("bare-server") => {
            let (Some(address), Some(database)) = (args.get(2), args.get(3)) else {
                eprintln!("usage: log_load bare-server ADDRESS DATABASE_FILE");
                std::process::exit(2);
            };
            runtime.block_on(bare::serve(
                address,
                Path::new(database),
                wrk::SECRET.to_string(),
            ))
        }
        _ => runtime.block_on(harness()),
    }
}
