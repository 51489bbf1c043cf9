//! How long each reminder job takes to decide on a large organisation,
//! whole process: `coachbot run-job JOB --dry-run --at DAY` against a
//! generated SQLite file, timed with its peak memory by `/usr/bin/time`.
//! Run with `cargo bench --bench jobs [-- MANAGERS]`; the number of
//! managers (default 10,000, each with 10 reps; or `BENCH_MANAGERS`) sizes
//! the organisation. Each rep has a session every
//! third day over eight weeks (18 each; a third of the reps are on
//! pace) and every other manager a weekly team meeting. The file is
//! generated once per size and kept under `target/`;
//! `BENCH_COACHBOT=path/to/coachbot` times another build on the same file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const REPS_PER_MANAGER: i64 = 10;
/// The run is for this day; the records cover it and the month before.
const AT: &str = "2026-11-25";
const FIRST_DAY: &str = "2026-10-01";
const DAYS: i64 = 56;
const JOBS: [&str; 4] = ["meeting-check", "coaching-pace", "digest", "team-digest"];
const RUNS: usize = 3;

fn setting(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The organisation, written straight into the migrated schema: every row
/// is what the log and team commands would have stored.
const GENERATE: &str = "
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM m WHERE i + 1 < :managers)
INSERT INTO managers (team_id, user_id, slack_tz, created_at, digest_channel)
SELECT 'T0BENCH', printf('U0M%06d', i),
       CASE i % 4 WHEN 0 THEN 'America/New_York' WHEN 1 THEN 'Europe/London'
                  WHEN 2 THEN 'Asia/Tokyo' ELSE 'America/Los_Angeles' END,
       '2026-09-01T00:00:00Z', printf('C0T%06d', i)
FROM m;
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i + 1 < :managers * :reps)
INSERT INTO memberships (team_id, manager_id, rep_id, joined_on)
SELECT 'T0BENCH', printf('U0M%06d', i / :reps), printf('U0R%07d', i), '2026-09-01' FROM r;
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < :managers * :reps * (:days / 3))
INSERT INTO log_lines (id, team_id, manager_id, logged_at)
SELECT i + 1, 'T0BENCH', printf('U0M%06d', i / (:reps * (:days / 3))), '2026-11-25T12:00:00Z' FROM s;
INSERT INTO logs (id, team_id, manager_id, kind, minutes, activity, note, held_on, logged_at, line_id)
SELECT id, team_id, manager_id, 'session',
       CASE ((id - 1) / (:days / 3)) % 3 WHEN 0 THEN 45 ELSE 15 END, 'pipeline', '',
       date(:first, '+' || (((id - 1) % (:days / 3)) * 3) || ' days'), logged_at, id
FROM log_lines;
INSERT INTO log_reps (log_id, rep_id, team_id, held_on, minutes, activity, confirmation)
SELECT id, printf('U0R%07d', (id - 1) / (:days / 3)), team_id, held_on, minutes, 'pipeline', 'none'
FROM logs;
WITH RECURSIVE w(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM w WHERE i + 1 < :managers * (:days / 7))
INSERT INTO log_lines (id, team_id, manager_id, logged_at)
SELECT :sessions + i + 1, 'T0BENCH', printf('U0M%06d', i / (:days / 7)), '2026-11-25T12:00:00Z' FROM w
WHERE (i / (:days / 7)) % 2 = 0;
INSERT INTO logs (id, team_id, manager_id, kind, minutes, topics, note, held_on, logged_at, line_id)
SELECT id, team_id, manager_id, 'meeting', 60, 'pipeline', '',
       date(:first, '+' || (((id - :sessions - 1) % (:days / 7)) * 7) || ' days'), logged_at, id
FROM log_lines WHERE id > :sessions;
UPDATE entry_ids SET last_handed_out = (SELECT MAX(id) FROM logs);
COMMIT;
";

fn generated(binary: &Path, managers: i64) -> PathBuf {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(format!("bench-jobs-{managers}.db"));
    if file.exists() {
        return file;
    }
    let partial = file.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let migrated = Command::new(binary)
        .arg("migrate")
        .env("DATABASE_URL", format!("sqlite://{}", partial.display()))
        .status()
        .expect("coachbot migrate ran");
    assert!(migrated.success(), "coachbot migrate failed");
    let sessions = managers * REPS_PER_MANAGER * (DAYS / 3);
    let script = GENERATE
        .replace(":managers", &managers.to_string())
        .replace(":reps", &REPS_PER_MANAGER.to_string())
        .replace(":days", &DAYS.to_string())
        .replace(":first", &format!("'{FIRST_DAY}'"))
        .replace(":sessions", &sessions.to_string());
    let started = Instant::now();
    let output = Command::new("sqlite3")
        .arg(&partial)
        .arg(script)
        .output()
        .expect("the sqlite3 command line tool (Debian's package sqlite3) ran");
    assert!(
        output.status.success(),
        "generating failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::rename(&partial, &file).expect("generated file kept");
    eprintln!(
        "generated {managers} managers, {} reps, {} sessions in {:.1} s",
        managers * REPS_PER_MANAGER,
        sessions,
        started.elapsed().as_secs_f64()
    );
    file
}

/// Seconds and peak resident KiB of one dry run, as `/usr/bin/time` saw it.
fn run(binary: &Path, database: &Path, job: &str) -> (f64, u64) {
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%e %M"])
        .arg(binary)
        .args(["run-job", job, "--dry-run", "--at", AT])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .env("COACHBOT__DIGEST__CHANNEL", "C0LEADERS")
        .env("RUST_LOG", "warn")
        .output()
        .expect("/usr/bin/time ran");
    assert!(
        output.status.success(),
        "{job} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let mut fields = last.split_whitespace();
    let seconds = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let kib = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let lines = String::from_utf8_lossy(&output.stdout).lines().count();
    eprintln!("  {job}: {seconds:.2} s, {} MiB, {lines} lines", kib / 1024);
    (seconds, kib)
}

fn main() {
    // `BENCH_COACHBOT` measures another build, such as one from before a change.
    let binary = std::env::var_os("BENCH_COACHBOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_coachbot")));
    let binary = binary.as_path();
    // `cargo bench --bench jobs -- 1000` sizes it by argument, as does
    // `BENCH_MANAGERS`; cargo's own `--bench` flag is skipped.
    let managers = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or_else(|| setting("BENCH_MANAGERS", 10_000));
    let database = generated(binary, managers);
    println!("| job | best of {RUNS} | peak memory |");
    println!("|---|---|---|");
    for job in JOBS {
        let runs: Vec<(f64, u64)> = (0..RUNS).map(|_| run(binary, &database, job)).collect();
        let best = runs.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
        let memory = runs.iter().map(|r| r.1).max().unwrap_or(0);
        println!("| {job} | {best:.2} s | {} MiB |", memory / 1024);
    }
}
