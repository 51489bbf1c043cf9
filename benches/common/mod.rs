//! What the benches that drive `/coach` over signed HTTP share.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SECRET: &str = "bench-signing-secret";

/// Slack's signature of `body` at `timestamp` with [`SECRET`].
pub fn sign(timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v0={hex}")
}

/// A `/coach` slash command from `user` in workspace `T0BENCH`.
pub fn body(user: &str, text: &str) -> String {
    serde_urlencoded::to_string([
        ("token", "x"),
        ("team_id", "T0BENCH"),
        ("team_domain", "bench"),
        ("channel_id", "C0BENCH"),
        ("channel_name", "bench"),
        ("user_id", user),
        ("user_name", "manager"),
        ("command", "/coach"),
        ("text", text),
        ("api_app_id", "A0BENCH"),
        ("response_url", "http://127.0.0.1:9/unused"),
        ("trigger_id", "1.2.3"),
    ])
    .expect("form")
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize)
        .saturating_sub(1)
        .min(sorted.len() - 1)]
}
