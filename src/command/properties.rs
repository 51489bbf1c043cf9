//! Property tests of the `/coach` grammar: generated lines with signed lengths, ranges and the
//! date forms people type, in every place a day is read, are stored with exactly the length,
//! day and note they name, or refused with an example that is itself accepted. Never stored
//! for today with the date kept in the note.
//!
//! The expected day comes from an oracle that walks back from today one day at a time, so it
//! shares no arithmetic with the parser.

use chrono::{Datelike, Days, NaiveDate};
use proptest::prelude::*;

use super::fixtures::DANA;
use super::{parse, Command, CommandError};
use crate::domain::OLDEST_DAYS_BACK;

/// Words for notes that are never a length, a day, glue or a reason to refuse.
const NOTE_WORDS: &[&str] = &[
    "pipeline",
    "review",
    "deal",
    "strategy",
    "discovery",
    "pricing",
    "forecast",
    "objection",
    "handling",
    "Acme",
    "renewal",
    "QBR",
    "prep",
    "call",
    "demo",
    "negotiation",
    "coaching",
];

#[derive(Debug, Clone)]
enum Length {
    /// A length as typed, and its minutes.
    Fine(String, u32),
    /// Signed or a range: must be refused.
    Refused(String),
}

impl Length {
    fn text(&self) -> &str {
        match self {
            Length::Fine(text, _) | Length::Refused(text) => text,
        }
    }
}

/// The ways one length can be typed with its unit.
fn length_forms(minutes: u32) -> Vec<String> {
    let (hours, rest) = (minutes / 60, minutes % 60);
    let mut forms = vec![
        format!("{minutes}m"),
        format!("{minutes}min"),
        format!("{minutes} minutes"),
        format!("{minutes} mins"),
    ];
    if rest == 0 {
        forms.push(format!("{hours}h"));
        forms.push(format!("{hours} hours"));
    } else if hours > 0 {
        forms.push(format!("{hours}h{rest}m"));
        forms.push(format!("{hours}h {rest}m"));
        forms.push(format!("{hours}:{rest:02}"));
    }
    forms
}

/// `bare`: whether a lone number may stand for the length, as it may right before a mention.
fn length(bare: bool) -> impl Strategy<Value = Length> {
    let fine = (1u32..=480, any::<prop::sample::Index>()).prop_map(move |(minutes, pick)| {
        let mut forms = length_forms(minutes);
        if bare {
            forms.push(minutes.to_string());
        }
        Length::Fine(pick.get(&forms).clone(), minutes)
    });
    let signed =
        (1u32..=480, any::<prop::sample::Index>(), 0usize..5).prop_map(|(minutes, pick, sign)| {
            let forms = length_forms(minutes);
            let form = pick.get(&forms);
            Length::Refused(match sign {
                0 => format!("-{form}"),
                1 => format!("+{form}"),
                2 => format!("–{form}"),
                3 => format!("{form}-"),
                _ => format!("−{form}"),
            })
        });
    let range = (1u32..=240, 1u32..=240, 0usize..3).prop_map(|(low, more, shape)| {
        let high = low + more;
        Length::Refused(match shape {
            0 => format!("{low}-{high}m"),
            1 => format!("{low}–{high} minutes"),
            _ => format!("{}-{}h", low.min(9), low.min(9) + 1),
        })
    });
    prop_oneof![4 => fine, 1 => signed, 1 => range]
}

/// How a day is typed.
#[derive(Debug, Clone, Copy)]
enum DayForm {
    Iso,
    MonthDay,
    MonthNameDayOrdinal,
    DayMonth,
    DayOfMonth,
    MonthDayYear,
    TheNth,
    MonthFirstNumbers,
    DayFirstNumbers,
    Weekday,
    DaysAgo,
    Yesterday,
}

const DAY_FORMS: &[DayForm] = &[
    DayForm::Iso,
    DayForm::MonthDay,
    DayForm::MonthNameDayOrdinal,
    DayForm::DayMonth,
    DayForm::DayOfMonth,
    DayForm::MonthDayYear,
    DayForm::TheNth,
    DayForm::MonthFirstNumbers,
    DayForm::DayFirstNumbers,
    DayForm::Weekday,
    DayForm::DaysAgo,
    DayForm::Yesterday,
];

const VAGUE: &[&str] = &[
    "last week",
    "last month",
    "the other day",
    "earlier this week",
];

