//! What an operator's load balancer and scraper see: `/healthz` (alive),
//! `/readyz` (ready for traffic) on the public listener, each 503 with its
//! reason in the body, and `/metrics` on a listener of its own. Metric
//! values are asserted on the real binary (`binary.rs`), a process of its
//! own: the apps of this process share one recorder.

use std::time::Duration;

use crate::helpers::*;

async fn status_and_body(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn alive_and_ready_when_the_database_answers_and_the_writer_can_commit() {
    let app = spawn_app().await;
    assert_eq!(
        status_and_body(app.get("/healthz").await).await,
        (200, "ok".into())
    );
    assert_eq!(
        status_and_body(app.get("/readyz").await).await,
        (200, "ready".into())
    );
}

#[tokio::test]
async fn neither_alive_nor_ready_while_the_writer_cannot_commit() {
    let app = spawn_app().await;
    // About SQLite's single writer: PostgreSQL has no database-wide write
    // lock to hold.
    if app.on_postgres() {
        return;
    }
    // Another connection holds the write lock: reads still work (WAL), so
    // a check that only reads would answer 200.
    let pool = sqlx::SqlitePool::connect(&app.database_url)
        .await
        .expect("the app's SQLite file");
    let mut holder = pool.acquire().await.expect("connection");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *holder)
        .await
        .expect("write lock");

    for path in ["/healthz", "/readyz"] {
        let (status, body) = status_and_body(app.get(path).await).await;
        assert_eq!(status, 503, "{path}: {body}");
        assert!(
            body.starts_with("the database writer cannot commit: "),
            "{path}: {body}"
        );
        assert!(body.contains("locked"), "{path}: {body}");
    }

    sqlx::query("ROLLBACK")
        .execute(&mut *holder)
        .await
        .expect("released");
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    // The probe put the writer's own wait back: a log still commits.
    app.coach("team add <@U0ANA|ana>").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM memberships").await, 1);
}

#[tokio::test]
async fn not_ready_once_the_scheduler_has_not_ticked_for_three_intervals() {
    let every = Duration::from_secs(60);
    let mut app = spawn_app_with_scheduler(every).await;
    app.ticks
        .wait_for(|ticks| *ticks >= 1)
        .await
        .expect("the first tick");
    assert_eq!(app.get("/readyz").await.status().as_u16(), 200);

    app.clock
        .set(friday_morning() + chrono::Duration::seconds(3 * 60));
    assert_eq!(app.get("/readyz").await.status().as_u16(), 200);
    app.clock
        .set(friday_morning() + chrono::Duration::seconds(3 * 60 + 1));

    let (status, body) = status_and_body(app.get("/readyz").await).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body,
        "the scheduler has not ticked for 181s (it ticks every 60s)"
    );
    // Alive all the same: restarting would not make it tick.
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);

    assert_eq!(app.get("/metrics").await.status().as_u16(), 404);
    let scraped = app
        .http
        .get(format!("{}/metrics", app.metrics_address))
        .send()
        .await
        .expect("scraped");
    assert_eq!(scraped.status().as_u16(), 200);
    let text = scraped.text().await.expect("text");
    assert!(
        text.contains(r#"coachbot_requests_total{route="/healthz",outcome="ok"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"coachbot_requests_total{route="other",outcome="not_found"}"#),
        "{text}"
    );
    assert!(
        text.contains("# TYPE coachbot_requests_total counter"),
        "{text}"
    );
    // Only `/metrics` there: Slack's routes are not on it.
    let slack_route = app
        .http
        .post(format!("{}/slack/commands", app.metrics_address))
        .send()
        .await
        .expect("sent");
    assert_eq!(slack_route.status().as_u16(), 404);
}
