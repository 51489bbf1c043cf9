//! Values parsed once at the edge (Slack payloads, `/coach` text, the
//! database) so that the rest of the crate never handles raw strings.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// A Slack workspace ID (`T…`). Every record carries one, so that serving
/// several workspaces later needs no change to the records (a deployment
/// serves one today, with one bot token).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkspaceId(String);

impl WorkspaceId {
    pub fn parse(raw: &str) -> Result<Self, InvalidId> {
        parse_id(raw, &['T', 'E']).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Enterprise Grid organisation ID (`E…`), which a workspace that
/// installed coachbot may belong to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnterpriseId(String);

impl EnterpriseId {
    pub fn parse(raw: &str) -> Result<Self, InvalidId> {
        parse_id(raw, &['E']).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Slack user ID: `U…`, or `W…` on Enterprise Grid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlackUserId(String);

impl SlackUserId {
    pub fn parse(raw: &str) -> Result<Self, InvalidId> {
        parse_id(raw, &['U', 'W']).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form Slack renders as a clickable name.
    pub fn mention(&self) -> String {
        format!("<@{}>", self.0)
    }
}

impl fmt::Display for SlackUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Slack channel ID (`C…` public, `G…` private, `D…` direct message).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SlackChannelId(String);

impl SlackChannelId {
    pub fn parse(raw: &str) -> Result<Self, InvalidId> {
        parse_id(raw, &['C', 'G', 'D']).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `<#C123>`, which Slack shows as the channel's name.
    pub fn mention(&self) -> String {
        format!("<#{}>", self.0)
    }
}

impl fmt::Display for SlackChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Slack ID")]
pub struct InvalidId(pub String);

fn parse_id(raw: &str, prefixes: &[char]) -> Result<String, InvalidId> {
    let upper = raw.trim().to_ascii_uppercase();
    let mut chars = upper.chars();
    let valid = matches!(chars.next(), Some(c) if prefixes.contains(&c))
        && (3..=24).contains(&upper.len())
        && chars.all(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(upper)
    } else {
        Err(InvalidId(raw.to_string()))
    }
}

/// The length of one coaching session or meeting: [`Minutes::MIN`] to
/// [`Minutes::MAX`] (1 minute to 8 hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Minutes(u16);

impl Minutes {
    pub const MIN: u32 = 1;
    pub const MAX: u32 = 8 * 60;

    pub fn new(minutes: u32) -> Result<Self, MinutesOutOfRange> {
        if (Self::MIN..=Self::MAX).contains(&minutes) {
            Ok(Self(minutes as u16))
        } else {
            Err(MinutesOutOfRange(minutes))
        }
    }

    pub fn get(self) -> u32 {
        u32::from(self.0)
    }
}

impl fmt::Display for Minutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_minutes(i64::from(self.0)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} minutes is outside 1 minute to 8 hours")]
pub struct MinutesOutOfRange(pub u32);

/// `45m`, `1h`, `1h 30m`: how people write durations back.
pub fn format_minutes(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

/// The study's monthly coaching per rep, in minutes ("about three hours"),
/// which messages cite before giving the manager's own target.
pub const STUDY_MINUTES: u32 = 180;

/// How far back an entry may be dated: about two months, room to catch up
/// after a break. A join day, which only sets pace, has no such limit.
pub const OLDEST_DAYS_BACK: i64 = 62;

/// A day as every answer shows it: `Fri 27 Nov`, with the year when it is
/// not the year of `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShownDay {
    pub day: NaiveDate,
    pub today: NaiveDate,
}

impl ShownDay {
    pub fn new(day: NaiveDate, today: NaiveDate) -> Self {
        Self { day, today }
    }
}

impl fmt::Display for ShownDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.day.year() == self.today.year() {
            write!(f, "{}", self.day.format("%a %-d %b"))
        } else {
            write!(f, "{}", self.day.format("%a %-d %b %Y"))
        }
    }
}

/// `1 rep`, `2 reps`.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The article's four kinds of one-on-one coaching, plus `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Activity {
    Observation,
    Pipeline,
    Deal,
    Skill,
    Other,
}

impl Activity {
    pub const ALL: [Activity; 5] = [
        Activity::Observation,
        Activity::Pipeline,
        Activity::Deal,
        Activity::Skill,
        Activity::Other,
    ];

    /// The stored code, stable across releases.
    pub fn code(self) -> &'static str {
        match self {
            Activity::Observation => "observation",
            Activity::Pipeline => "pipeline",
            Activity::Deal => "deal",
            Activity::Skill => "skill",
            Activity::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// What a manager reads.
    pub fn label(self) -> &'static str {
        match self {
            Activity::Observation => "observing in the field",
            Activity::Pipeline => "pipeline review",
            Activity::Deal => "help with a deal",
            Activity::Skill => "learning a skill",
            Activity::Other => "other coaching",
        }
    }
}

/// The sales-meeting agenda from the article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    StuckDeals,
    PipelineCadence,
    NewProducts,
    CompanyAnnouncements,
    MarketChanges,
    CustomerWinsLosses,
}

impl Topic {
    pub const ALL: [Topic; 6] = [
        Topic::StuckDeals,
        Topic::PipelineCadence,
        Topic::NewProducts,
        Topic::CompanyAnnouncements,
        Topic::MarketChanges,
        Topic::CustomerWinsLosses,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Topic::StuckDeals => "stuck_deals",
            Topic::PipelineCadence => "pipeline_cadence",
            Topic::NewProducts => "new_products",
            Topic::CompanyAnnouncements => "company_announcements",
            Topic::MarketChanges => "market_changes",
            Topic::CustomerWinsLosses => "customer_wins_losses",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Topic::StuckDeals => "stuck deals",
            Topic::PipelineCadence => "pipeline cadence",
            Topic::NewProducts => "new products",
            Topic::CompanyAnnouncements => "company announcements",
            Topic::MarketChanges => "market changes",
            Topic::CustomerWinsLosses => "customer wins or losses",
        }
    }
}

/// A calendar month, as in `report 2026-11`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Self { year, month })
    }

    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("validated in new()")
    }

    /// The first day of the following month (an exclusive bound).
    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn days(self) -> u32 {
        (self.next().first_day() - self.first_day()).num_days() as u32
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Self::of(date) == self
    }
}

