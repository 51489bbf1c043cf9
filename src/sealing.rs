//! Bot tokens sealed at rest: a workspace's token is stored only as
//! ChaCha20-Poly1305 ciphertext under `COACHBOT_TOKEN_KEY`, with the
//! workspace ID as associated data, so a database (or a backup of it)
//! without the key holds no usable token, and a token copied onto another
//! workspace's row does not open. `COACHBOT_TOKEN_KEY_PREVIOUS` opens what
//! the key before a rotation sealed, until it is sealed again.
//!
//! Pure: no I/O but the operating system's random numbers for each nonce.

use std::fmt;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use secrecy::{ExposeSecret, SecretString};

use crate::domain::WorkspaceId;

/// How an admin makes a key; every key error ends with it.
pub const HOW_TO_MAKE_A_KEY: &str =
    "make one with: openssl rand -base64 32 (and keep it: stored tokens open only with it)";

/// The bytes of a nonce, stored in front of the ciphertext.
const NONCE_BYTES: usize = 12;
/// The bytes of Poly1305's tag, at the end of the ciphertext.
const TAG_BYTES: usize = 16;

/// 32 bytes from the operating system's random source, URL-safe base64:
/// a value no one can guess (an install link's state).
pub fn unguessable() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// One 256-bit key. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct TokenKey {
    cipher: ChaCha20Poly1305,
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey([redacted])")
    }
}

impl TokenKey {
    /// A key from the environment variable `name`: 32 bytes in base64.
    pub fn parse(name: &'static str, raw: &SecretString) -> Result<Self, KeyError> {
        let bytes = STANDARD
            .decode(raw.expose_secret().trim())
            .map_err(|_| KeyError::NotBase64 { name })?;
        let bytes: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::WrongLength {
                name,
                bytes: bytes.len(),
            })?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self {
            cipher: ChaCha20Poly1305::new(&bytes.into()),
        }
    }

    fn open(&self, workspace: &WorkspaceId, nonce: &[u8], sealed: &[u8]) -> Option<SecretString> {
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: workspace.as_str().as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain).ok().map(SecretString::from)
    }
}

/// The key tokens are sealed with, and the one before it during a
/// rotation.
#[derive(Debug, Clone)]
pub struct TokenKeys {
    current: TokenKey,
    previous: Option<TokenKey>,
}

/// A bot token as stored: base64 of the nonce and the ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedToken(String);

impl SealedToken {
    /// What the store read back; checked only when opened.
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A token opened, and whether the previous key was needed for it (then
/// it is due to be sealed again under the current one).
#[derive(Debug)]
pub struct Opened {
    pub token: SecretString,
    pub by_previous_key: bool,
}

impl TokenKeys {
    pub fn new(current: TokenKey, previous: Option<TokenKey>) -> Self {
        Self { current, previous }
    }

    /// Seals `token` for `workspace` under the current key, with a fresh
    /// random nonce each time.
    pub fn seal(&self, workspace: &WorkspaceId, token: &SecretString) -> SealedToken {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: token.expose_secret().as_bytes(),
                    aad: workspace.as_str().as_bytes(),
                },
            )
            .expect("ChaCha20-Poly1305 seals any message under 256 GiB");
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&ciphertext);
        SealedToken(STANDARD.encode(stored))
    }

    /// Opens a token stored for `workspace`, with the current key or else
    /// the previous one.
    pub fn open(&self, workspace: &WorkspaceId, sealed: &SealedToken) -> Result<Opened, OpenError> {
        let bytes = STANDARD
            .decode(sealed.as_str())
            .ok()
            .filter(|bytes| bytes.len() > NONCE_BYTES + TAG_BYTES)
            .ok_or_else(|| OpenError::Malformed {
                workspace: workspace.clone(),
            })?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        if let Some(token) = self.current.open(workspace, nonce, ciphertext) {
            return Ok(Opened {
                token,
                by_previous_key: false,
            });
        }
        self.previous
            .as_ref()
            .and_then(|previous| previous.open(workspace, nonce, ciphertext))
            .map(|token| Opened {
                token,
                by_previous_key: true,
            })
            .ok_or_else(|| OpenError::Refused {
                workspace: workspace.clone(),
            })
    }

    /// The token sealed again under the current key when only the previous
    /// key opens it; `None` when it is already under the current key.
    pub fn reseal(
        &self,
        workspace: &WorkspaceId,
        sealed: &SealedToken,
    ) -> Result<Option<SealedToken>, OpenError> {
        let opened = self.open(workspace, sealed)?;
        Ok(opened
            .by_previous_key
            .then(|| self.seal(workspace, &opened.token)))
    }
}

