//! Test fixtures shared by the domain's unit tests: days, months and users
//! written the short way.

use chrono::NaiveDate;

use super::types::{SlackUserId, YearMonth};

/// `day("2026-11-27")`.
pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

pub fn month(year: i32, month: u32) -> YearMonth {
    YearMonth::new(year, month).expect("test month")
}

pub fn user(id: &str) -> SlackUserId {
    SlackUserId::parse(id).expect("test id")
}
