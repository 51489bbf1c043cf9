//! Input no one planned for: signed request bodies of any bytes (not
//! UTF-8, broken percent-escapes, cut anywhere, any length up to the limit
//! and past it) to each Slack route get a clear status, a 2xx with an
//! answer or a 4xx with a sentence, and never a 5xx or a dropped
//! connection (what a panic in a handler looks like from outside).

use coachbot::inbound::http::MAX_BODY_BYTES;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::helpers::*;

const ROUTES: [&str; 3] = ["/slack/commands", "/slack/interactions", "/slack/events"];

/// Pieces that break form and percent decoding where they land.
const NASTY: [&[u8]; 12] = [
    b"%",
    b"%%",
    b"%G1",
    b"%e2%82",
    b"%ff%fe%00",
    b"+",
    b"&&=&",
    b"=",
    b"payload=",
    b"\xc3\x28",
    b"\xf0\x9f\x92",
    b"\0",
];

/// What Slack sends to `route`, for the changes below to start from.
fn slacks_body(route: &str) -> Vec<u8> {
    match route {
        "/slack/commands" => command_body(
            BOSS,
            "45m <@U0ANA|ana> pipeline review",
            "http://127.0.0.1:1/unused",
        )
        .into_bytes(),
        "/slack/interactions" => serde_urlencoded::to_string([(
            "payload",
            payloads::press_on_bot_message(BOSS, "snooze_week", None, &serde_json::json!([]))
                .to_string(),
        )])
        .expect("form")
        .into_bytes(),
        _ => payloads::app_home_opened(BOSS, "Ev0FUZZ")
            .to_string()
            .into_bytes(),
    }
}

/// How a body is made.
#[derive(Debug, Clone)]
enum Body {
    /// Any bytes.
    Bytes(Vec<u8>),
    /// Slack's body with bytes put in at a point.
    Spliced(prop::sample::Index, Vec<u8>),
    /// Slack's body cut short at a point.
    Cut(prop::sample::Index),
    /// A slash command from a real workspace and user whose text is any
    /// bytes, percent-escaped or not: the `/coach` parser meets them.
    CommandText(Vec<u8>, bool),
    /// Larger than Slack ever sends.
    OverTheLimit(usize),
}

impl Body {
    fn bytes(&self, route: &str) -> Vec<u8> {
        match self {
            Body::Bytes(bytes) => bytes.clone(),
            Body::Spliced(at, piece) => {
                let mut body = slacks_body(route);
                let at = at.index(body.len() + 1);
                body.splice(at..at, piece.iter().copied());
                body
            }
            Body::Cut(at) => {
                let mut body = slacks_body(route);
                body.truncate(at.index(body.len() + 1));
                body
            }
            Body::CommandText(text, escaped) => {
                let text: Vec<u8> = if *escaped {
                    text.iter()
                        .flat_map(|b| format!("%{b:02X}").into_bytes())
                        .collect()
                } else {
                    text.clone()
                };
                let mut body = command_body(BOSS, "", "http://127.0.0.1:1/unused").into_bytes();
                let field = b"&text=&";
                let at = body
                    .windows(field.len())
                    .position(|w| w == field)
                    .expect("an empty text field")
                    + field.len()
                    - 1;
                body.splice(at..at, text);
                body
            }
            Body::OverTheLimit(extra) => vec![b'a'; MAX_BODY_BYTES + extra],
        }
    }
}

fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(NASTY.to_vec()).prop_map(<[u8]>::to_vec),
        prop::collection::vec(any::<u8>(), 1..64),
    ]
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..256).prop_map(Body::Bytes),
        1 => prop::collection::vec(any::<u8>(), 0..=MAX_BODY_BYTES).prop_map(Body::Bytes),
        3 => (any::<prop::sample::Index>(), piece()).prop_map(|(at, p)| Body::Spliced(at, p)),
        2 => any::<prop::sample::Index>().prop_map(Body::Cut),
        3 => (prop::collection::vec(any::<u8>(), 0..200), any::<bool>())
            .prop_map(|(text, escaped)| Body::CommandText(text, escaped)),
        1 => (1..4096usize).prop_map(Body::OverTheLimit),
    ]
}

/// Sends `body`, signed now, to `route` on a connection of its own (a
/// server may close one after refusing a body it did not read); what came
/// back, or why nothing did.
async fn send(app: &TestApp, route: &str, body: Vec<u8>) -> Result<(u16, String), String> {
    let ts = app.now_timestamp();
    let content_type = if route == "/slack/events" {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    };
    let response = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|error| error.to_string())?
        .post(format!("{}{route}", app.address))
        .header("content-type", content_type)
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", sign(SIGNING_SECRET, &ts, &body))
        .body(body)
        .send()
        .await
        .map_err(|error| format!("no answer (did a handler panic?): {error:?}"))?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|error| error.to_string())?;
    Ok((status, text))
}

#[test]
fn signed_bodies_of_any_bytes_get_a_clear_answer_never_a_5xx_or_a_panic() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let app = runtime.block_on(async {
        let slack = fake_slack().await;
        mount_default_slack(&slack).await;
        let app = spawn_app_with(slack, friday_morning(), &[]).await;
        app.coach("team add <@U0ANA|ana>").await;
        app
    });
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    });
    let cases = (prop::sample::select(ROUTES.to_vec()), body());
    let outcome = runner.run(&cases, |(route, body)| {
        let bytes = body.bytes(route);
        let length = bytes.len();
        let (status, text) = runtime
            .block_on(send(&app, route, bytes))
            .map_err(TestCaseError::fail)?;
        let clear = match status {
            200..=299 if route == "/slack/commands" => {
                let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                !answer["text"].as_str().unwrap_or_default().is_empty()
            }
            // Interactions and events are acknowledged as Slack expects:
            // an empty 200, or what a form needs.
            200..=299 => true,
            413 => length > MAX_BODY_BYTES,
            400..=499 => !text.trim().is_empty(),
            _ => false,
        };
        prop_assert!(
            clear,
            "{route}, {length} bytes: {status} {text:?}\n{:?}",
            String::from_utf8_lossy(&body.bytes(route)[..length.min(400)])
        );
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    runtime.block_on(async {
        assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    });
}

#[tokio::test]
async fn an_interaction_whose_payload_is_not_json_is_refused_and_one_coachbot_cannot_read_is_acknowledged(
) {
    let app = spawn_app().await;
    for (payload, status, said) in [
        ("payload=%7B%22type%22%3A", 400, "not a Slack interaction"),
        ("payload=hello", 400, "not a Slack interaction"),
        ("payload=%7B%22type%22%3A%22no_such_kind%22%7D", 200, ""),
    ] {
        let (answered, text) = send(&app, "/slack/interactions", payload.into())
            .await
            .expect("answered");
        assert_eq!((answered, text.as_str()), (status, said), "{payload}");
    }
}
