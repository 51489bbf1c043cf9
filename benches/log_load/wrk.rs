//! The load: distinct signed `/coach` logs, written to a file before the
//! run, which a wrk script sends once each, in order, over 32 connections.

use std::io::Write;
use std::path::Path;

use coachbot::slack::verify::sign;
use secrecy::SecretString;

use crate::shapes::{manager_id, rep_id, Shape, WORKSPACE};

pub const SECRET: &str = "bench-signing-secret";
/// Requests written per second of the run: above what either server
/// answers on two cores (about 12,000/s at best), so that none is sent
/// twice in a run.
const REQUESTS_PER_SECOND: u64 = 16_000;
/// wrk's connections: requests in flight at once.
pub const CONNECTIONS: u32 = 32;
/// What every answer to a stored log says.
pub const LOGGED: &str = "Logged";

/// Sends each line of the file once (`SIGNATURE BODY`), all signed at the
/// timestamp given, and counts the answers that are not 2xx or do not say
/// the marker; `done` prints one line for the harness to read.
const SCRIPT: &str = r#"
local signatures, bodies = {}, {}
local next_request = 1
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local marker
responses, non2xx, unexpected, wrapped = 0, 0, 0, 0

function init(args)
  for line in io.lines(args[1]) do
    local space = line:find(" ", 1, true)
    signatures[#signatures + 1] = line:sub(1, space - 1)
    bodies[#bodies + 1] = line:sub(space + 1)
  end
  headers["X-Slack-Request-Timestamp"] = args[2]
  marker = args[3]
end

function request()
  local i = next_request
  next_request = i + 1
  if next_request > #bodies then
    next_request, wrapped = 1, 1
  end
  headers["X-Slack-Signature"] = signatures[i]
  return wrk.format("POST", nil, headers, bodies[i])
end

function response(status, _, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif not body:find(marker, 1, true) then
    unexpected = unexpected + 1
  end
end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency)
  local counted = { responses = 0, non2xx = 0, unexpected = 0, wrapped = 0 }
  for _, thread in ipairs(threads) do
    for name, total in pairs(counted) do
      counted[name] = total + thread:get(name)
    end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH responses=%d seconds=%.3f non2xx=%d unexpected=%d wrapped=%d socket_errors=%d p50_us=%d p99_us=%d max_us=%d\n",
    counted.responses, summary.duration / 1e6, counted.non2xx, counted.unexpected, counted.wrapped,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"#;

/// What wrk measured in one run.
pub struct Measured {
    pub responses: u64,
    pub seconds: f64,
    pub non2xx: u64,
    /// 2xx answers that do not say a log was stored.
    pub unexpected: u64,
    /// The file ran out and requests were sent again.
    pub wrapped: bool,
    pub socket_errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Measured {
    pub fn answered_2xx(&self) -> u64 {
        self.responses - self.non2xx
    }

    pub fn logs_per_second(&self) -> f64 {
        self.answered_2xx() as f64 / self.seconds
    }
}

/// Stops the bench with how to install wrk when it is missing.
pub async fn check_installed() {
    if tokio::process::Command::new("wrk")
        .arg("--version")
        .output()
        .await
        .is_err()
    {
        eprintln!(
            "wrk is not on PATH; install it with `apt-get install -y wrk` (Debian, Ubuntu) \
             or from https://github.com/wg/wrk, then run the bench again."
        );
        std::process::exit(2);
    }
}

/// A note no two requests share, of consonants only, so that it never
/// reads as a length, a date or a word the `/coach` language knows.
fn distinct_note(mut index: usize) -> String {
    const LETTERS: &[u8] = b"bcdfgjklnpqrstvxz";
    let mut word = String::from("ref ");
    loop {
        word.push(LETTERS[index % LETTERS.len()] as char);
        index /= LETTERS.len();
        if index == 0 {
            break word;
        }
    }
}

/// The `index`th log: a manager of `shape` logs a 1:1 with one of their
/// reps, today, of a length from 15 minutes to an hour.
fn body(shape: &Shape, index: usize, response_url: &str) -> String {
    let manager = index % shape.managers;
    let rep = manager * shape.reps_per_manager + (index / shape.managers) % shape.reps_per_manager;
    let text = format!(
        "{}m <@{}|rep> pipeline review {} deck",
        15 + 5 * (index % 10),
        rep_id(rep),
        distinct_note(index)
    );
    serde_urlencoded::to_string([
        ("token", "x"),
        ("team_id", WORKSPACE),
        ("team_domain", "bench"),
        ("channel_id", "C0BENCH"),
        ("channel_name", "bench"),
        ("user_id", &manager_id(manager)),
        ("user_name", "manager"),
        ("command", "/coach"),
        ("text", &text),
        ("api_app_id", "A0BENCH"),
        ("response_url", response_url),
        ("trigger_id", "1.2.3"),
    ])
    .expect("a form")
}

/// Writes enough distinct logs for a run of `seconds` to `file`, signed
/// at `timestamp`.
pub fn write_requests(
    file: &Path,
    shape: &Shape,
    seconds: u64,
    timestamp: i64,
    response_url: &str,
) {
    let secret = SecretString::from(SECRET);
    let mut out = std::io::BufWriter::new(std::fs::File::create(file).expect("the requests file"));
    for index in 0..(REQUESTS_PER_SECOND * seconds) as usize {
        let body = body(shape, index, response_url);
        let signature = sign(&secret, &timestamp.to_string(), body.as_bytes());
        writeln!(out, "{signature} {body}").expect("a request written");
    }
    out.flush().expect("the requests written");
}

/// Runs `wrk -t1 -c32 -dSECONDS --latency` against `url` with the requests
/// in `file`: one thread, as the issue measured.
pub async fn run(url: &str, script: &Path, file: &Path, timestamp: i64, seconds: u64) -> Measured {
    std::fs::write(script, SCRIPT).expect("the wrk script written");
    let output = tokio::process::Command::new("wrk")
        .args(["-t1", &format!("-c{CONNECTIONS}"), &format!("-d{seconds}s")])
        .args(["--latency", "-s"])
        .arg(script)
        .arg(url)
        .arg("--")
        .arg(file)
        .arg(timestamp.to_string())
        .arg(LOGGED)
        .output()
        .await
        .expect("wrk ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprint!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix("BENCH "))
        .expect("wrk's script printed its line");
    let field = |name: &str| -> f64 {
        line.split_whitespace()
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("wrk's line has {name}: {line}"))
    };
    Measured {
        responses: field("responses") as u64,
        seconds: field("seconds"),
        non2xx: field("non2xx") as u64,
        unexpected: field("unexpected") as u64,
        wrapped: field("wrapped") > 0.0,
        socket_errors: field("socket_errors") as u64,
        p50_ms: field("p50_us") / 1e3,
        p99_ms: field("p99_us") / 1e3,
        max_ms: field("max_us") / 1e3,
    }
}