/// `2026-11` or `2026-1`: the one way a month is written as digits.
impl std::str::FromStr for YearMonth {
    type Err = InvalidMonth;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidMonth(raw.to_string());
        let (year, month) = raw.trim().split_once('-').ok_or_else(invalid)?;
        let four_digits = year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit());
        let month_digits =
            (1..=2).contains(&month.len()) && month.bytes().all(|b| b.is_ascii_digit());
        if !four_digits || !month_digits {
            return Err(invalid());
        }
        let (year, month) = (
            year.parse().map_err(|_| invalid())?,
            month.parse().map_err(|_| invalid())?,
        );
        YearMonth::new(year, month).ok_or_else(invalid)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a month; write it as YYYY-MM, for example 2026-11")]
pub struct InvalidMonth(pub String);

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_start_with_u_or_w() {
        assert!(SlackUserId::parse("U012AB3CD").is_ok());
        assert!(SlackUserId::parse("W012AB3CD").is_ok());
        assert!(SlackUserId::parse("C012AB3CD").is_err());
        assert!(SlackUserId::parse("U01-2").is_err());
        assert!(SlackUserId::parse("").is_err());
    }

    #[test]
    fn minutes_are_one_minute_to_eight_hours() {
        assert!(Minutes::new(0).is_err());
        assert_eq!(Minutes::new(1).map(Minutes::get), Ok(1));
        assert_eq!(Minutes::new(480).map(Minutes::get), Ok(480));
        assert!(Minutes::new(481).is_err());
    }

    #[test]
    fn minutes_read_as_hours_and_minutes() {
        assert_eq!(format_minutes(45), "45m");
        assert_eq!(format_minutes(60), "1h");
        assert_eq!(format_minutes(90), "1h 30m");
    }

    #[test]
    fn days_show_their_weekday_and_the_year_only_when_it_is_not_this_one() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("day");
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("day");
        assert_eq!(
            ShownDay::new(day(2026, 11, 30), today).to_string(),
            "Mon 30 Nov"
        );
        assert_eq!(
            ShownDay::new(day(2027, 1, 4), today).to_string(),
            "Mon 4 Jan 2027"
        );
        assert_eq!(
            ShownDay::new(day(2025, 12, 31), today).to_string(),
            "Wed 31 Dec 2025"
        );
    }

    #[test]
    fn counts_take_the_right_plural() {
        assert_eq!(plural(1, "rep", "reps"), "1 rep");
        assert_eq!(plural(0, "rep", "reps"), "0 reps");
        assert_eq!(plural(3, "meeting", "meetings"), "3 meetings");
    }

    #[test]
    fn months_are_written_as_year_and_month() {
        assert_eq!(
            "2026-11".parse(),
            Ok(YearMonth::new(2026, 11).expect("month"))
        );
        assert_eq!(
            "2025-3".parse(),
            Ok(YearMonth::new(2025, 3).expect("month"))
        );
        for typed in ["2026-13", "26-11", "2026-11-05", "2026", "nov"] {
            assert!(typed.parse::<YearMonth>().is_err(), "{typed}");
        }
    }

    #[test]
    fn months_know_their_length() {
        assert_eq!(YearMonth::new(2026, 2).map(YearMonth::days), Some(28));
        assert_eq!(YearMonth::new(2028, 2).map(YearMonth::days), Some(29));
        assert_eq!(YearMonth::new(2026, 11).map(YearMonth::days), Some(30));
        assert_eq!(YearMonth::new(2026, 12).map(YearMonth::days), Some(31));
        assert_eq!(
            YearMonth::new(2026, 12).map(|m| m.next().to_string()),
            Some("2027-01".into())
        );
        assert_eq!(YearMonth::new(2026, 13), None);
    }
}