#[derive(Debug, Clone)]
enum Day {
    Named(DayForm, NaiveDate),
    Vague(&'static str),
}

/// Where in the line the day stands.
#[derive(Debug, Clone, Copy)]
enum Place {
    AfterLength,
    AfterMention,
    AtEnd,
    AfterOnInsideTheNote,
}

fn ordinal(day: u32) -> String {
    let suffix = match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{day}{suffix}")
}

fn written(form: DayForm, day: NaiveDate, today: NaiveDate) -> String {
    match form {
        DayForm::Iso => day.format("%Y-%m-%d").to_string(),
        DayForm::MonthDay => day.format("%b %-d").to_string(),
        DayForm::MonthNameDayOrdinal => format!("{} {}", day.format("%B"), ordinal(day.day())),
        DayForm::DayMonth => day.format("%-d %b").to_string(),
        DayForm::DayOfMonth => format!("{} of {}", ordinal(day.day()), day.format("%B")),
        DayForm::MonthDayYear => day.format("%b %-d %Y").to_string(),
        DayForm::TheNth => format!("the {}", ordinal(day.day())),
        DayForm::MonthFirstNumbers => day.format("%-m/%-d").to_string(),
        DayForm::DayFirstNumbers => day.format("%-d/%-m").to_string(),
        DayForm::Weekday => day.format("%A").to_string(),
        DayForm::DaysAgo => format!("{} days ago", (today - day).num_days()),
        DayForm::Yesterday => "yesterday".to_string(),
    }
}

/// The most recent day on or before `today` that `matches`, found by walking back.
fn latest(today: NaiveDate, matches: impl Fn(NaiveDate) -> bool) -> Option<NaiveDate> {
    (0..4000)
        .filter_map(|back| today.checked_sub_days(Days::new(back)))
        .find(|day| matches(*day))
}

/// The day a form names, or `None` when it must be refused as reading two ways.
fn meant(form: DayForm, day: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    let same_month_and_day = |d: NaiveDate| d.month() == day.month() && d.day() == day.day();
    match form {
        DayForm::Iso | DayForm::MonthDayYear => Some(day),
        DayForm::MonthDay
        | DayForm::MonthNameDayOrdinal
        | DayForm::DayMonth
        | DayForm::DayOfMonth => latest(today, same_month_and_day),
        DayForm::MonthFirstNumbers | DayForm::DayFirstNumbers => {
            let two_ways = day.day() <= 12 && day.day() != day.month();
            if two_ways {
                None
            } else {
                latest(today, same_month_and_day)
            }
        }
        DayForm::TheNth => latest(today, |d| d.day() == day.day()),
        DayForm::Weekday => latest(today, |d| d.weekday() == day.weekday()),
        DayForm::DaysAgo => Some(day),
        DayForm::Yesterday => today.checked_sub_days(Days::new(1)),
    }
}

fn loggable(day: NaiveDate, today: NaiveDate) -> bool {
    (0..=OLDEST_DAYS_BACK).contains(&(today - day).num_days())
}

/// A day to type, before the manager's today is known.
#[derive(Debug, Clone)]
enum DayChoice {
    /// A form and how many days before today the day is (below zero: after today).
    Named(DayForm, i64),
    Vague(&'static str),
}

fn day() -> impl Strategy<Value = (Option<Day>, NaiveDate)> {
    let today = (0i64..5 * 366).prop_map(|offset| {
        NaiveDate::from_ymd_opt(2024, 1, 1).expect("a day") + chrono::Duration::days(offset)
    });
    let choice = prop_oneof![
        2 => Just(None),
        6 => (prop::sample::select(DAY_FORMS), -3i64..90)
            .prop_map(|(form, back)| Some(DayChoice::Named(form, back))),
        1 => prop::sample::select(VAGUE).prop_map(|phrase| Some(DayChoice::Vague(phrase))),
    ];
    (today, choice).prop_map(|(today, choice)| {
        let day = choice.map(|choice| match choice {
            DayChoice::Vague(phrase) => Day::Vague(phrase),
            // A count of days ago is never below zero.
            DayChoice::Named(DayForm::DaysAgo, back) => Day::Named(
                DayForm::DaysAgo,
                today - chrono::Duration::days(back.max(0)),
            ),
            DayChoice::Named(form, back) => Day::Named(form, today - chrono::Duration::days(back)),
        });
        (day, today)
    })
}

fn words(count: std::ops::Range<usize>) -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(prop::sample::select(NOTE_WORDS), count)
}

/// Checks that a refusal's example is itself accepted on the same day.
fn example_is_accepted(error: &CommandError, today: NaiveDate) -> Result<(), TestCaseError> {
    let message = error.to_string();
    let example = message.split('`').nth(1).unwrap_or_default();
    let text = example
        .strip_prefix("/coach ")
        .ok_or_else(|| TestCaseError::fail(format!("no example in {message}")))?
        .replace("@dana", DANA)
        .replace("@sam", "<@U0SAM0002|sam>")
        .replace("#team-sales", "<#C0SALES01|team-sales>");
    prop_assert!(parse(&text, today).is_ok(), "{message}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn a_line_is_stored_with_the_length_day_and_note_it_names_or_refused(
        (place, length) in prop::sample::select(&[Place::AfterLength, Place::AfterMention, Place::AtEnd, Place::AfterOnInsideTheNote][..])
            .prop_flat_map(|place| (Just(place), length(!matches!(place, Place::AfterLength)))),
        (day, today) in day(),
        before in words(1..4),
        after in words(1..3),
    ) {
        let day_text = match &day {
            Some(Day::Named(form, date)) => written(*form, *date, today),
            Some(Day::Vague(phrase)) => (*phrase).to_string(),
            None => String::new(),
        };
        let note_before = before.join(" ");
        let note_after = after.join(" ");
        let (line, note) = match place {
            Place::AfterLength => (format!("{} {day_text} {DANA} {note_before}", length.text()), note_before.clone()),
            Place::AfterMention => (format!("{} {DANA} {day_text} {note_before}", length.text()), note_before.clone()),
            Place::AtEnd => (format!("{} {DANA} {note_before} {day_text}", length.text()), note_before.clone()),
            Place::AfterOnInsideTheNote if day.is_some() => (
                format!("{} {DANA} {note_before} on {day_text} {note_after}", length.text()),
                format!("{note_before} {note_after}"),
            ),
            Place::AfterOnInsideTheNote => (format!("{} {DANA} {note_before}", length.text()), note_before.clone()),
        };
        let expected_day = match &day {
            None => Some(today),
            Some(Day::Vague(_)) => None,
            Some(Day::Named(form, date)) => meant(*form, *date, today).filter(|day| loggable(*day, today)),
        };
        let expected_minutes = match &length {
            Length::Fine(_, minutes) => Some(*minutes),
            Length::Refused(_) => None,
        };
        match (parse(&line, today), expected_minutes, expected_day) {
            (Ok(Command::Log(entries)), Some(minutes), Some(held_on)) => {
                prop_assert_eq!(entries.len(), 1, "{}", line);
                let entry = &entries[0];
                prop_assert_eq!(entry.minutes.get(), minutes, "{}", line);
                prop_assert_eq!(entry.held_on, held_on, "{}", line);
                prop_assert_eq!(entry.note.as_str(), note.as_str(), "{}", line);
            }
            (Err(error), None, _) | (Err(error), _, None) => example_is_accepted(&error, today)?,
            (outcome, minutes, held_on) => prop_assert!(
                false,
                "{line} on {today}: expected {minutes:?} minutes on {held_on:?}, got {outcome:?}"
            ),
        }
    }

    #[test]
    fn a_meeting_is_stored_with_the_length_and_day_it_names_or_refused(
        length in length(false),
        (day, today) in day(),
        at_end in any::<bool>(),
        note in words(1..4),
    ) {
        let day_text = match &day {
            Some(Day::Named(form, date)) => written(*form, *date, today),
            Some(Day::Vague(phrase)) => (*phrase).to_string(),
            None => String::new(),
        };
        let note = note.join(" ");
        let line = if at_end {
            format!("meeting {} {note} {day_text}", length.text())
        } else {
            format!("meeting {} {day_text} {note}", length.text())
        };
        let expected_day = match &day {
            None => Some(today),
            Some(Day::Vague(_)) => None,
            Some(Day::Named(form, date)) => meant(*form, *date, today).filter(|day| loggable(*day, today)),
        };
        match (parse(&line, today), &length, expected_day) {
            (Ok(Command::Meeting(meeting)), Length::Fine(_, minutes), Some(held_on)) => {
                prop_assert_eq!(meeting.minutes.get(), *minutes, "{}", line);
                prop_assert_eq!(meeting.held_on, held_on, "{}", line);
                prop_assert_eq!(meeting.note.as_str(), note.as_str(), "{}", line);
            }
            (Err(error), Length::Refused(_), _) | (Err(error), _, None) => example_is_accepted(&error, today)?,
            (outcome, length, held_on) => prop_assert!(
                false,
                "{line} on {today}: expected {length:?} on {held_on:?}, got {outcome:?}"
            ),
        }
    }

    /// Any soup of words, numbers, signs, dates and mentions: never a panic, and what is stored
    /// is within the limits with a note made only of the words typed, in order.
    #[test]
    fn any_line_is_understood_within_the_limits_or_refused(
        pieces in prop::collection::vec(prop::sample::select(&[
            "45m", "-30m", "1h-", "30-45m", "90", "1:30", "an hour", "nov", "27", "27th", "the",
            "on", "last", "week", "11/5", "27/11", "2026-11-20", "yesterday", "friday", "sat",
            "in", "pipeline", "review", "-", ",", "and", "for", "meeting", DANA, "<@U0SAM0002|sam>",
            "@dana", "2", "days", "ago", "+1h", "–", "deal", "of", "december",
        ][..]), 0..12),
        offset in 0i64..5 * 366,
    ) {
        let today = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a day") + chrono::Duration::days(offset);
        let line = pieces.join(" ");
        match parse(&line, today) {
            Ok(Command::Log(entries)) => {
                for entry in entries {
                    prop_assert!(loggable(entry.held_on, today), "{line}");
                    let mut typed = line.split_whitespace();
                    for word in entry.note.as_str().split_whitespace() {
                        prop_assert!(typed.any(|piece| piece == word), "{line}: note {:?}", entry.note);
                    }
                }
            }
            Ok(Command::Meeting(meeting)) => prop_assert!(loggable(meeting.held_on, today), "{line}"),
            Ok(_) => {}
            Err(error) => example_is_accepted(&error, today)?,
        }
    }
}

/// The day reminders come back after a snooze typed as `count` `unit`, found by stepping.
fn snooze_oracle(today: NaiveDate, count: u64, unit: &str) -> Option<NaiveDate> {
    match unit {
        "d" | "days" => today.checked_add_days(Days::new(count)),
        "w" | "weeks" => today.checked_add_days(Days::new(count * 7)),
        _ => today.checked_add_months(chrono::Months::new(u32::try_from(count).ok()?)),
    }
}

fn any_today() -> impl Strategy<Value = NaiveDate> {
    (0i64..5 * 366).prop_map(|offset| {
        NaiveDate::from_ymd_opt(2024, 1, 1).expect("a day") + chrono::Duration::days(offset)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn a_snooze_comes_back_on_the_day_it_names_or_is_refused(
        today in any_today(),
        count in 0u64..500,
        unit in prop::sample::select(&["d", "days", "w", "weeks", "months"][..]),
        glued in any::<bool>(),
    ) {
        let text = if glued && unit.len() == 1 {
            format!("snooze {count}{unit}")
        } else {
            format!("snooze {count} {unit}")
        };
        let back_on = snooze_oracle(today, count, unit);
        let latest = today.checked_add_months(chrono::Months::new(12));
        match parse(&text, today) {
            Ok(Command::Snooze(super::SnoozeChange::Until(day))) => {
                prop_assert_eq!(Some(day), back_on, "{}", text);
                prop_assert!(day > today && latest.is_some_and(|latest| day <= latest), "{}", text);
            }
            Err(error) => {
                prop_assert!(
                    back_on.is_none_or(|day| day <= today || latest.is_none_or(|latest| day > latest)),
                    "{text} refused: {error}"
                );
                example_is_accepted(&error, today)?;
            }
            other => prop_assert!(false, "{text}: {other:?}"),
        }
    }

    #[test]
    fn a_snooze_until_a_day_comes_back_that_day_or_is_refused(
        today in any_today(),
        ahead in -5i64..400,
    ) {
        let day = today + chrono::Duration::days(ahead);
        let text = format!("snooze until {}", day.format("%Y-%m-%d"));
        let latest = today.checked_add_months(chrono::Months::new(12)).expect("a year on");
        match parse(&text, today) {
            Ok(Command::Snooze(super::SnoozeChange::Until(back_on))) => {
                prop_assert_eq!(back_on, day);
                prop_assert!(day > today && day <= latest);
            }
            Err(error) => {
                prop_assert!(day <= today || day > latest, "{text}: {error}");
                example_is_accepted(&error, today)?;
            }
            other => prop_assert!(false, "{text}: {other:?}"),
        }
    }

    #[test]
    fn a_report_is_for_the_month_it_names_or_refused(
        today in any_today(),
        back in -3i32..30,
        form in 0usize..4,
    ) {
        let current = crate::domain::YearMonth::of(today);
        let mut named = current;
        for _ in 0..back.max(0) {
            named = named.previous();
        }
        let ahead = back < 0;
        if ahead {
            for _ in 0..-back {
                named = named.next();
            }
        }
        let first = named.first_day();
        let text = match form {
            0 => format!("report {}", first.format("%Y-%m")),
            1 => format!("report {} {}", first.format("%B"), first.format("%Y")),
            2 => format!("report {}", first.format("%b")),
            _ => format!("report {}", first.format("%B").to_string().to_lowercase()),
        };
        // A month named without its year is the most recent one, found by stepping back.
        let expected = if form >= 2 {
            let mut latest = current;
            while latest.month() != named.month() {
                latest = latest.previous();
            }
            latest
        } else {
            named
        };
        match parse(&text, today) {
            Ok(Command::Report(Some(month))) => {
                prop_assert_eq!(month, expected, "{}", text);
                prop_assert!(month <= current, "{}", text);
            }
            Err(error) => {
                prop_assert!(expected > current, "{text}: {error}");
                example_is_accepted(&error, today)?;
            }
            other => prop_assert!(false, "{text}: {other:?}"),
        }
    }

    #[test]
    fn team_add_keeps_the_reps_and_the_day_named_or_is_refused(
        today in any_today(),
        reps in prop::collection::vec(prop::sample::select(&["U0DANA001", "U0SAM0002", "W0LEE0003", "U0KIM0004"][..]), 1..5),
        back in prop::option::of(-3i64..2000),
    ) {
        let mentions: Vec<String> = reps.iter().map(|id| format!("<@{id}|{}>", id.to_lowercase())).collect();
        let mut text = format!("team add {}", mentions.join(" "));
        let since = back.map(|back| today - chrono::Duration::days(back));
        if let Some(day) = since {
            text.push_str(&format!(" since {}", day.format("%Y-%m-%d")));
        }
        let mut expected: Vec<&str> = Vec::new();
        for rep in &reps {
            if !expected.contains(rep) {
                expected.push(rep);
            }
        }
        match parse(&text, today) {
            Ok(Command::Team(super::TeamChange::Add { reps, since: stored })) => {
                let stored_reps: Vec<&str> = reps.iter().map(|rep| rep.as_str()).collect();
                prop_assert_eq!(stored_reps, expected);
                prop_assert_eq!(stored, since);
                prop_assert!(stored.is_none_or(|day| day <= today));
            }
            Err(error) => {
                prop_assert!(since.is_some_and(|day| day > today), "{text}: {error}");
                example_is_accepted(&error, today)?;
            }
            other => prop_assert!(false, "{text}: {other:?}"),
        }
    }

    #[test]
    fn a_time_zone_is_the_zone_named_whatever_its_case(
        zone in prop::sample::select(chrono_tz::TZ_VARIANTS.to_vec()),
        upper in any::<bool>(),
    ) {
        let name = if upper { zone.name().to_uppercase() } else { zone.name().to_lowercase() };
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("a day");
        match parse(&format!("tz {name}"), today) {
            Ok(Command::TimeZone(super::TimeZoneChange::Set(set))) => {
                prop_assert!(set.name().eq_ignore_ascii_case(zone.name()), "{name}: {set}");
            }
            other => prop_assert!(false, "{name}: {other:?}"),
        }
    }

    #[test]
    fn a_digest_goes_to_the_channel_picked_or_is_refused(
        id in "[CG][A-Z0-9]{8,10}",
        name in "[a-z][a-z0-9-]{0,20}",
        picked in any::<bool>(),
    ) {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("a day");
        let text = if picked { format!("digest <#{id}|{name}>") } else { format!("digest #{name}") };
        match parse(&text, today) {
            Ok(Command::Digest(super::DigestChange::Set(channel))) => {
                prop_assert!(picked, "{}", text);
                prop_assert_eq!(channel.as_str(), id.as_str());
            }
            Err(error) => {
                prop_assert!(!picked, "{text}: {error}");
                example_is_accepted(&error, today)?;
            }
            other => prop_assert!(false, "{text}: {other:?}"),
        }
    }
}
