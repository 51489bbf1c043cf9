//! A publish budget's slots as stored, the same on both databases: a JSON
//! array of RFC 3339 instants to the millisecond (publishes are a fraction
//! of a second apart).

use chrono::{DateTime, SecondsFormat, Utc};

use super::StoreError;

pub(super) fn slots_text(slots: &[DateTime<Utc>]) -> String {
    let texts: Vec<String> = slots
        .iter()
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
        .collect();
    serde_json::Value::from(texts).to_string()
}

pub(super) fn parse_slots(raw: &str) -> Result<Vec<DateTime<Utc>>, StoreError> {
    let texts: Vec<String> = serde_json::from_str(raw)
        .map_err(|_| StoreError::Corrupt(format!("publish slots {raw:?}")))?;
    texts
        .iter()
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|at| at.with_timezone(&Utc))
                .map_err(|_| StoreError::Corrupt(format!("publish slot {text:?}")))
        })
        .collect()
}
