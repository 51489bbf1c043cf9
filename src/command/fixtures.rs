//! Test fixtures shared by the parser's unit tests: a fixed Friday and a
//! few reps as Slack sends their mentions.

use chrono::NaiveDate;

use crate::domain::{Minutes, Note, SlackUserId};

pub const DANA: &str = "<@U0DANA001|dana>";
pub const SAM: &str = "<@U0SAM0002|sam>";
pub const LEE: &str = "<@W0LEE0003>";

/// Friday 27 November 2026.
pub fn today() -> NaiveDate {
    date(2026, 11, 27)
}

pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid test date")
}

pub fn dana() -> SlackUserId {
    SlackUserId::parse("U0DANA001").expect("valid id")
}

pub fn sam() -> SlackUserId {
    SlackUserId::parse("U0SAM0002").expect("valid id")
}

pub fn lee() -> SlackUserId {
    SlackUserId::parse("W0LEE0003").expect("valid id")
}

pub fn minutes(count: u32) -> Minutes {
    Minutes::new(count).expect("valid minutes")
}

pub fn note(text: &str) -> Note {
    Note::parse(text).expect("valid note")
}
