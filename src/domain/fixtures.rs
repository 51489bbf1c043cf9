//! Test fixtures shared by the domain's unit tests: days, months and users
//! written the short way.

use chrono::NaiveDate;

use super::records::Membership;
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

/// A stint on `manager`'s team: `stint("U0BOSS", "U0ANA", "2026-11-01", None)`.
pub fn stint(manager: &str, rep: &str, joined: &str, left: Option<&str>) -> Membership {
    Membership {
        manager: user(manager),
        rep: user(rep),
        joined_on: day(joined),
        left_on: left.map(day),
    }
}