/// A key in the environment that is not one. Never carries the value.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{name} is not base64: a key is 32 random bytes in base64; {HOW_TO_MAKE_A_KEY}")]
    NotBase64 { name: &'static str },
    #[error(
        "{name} is {bytes} bytes, not 32: a key is 32 random bytes in base64; {HOW_TO_MAKE_A_KEY}"
    )]
    WrongLength { name: &'static str, bytes: usize },
}

/// A stored token that does not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the bot token stored for workspace {workspace} is not a sealed token; install coachbot in that workspace again")]
    Malformed { workspace: WorkspaceId },
    #[error("the bot token stored for workspace {workspace} does not open with COACHBOT_TOKEN_KEY or COACHBOT_TOKEN_KEY_PREVIOUS: it was sealed with another key or for another workspace, or changed since; set the key it was sealed with (for example COACHBOT_TOKEN_KEY_PREVIOUS=… after a rotation), or install coachbot in that workspace again")]
    Refused { workspace: WorkspaceId },
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(byte: u8) -> TokenKey {
        TokenKey::from_bytes([byte; 32])
    }

    fn workspace(id: &str) -> WorkspaceId {
        WorkspaceId::parse(id).expect("a workspace ID")
    }

    fn token(text: &str) -> SecretString {
        SecretString::from(text.to_string())
    }

    fn opened(keys: &TokenKeys, ws: &WorkspaceId, sealed: &SealedToken) -> String {
        keys.open(ws, sealed)
            .expect("opens")
            .token
            .expose_secret()
            .to_string()
    }

    #[test]
    fn a_sealed_token_opens_to_itself_and_is_not_stored_in_clear() {
        let keys = TokenKeys::new(key(1), None);
        let sealed = keys.seal(&workspace("T0ONE"), &token("xoxb-1-secret"));
        assert!(!sealed.as_str().contains("xoxb"));
        assert_eq!(opened(&keys, &workspace("T0ONE"), &sealed), "xoxb-1-secret");
    }

    #[test]
    fn each_seal_takes_a_fresh_nonce() {
        let keys = TokenKeys::new(key(1), None);
        let first = keys.seal(&workspace("T0ONE"), &token("xoxb-1"));
        let second = keys.seal(&workspace("T0ONE"), &token("xoxb-1"));
        assert_ne!(first, second);
    }

    #[test]
    fn a_wrong_key_does_not_open_it_and_says_so() {
        let sealed = TokenKeys::new(key(1), None).seal(&workspace("T0ONE"), &token("xoxb-1"));
        let error = TokenKeys::new(key(2), None)
            .open(&workspace("T0ONE"), &sealed)
            .expect_err("another key");
        let text = error.to_string();
        assert!(
            text.starts_with(
                "the bot token stored for workspace T0ONE does not open with COACHBOT_TOKEN_KEY"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_token_moved_to_another_workspace_does_not_open() {
        let keys = TokenKeys::new(key(1), None);
        let sealed = keys.seal(&workspace("T0ONE"), &token("xoxb-1"));
        assert!(matches!(
            keys.open(&workspace("T0TWO"), &sealed),
            Err(OpenError::Refused { .. })
        ));
    }

    #[test]
    fn a_changed_ciphertext_does_not_open() {
        let keys = TokenKeys::new(key(1), None);
        let sealed = keys.seal(&workspace("T0ONE"), &token("xoxb-1"));
        let mut bytes = STANDARD.decode(sealed.as_str()).expect("base64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let changed = SealedToken::from_stored(STANDARD.encode(bytes));
        assert!(matches!(
            keys.open(&workspace("T0ONE"), &changed),
            Err(OpenError::Refused { .. })
        ));
        let cut = SealedToken::from_stored(sealed.as_str()[..8].to_string());
        let text = keys
            .open(&workspace("T0ONE"), &cut)
            .expect_err("too short")
            .to_string();
        assert_eq!(text, "the bot token stored for workspace T0ONE is not a sealed token; install coachbot in that workspace again");
    }

    #[test]
    fn the_previous_key_opens_and_the_token_is_sealed_again_under_the_current() {
        let ws = workspace("T0ONE");
        let old = TokenKeys::new(key(1), None).seal(&ws, &token("xoxb-1"));
        let rotated = TokenKeys::new(key(2), Some(key(1)));
        let opened_old = rotated.open(&ws, &old).expect("the previous key opens it");
        assert!(opened_old.by_previous_key);
        let resealed = rotated
            .reseal(&ws, &old)
            .expect("opens")
            .expect("sealed again");
        let current_only = TokenKeys::new(key(2), None);
        assert_eq!(opened(&current_only, &ws, &resealed), "xoxb-1");
        assert_eq!(rotated.reseal(&ws, &resealed).expect("opens"), None);
    }

    #[test]
    fn a_key_is_32_bytes_of_base64_and_its_errors_say_how_to_make_one() {
        let good = SecretString::from(STANDARD.encode([7u8; 32]));
        assert!(TokenKey::parse("COACHBOT_TOKEN_KEY", &good).is_ok());
        let short = SecretString::from(STANDARD.encode([7u8; 16]));
        let text = TokenKey::parse("COACHBOT_TOKEN_KEY", &short)
            .expect_err("16 bytes")
            .to_string();
        assert!(
            text.starts_with("COACHBOT_TOKEN_KEY is 16 bytes, not 32")
                && text.contains("openssl rand -base64 32"),
            "{text}"
        );
        let garbage = SecretString::from("not a key!".to_string());
        let text = TokenKey::parse("COACHBOT_TOKEN_KEY_PREVIOUS", &garbage)
            .expect_err("not base64")
            .to_string();
        assert!(
            text.starts_with("COACHBOT_TOKEN_KEY_PREVIOUS is not base64")
                && !text.contains("not a key!"),
            "{text}"
        );
    }

    #[test]
    fn keys_never_show_in_debug() {
        let secret = STANDARD.encode([9u8; 32]);
        let keys = TokenKeys::new(
            TokenKey::parse("COACHBOT_TOKEN_KEY", &SecretString::from(secret.clone()))
                .expect("a key"),
            Some(key(3)),
        );
        let shown = format!("{keys:?}");
        assert!(
            !shown.contains(&secret) && shown.contains("redacted"),
            "{shown}"
        );
    }

    #[test]
    fn unguessable_values_differ_and_fit_in_a_link() {
        let (one, two) = (unguessable(), unguessable());
        assert_ne!(one, two);
        assert!(
            one.len() == 43
                && one
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    proptest! {
        #[test]
        fn any_token_opens_to_itself_and_only_for_its_workspace(
            text in "xoxb-[ -~]{0,80}",
            one in "T[A-Z0-9]{2,12}",
            other in "T[A-Z0-9]{2,12}",
            byte in any::<u8>(),
        ) {
            let keys = TokenKeys::new(key(byte), None);
            let ws = workspace(&one);
            let sealed = keys.seal(&ws, &token(&text));
            prop_assert_eq!(opened(&keys, &ws, &sealed), text);
            if one != other {
                prop_assert!(keys.open(&workspace(&other), &sealed).is_err());
            }
        }
    }
}
