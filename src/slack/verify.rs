//! Slack request signing: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`
//! with the signing secret, and a timestamp within five minutes of now.
//! The clock is a parameter so the check can be tested at exact instants
//! (slack-morphism's own verifier always reads the real clock).

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const SIGNATURE_HEADER: &str = "x-slack-signature";
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// Slack's replay window.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 5 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the request carries no Slack signature or timestamp")]
    Missing,
    #[error("the request timestamp is not a number")]
    MalformedTimestamp,
    #[error("the request timestamp is more than five minutes off")]
    Stale,
    #[error("the request signature does not match")]
    BadSignature,
}

/// Checks the timestamp alone: cheap, and done before the body is read.
pub fn check_timestamp(timestamp: &str, now_unix: i64) -> Result<i64, VerifyError> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::MalformedTimestamp)?;
    if now_unix.abs_diff(ts) > MAX_CLOCK_SKEW_SECONDS as u64 {
        return Err(VerifyError::Stale);
    }
    Ok(ts)
}

/// The full check of a request Slack says it signed.
pub fn verify(
    secret: &SecretString,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now_unix: i64,
) -> Result<(), VerifyError> {
    check_timestamp(timestamp, now_unix)?;
    let expected = sign(secret, timestamp, body);
    if expected
        .as_bytes()
        .ct_eq(signature.trim().as_bytes())
        .into()
    {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

/// The signature Slack would send for this body at this timestamp.
pub fn sign(secret: &SecretString, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(3 + digest.len() * 2);
    out.push_str("v0=");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Slack's published example.
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn secret() -> SecretString {
        SecretString::from(SECRET.to_string())
    }

    #[test]
    fn slacks_published_example_verifies_at_its_own_timestamp() {
        assert_eq!(
            verify(&secret(), TIMESTAMP, SIGNATURE, BODY.as_bytes(), 1531420618),
            Ok(())
        );
    }

    #[test]
    fn slacks_published_example_verifies_within_five_minutes_either_way() {
        for now in [1531420618 - 300, 1531420618 + 300] {
            assert_eq!(
                verify(&secret(), TIMESTAMP, SIGNATURE, BODY.as_bytes(), now),
                Ok(())
            );
        }
    }

    #[test]
    fn slacks_published_example_fails_at_any_other_time() {
        for now in [1531420618 - 301, 1531420618 + 301, 0, 1_800_000_000] {
            assert_eq!(
                verify(&secret(), TIMESTAMP, SIGNATURE, BODY.as_bytes(), now),
                Err(VerifyError::Stale),
                "at {now}"
            );
        }
    }

    #[test]
    fn a_changed_body_secret_or_signature_fails() {
        let now = 1531420618;
        let tampered = BODY.replace("roadrunner", "coyote");
        assert_eq!(
            verify(&secret(), TIMESTAMP, SIGNATURE, tampered.as_bytes(), now),
            Err(VerifyError::BadSignature)
        );
        let other = SecretString::from("another-secret".to_string());
        assert_eq!(
            verify(&other, TIMESTAMP, SIGNATURE, BODY.as_bytes(), now),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify(&secret(), TIMESTAMP, "v0=00", BODY.as_bytes(), now),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify(&secret(), TIMESTAMP, "", BODY.as_bytes(), now),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn a_timestamp_that_is_not_a_number_fails() {
        assert_eq!(
            verify(
                &secret(),
                "yesterday",
                SIGNATURE,
                BODY.as_bytes(),
                1531420618
            ),
            Err(VerifyError::MalformedTimestamp)
        );
        assert_eq!(
            check_timestamp("1531420618.5", 1531420618),
            Err(VerifyError::MalformedTimestamp)
        );
    }

    #[test]
    fn signing_reproduces_slacks_signature() {
        assert_eq!(sign(&secret(), TIMESTAMP, BODY.as_bytes()), SIGNATURE);
    }
}
