//! Which database the tests' apps keep their records in: a SQLite file in
//! the test's folder, or, with `COACHBOT_TEST_APP_DATABASE=postgres`, a new
//! database on the PostgreSQL server `COACHBOT_TEST_POSTGRES_URL` names.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Connection, PgConnection};

pub const POSTGRES_VAR: &str = "COACHBOT_TEST_POSTGRES_URL";
pub const APP_DATABASE_VAR: &str = "COACHBOT_TEST_APP_DATABASE";

/// The `DATABASE_URL` of the app started in `dir`: the same on a restart.
pub async fn app_database_url(dir: &Path, sqlite_file: &Path) -> String {
    let kept = dir.join("postgres-url");
    if let Ok(url) = std::fs::read_to_string(&kept) {
        return url;
    }
    if std::env::var(APP_DATABASE_VAR).as_deref() != Ok("postgres") {
        return format!("sqlite://{}", sqlite_file.display());
    }
    let url = fresh_postgres()
        .await
        .unwrap_or_else(|| panic!("{APP_DATABASE_VAR}=postgres needs {POSTGRES_VAR}"));
    std::fs::write(&kept, &url).expect("the database URL is kept beside the test");
    url
}

/// The URL of a new database on the test server, created now; `None` when
/// no server is named.
pub async fn fresh_postgres() -> Option<String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let server = std::env::var(POSTGRES_VAR).ok()?;
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
