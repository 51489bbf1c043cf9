//! Lines as managers type them in a first month, through the real app: each is stored as
//! exactly what it says or refused with nothing stored.

use crate::helpers::*;

/// Ana joins on 1 November; the clock then goes back to Friday 27 November.
async fn with_ana(app: &TestApp) {
    let now = app.clock.now();
    app.clock
        .set("2026-11-01T09:00:00Z".parse().expect("instant"));
    app.coach("team add <@U0ANA|ana>").await;
    app.clock.set(now);
}

async fn stored(app: &TestApp) -> Vec<(i64, String, String)> {
    app.db()
        .await
        .rows(
            "SELECT minutes, CAST(held_on AS TEXT), note FROM logs ORDER BY id",
            &[],
        )
        .await
}

#[tokio::test]
async fn a_signed_or_ranged_length_stores_nothing_and_says_why() {
    let app = spawn_app().await;
    with_ana(&app).await;
    for (typed, said) in [
        (
            "-30m <@U0ANA|ana> pipeline review",
            "“-30m” has a plus or minus sign",
        ),
        (
            "1h- <@U0ANA|ana> pipeline review",
            "“1h-” has a plus or minus sign",
        ),
        ("30-45m <@U0ANA|ana> pipeline review", "“30-45m” is a range"),
    ] {
        let answer = app.coach(typed).await;
        assert!(answer.text().contains(said), "{typed}: {}", answer.text());
    }
    assert_eq!(stored(&app).await, vec![]);
}

#[tokio::test]
async fn a_day_typed_after_the_note_is_stored_as_the_day_not_the_note() {
    let app = spawn_app().await;
    with_ana(&app).await;
    for typed in ["Nov 20", "20 Nov", "November 20th", "the 20th", "11/20"] {
        let answer = app
            .coach(&format!("45m <@U0ANA|ana> pipeline review {typed}"))
            .await;
        assert!(
            answer.text().contains("on Fri 20 Nov"),
            "{typed}: {}",
            answer.text()
        );
    }
    let day = (45, "2026-11-20".to_string(), "pipeline review".to_string());
    assert_eq!(stored(&app).await, vec![day; 5]);
}

#[tokio::test]
async fn a_day_that_names_no_day_or_reads_two_ways_stores_nothing() {
    let app = spawn_app().await;
    with_ana(&app).await;
    let answer = app
        .coach("45m <@U0ANA|ana> pipeline review last week")
        .await;
    assert!(
        answer.text().contains("“last week” doesn't say which day"),
        "{}",
        answer.text()
    );
    let answer = app.coach("45m <@U0ANA|ana> pipeline review 11/5").await;
    assert!(
        answer
            .text()
            .contains("“11/5” could be Thu 5 Nov or Mon 11 May"),
        "{}",
        answer.text()
    );
    assert_eq!(stored(&app).await, vec![]);
}
