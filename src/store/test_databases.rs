//! New, empty databases for tests: PostgreSQL ones on the server that
//! `COACHBOT_TEST_POSTGRES_URL` names (for example
//! `postgres://postgres@127.0.0.1:5432/postgres`; `.ci/run` starts one).

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use sqlx::{Connection, PgConnection};

pub const POSTGRES_VAR: &str = "COACHBOT_TEST_POSTGRES_URL";

/// The URL of a new database on the test server, created now; `None`,
/// said once per test binary, when no server is named.
pub async fn fresh_postgres() -> Option<String> {
    static SKIPPED: Once = Once::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let Ok(server) = std::env::var(POSTGRES_VAR) else {
        SKIPPED.call_once(|| {
            // Straight to stderr: the test harness captures `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "PostgreSQL skipped: set {POSTGRES_VAR} (see the README, \"Test it\") to run the store tests on it too"
            );
        });
        return None;
    };
    let name = format!(
        "coachbot_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        chrono::Utc::now().timestamp_micros()
    );
    let mut admin = PgConnection::connect(&server)
        .await
        .expect("the test PostgreSQL server answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("a test database is created");
    admin.close().await.ok();
    let mut url = url::Url::parse(&server).expect("a PostgreSQL URL");
    url.set_path(&name);
    Some(url.to_string())
}
