//! Coaching sessions and team meetings: the time, the day, the reps and the note, in the
//! orders people actually type them.

use chrono::NaiveDate;

use crate::domain::{
    entry_day, DayOutOfRange, MeetingEntry, Minutes, Note, SessionEntry, ShownDay,
};

use super::duration;
use super::error::{CommandError, MentionContext};
use super::recognise;
use super::token::{self, Token};
use super::when;

/// One line of 1:1 sessions: `45m @rep pipeline review`, `@a @b 1h30 deal strategy yesterday`,
/// or two entries, `45m @dana pipeline review, 30m @lee deal review`.
pub(super) fn sessions(
    tokens: &[Token],
    today: NaiveDate,
) -> Result<Vec<SessionEntry>, CommandError> {
    // First, because no rewording turns a ride-along into coaching.
    if recognise::mentions_ride_along(&recognise::words(&joined_words(tokens))) {
        return Err(CommandError::RideAlong);
    }
    token::refuse_unusable_mentions(tokens, MentionContext::Log)?;
    let mut entries = Vec::new();
    let mut leading_day = None;
    for (index, segment) in entries_of(tokens).into_iter().enumerate() {
        let (entry, day) = session(segment, today)?;
        if index == 0 {
            leading_day = day.filter(|day| day.leads).map(|day| day.date);
        }
        let named = day.is_some();
        entries.push((entry, named));
    }
    Ok(entries
        .into_iter()
        .map(|(mut entry, named)| {
            // `yesterday: 45m @dana pipeline, 30m @lee deal`: the day that opens the line is
            // every entry's that names none.
            if let (false, Some(day)) = (named, leading_day) {
                entry.held_on = day;
            }
            entry
        })
        .collect())
}

/// Splits a line into its entries. A new entry starts where, once the current one has a time
/// and a rep, a time is followed by a mention (`…, 30m @lee`) or a mention by a time
/// (`…, @lee 30m`); so `45m @dana review the 30m deal` stays one entry.
fn entries_of(tokens: &[Token]) -> Vec<&[Token]> {
    let mut entries = Vec::new();
    let (mut start, mut at) = (0, 0);
    let (mut has_time, mut has_rep) = (false, false);
    while at < tokens.len() {
        let rest = &tokens[at..];
        if let Some(spoken) = duration::at_start(rest, true) {
            let after = &rest[spoken.len..];
            let then_rep = after
                .iter()
                .find(|token| !token.is_connector())
                .is_some_and(Token::is_mention);
            if has_time && has_rep && then_rep {
                entries.push(&tokens[start..at]);
                start = at;
                has_rep = false;
            }
            has_time = true;
            at += spoken.len;
            continue;
        }
        if rest[0].is_mention() {
            // The reps of the current entry go on (`@a, @b`) until a word that is not glue;
            // only a run of mentions that starts after such a word, with a time right after
            // its last mention, opens a new entry.
            let continues = tokens[start..at]
                .iter()
                .rev()
                .find(|token| !token.is_connector())
                .is_some_and(Token::is_mention);
            let run = mention_run(rest);
            if has_time && has_rep && !continues && duration::at_start(&rest[run..], true).is_some()
            {
                entries.push(&tokens[start..at]);
                start = at;
                has_time = false;
            }
            has_rep = true;
        }
        at += 1;
    }
    entries.push(&tokens[start..]);
    // Glue between entries (`,` `and`) belongs to neither; trailing glue would hide a day or
    // time at the end of the entry before it.
    entries
        .into_iter()
        .map(|entry| {
            let end = entry
                .iter()
                .rposition(|token| !token.is_connector())
                .map_or(0, |last| last + 1);
            &entry[..end]
        })
        .filter(|entry| !entry.is_empty() || tokens.is_empty())
        .collect()
}

/// How many tokens a run of mentions takes: mentions, and glue only between them.
fn mention_run(tokens: &[Token]) -> usize {
    let mut end = 0;
    for (at, token) in tokens.iter().enumerate() {
        if token.is_mention() {
            end = at + 1;
        } else if !token.is_connector() {
            break;
        }
    }
    end
}

/// Where the day of an entry came from.
#[derive(Clone, Copy)]
struct NamedDay {
    date: NaiveDate,
    /// Named before the time and the reps, as in `yesterday: 45m @dana …`.
    leads: bool,
}

/// One entry: `45m @rep pipeline review`, `@rep pipeline review 45m yesterday`.
fn session(
    tokens: &[Token],
    today: NaiveDate,
) -> Result<(SessionEntry, Option<NamedDay>), CommandError> {
    let parts = Parts::read(tokens, today)?;
    let reps = token::unique_reps(tokens);
    if reps.is_empty() && parts.recognised_nothing() {
        let first = tokens.first().map_or("", Token::shown);
        return Err(CommandError::UnknownWord(first.to_string()));
    }
    let held_on = parts.held_on(today)?;
    let minutes = parts.minutes()?;
    if reps.is_empty() {
        return Err(CommandError::MissingRep);
    }
    let minutes = minutes.ok_or(CommandError::MissingDuration)?;
    let note = note(&parts.note_words(tokens))?;
    let day = parts.day.as_ref().map(|day| NamedDay {
        date: day.value,
        leads: day.at < parts.first_time_or_rep,
    });
    let entry = SessionEntry {
        reps,
        minutes,
        activity: recognise::activity(&recognise::words(note.as_str())),
        note,
        held_on,
    };
    Ok((entry, day))
}

/// `60m stuck deals, wins` after `meeting`: the same shape as a session, without mentions.
pub(super) fn meeting(tokens: &[Token], today: NaiveDate) -> Result<MeetingEntry, CommandError> {
    if tokens.iter().any(|token| token.key().is_none()) {
        return Err(CommandError::MentionInMeeting);
    }
    let parts = Parts::read(tokens, today)?;
    let held_on = parts.held_on(today)?;
    let minutes = parts
        .minutes()?
        .ok_or(CommandError::MeetingWithoutDuration)?;
    let note = note(&parts.note_words(tokens))?;
    Ok(MeetingEntry {
        minutes,
        topics: recognise::topics(&recognise::words(note.as_str())),
        note,
        held_on,
    })
}

/// A duration or day with where it stood, so that two of them are named in typing order.
struct Found<T> {
    value: T,
    shown: String,
    at: usize,
}

/// A length as read: its minutes, or why it cannot be logged as typed.
struct Length {
    minutes: u64,
    flaw: Option<duration::Flaw>,
    /// The words as typed, sign included, for the error that refuses a flawed length.
    typed: String,
}

impl Length {
    fn of(tokens: &[Token], spoken: &duration::Spoken) -> Length {
        Length {
            minutes: spoken.minutes,
            flaw: spoken.flaw,
            typed: token::typed(&tokens[..spoken.len]),
        }
    }
}

struct Parts {
    duration: Option<Found<Length>>,
    day: Option<Found<NaiveDate>>,
    /// Where the note begins: everything before it was a duration, a day, a mention or glue.
    note_start: usize,
    /// Where the first time or mention stands, so that a day before it is known to open the
    /// entry.
    first_time_or_rep: usize,
    /// Where the note's words stand: between the preamble and what ends the line, less a day
    /// after `on` and a time taken from inside it.
    note: Vec<usize>,
}

impl Parts {
    /// Durations, days and mentions are taken from before the note; days and durations with a
    /// unit also from its end. Words in the middle stay in the note, so "reviewed 3 deals"
    /// keeps its 3 and "prep for friday demo" its friday.
    fn read(tokens: &[Token], today: NaiveDate) -> Result<Self, CommandError> {
        refuse_signed_lengths(tokens)?;
        let mut parts = Parts {
            duration: None,
            day: None,
            note_start: 0,
            first_time_or_rep: tokens.len(),
            note: Vec::new(),
        };
        let mut at = filler_before_preamble(tokens, today);
        while let Some(token) = tokens.get(at) {
            let rest = &tokens[at..];
            // A day before a length, so that `27 nov` is a day and not 27 minutes.
            if token.is_mention() {
                parts.first_time_or_rep = parts.first_time_or_rep.min(at);
                at += 1;
            } else if let Some(spoken) = when::at_start(rest, today)? {
                let found = found_at(tokens, at, spoken.len, spoken.date);
                place(&mut parts.day, found, CommandError::TwoDates)?;
                at += spoken.len;
            } else if let Some(spoken) = duration::at_start(rest, parts.duration.is_none()) {
                parts.first_time_or_rep = parts.first_time_or_rep.min(at);
                let found = found_at(tokens, at, spoken.len, Length::of(rest, &spoken));
                place(&mut parts.duration, found, CommandError::TwoDurations)?;
                at += spoken.len;
            } else if is_one_on_one(token)
                || (token.is_connector() && starts_preamble(&rest[1..], today))
            {
                at += 1;
            } else {
                break;
            }
        }
        parts.note_start = at;
        let mut end = tokens.len();
        loop {
            let tail = &tokens[at..end];
            if tail.last().is_some_and(Token::is_mention) {
                end -= 1;
            } else if let Some(spoken) = when::at_end(tail, today)? {
                end -= spoken.len;
                let found = found_at(tokens, end, spoken.len, spoken.date);
                place(&mut parts.day, found, CommandError::TwoDates)?;
            } else if let Some(spoken) = duration::at_end(tail) {
                end -= spoken.len;
                let found = found_at(tokens, end, spoken.len, Length::of(&tokens[end..], &spoken));
                place(&mut parts.duration, found, CommandError::TwoDurations)?;
            } else {
                break;
            }
        }
        parts.note = parts.take_days_after_on(tokens, at, end, today)?;
        if parts.duration.is_none() {
            parts.take_duration_inside_note(tokens, at, end);
        }
        Ok(parts)
    }

    /// `pipeline review on Nov 27 with the new deck`: a day after `on` is the entry's day
    /// wherever it stands; the rest of the words are the note.
    fn take_days_after_on(
        &mut self,
        tokens: &[Token],
        start: usize,
        end: usize,
        today: NaiveDate,
    ) -> Result<Vec<usize>, CommandError> {
        let mut note = Vec::new();
        let mut at = start;
        while at < end {
            if tokens[at].key() == Some("on") {
                if let Some(spoken) = when::at_start(&tokens[at..end], today)? {
                    let found = found_at(tokens, at, spoken.len, spoken.date);
                    place(&mut self.day, found, CommandError::TwoDates)?;
                    at += spoken.len;
                    continue;
                }
            }
            note.push(at);
            at += 1;
        }
        Ok(note)
    }

    /// `Met @dana for 40 minutes re pricing`: with no time before or after
    /// the note, a single one with a unit inside it is the session's length
    /// (two would be a guess, so those stay words).
    fn take_duration_inside_note(&mut self, tokens: &[Token], start: usize, end: usize) {
        let mut inside: Vec<(usize, duration::Spoken)> = Vec::new();
        let mut at = start;
        while at < end {
            match duration::at_start(&tokens[at..end], false)
                .filter(|spoken| spoken.shape == duration::Shape::WithUnit)
            {
                // A day after `on` was taken out of the note already.
                Some(spoken) if self.note.contains(&at) => {
                    let len = spoken.len;
                    inside.push((at, spoken));
                    at += len;
                }
                _ => at += 1,
            }
        }
        let [(at, spoken)] = inside.as_slice() else {
            return;
        };
        let (at, len) = (*at, spoken.len);
        // "for 40 minutes" reads as glue plus the time; neither belongs in the note.
        let from = if at > start && tokens[at - 1].key() == Some("for") {
            at - 1
        } else {
            at
        };
        self.duration = Some(found_at(tokens, at, len, Length::of(&tokens[at..], spoken)));
        let taken = from..at + len;
        self.note.retain(|kept| !taken.contains(kept));
    }

    fn note_words<'t>(&self, tokens: &'t [Token]) -> Vec<&'t Token> {
        self.note.iter().map(|&at| &tokens[at]).collect()
    }

    fn recognised_nothing(&self) -> bool {
        self.note_start == 0 && self.duration.is_none() && self.day.is_none()
    }

    /// Today unless a day was named; never in the future, at most 62 days back.
    fn held_on(&self, today: NaiveDate) -> Result<NaiveDate, CommandError> {
        let Some(day) = &self.day else {
            return Ok(today);
        };
        let shown = ShownDay::new(day.value, today);
        entry_day(day.value, today).map_err(|out| match out {
            DayOutOfRange::Future => CommandError::FutureDate(shown),
            DayOutOfRange::TooFarBack => CommandError::TooFarBack(shown),
        })
    }

    fn minutes(&self) -> Result<Option<Minutes>, CommandError> {
        let Some(duration) = &self.duration else {
            return Ok(None);
        };
        let length = &duration.value;
        match length.flaw {
            Some(duration::Flaw::Signed) => {
                return Err(CommandError::SignedDuration(length.typed.clone()))
            }
            Some(duration::Flaw::Range) => {
                return Err(CommandError::DurationRange(length.typed.clone()))
            }
            None => {}
        }
        if length.minutes < u64::from(Minutes::MIN) {
            return Err(CommandError::DurationTooShort(duration.shown.clone()));
        }
        u32::try_from(length.minutes)
            .ok()
            .and_then(|minutes| Minutes::new(minutes).ok())
            .map(Some)
            .ok_or_else(|| CommandError::DurationTooLong(duration.shown.clone()))
    }
}

/// A signed length (`-30m`, `+1h`) is a slip wherever it stands, even inside the note, where
/// keeping it would store a length the manager did not mean as words.
fn refuse_signed_lengths(tokens: &[Token]) -> Result<(), CommandError> {
    for at in 0..tokens.len() {
        if let Some(spoken) = duration::at_start(&tokens[at..], false) {
            if spoken.flaw == Some(duration::Flaw::Signed) {
                let length = Length::of(&tokens[at..], &spoken);
                return Err(CommandError::SignedDuration(length.typed));
            }
        }
    }
    Ok(())
}

fn found_at<T>(tokens: &[Token], at: usize, len: usize, value: T) -> Found<T> {
    let shown = tokens[at..at + len]
        .iter()
        .filter_map(Token::key)
        .collect::<Vec<_>>()
        .join(" ");
    Found { value, shown, at }
}

/// Fills an empty slot; a second find is an error naming both, in typing order.
fn place<T>(
    slot: &mut Option<Found<T>>,
    found: Found<T>,
    two: fn(String, String) -> CommandError,
) -> Result<(), CommandError> {
    match slot.take() {
        None => {
            *slot = Some(found);
            Ok(())
        }
        Some(earlier) if earlier.at <= found.at => Err(two(earlier.shown, found.shown)),
        Some(later) => Err(two(found.shown, later.shown)),
    }
}

/// `1:1 with @dana 30m`: naming the kind of meeting adds nothing to the note.
fn is_one_on_one(token: &Token) -> bool {
    matches!(
        token.key(),
        Some("1:1" | "1-1" | "1on1" | "1-on-1" | "one-on-one" | "1x1")
    )
}

/// Words that say nothing about the coaching when they come before the time, the day or the
/// rep, as in `forgot to log monday 30m @dana` or `just had a 1:1 with @dana 30m`.
const FILLER: &[&str] = &[
    "forgot",
    "forgotten",
    "to",
    "log",
    "logging",
    "logged",
    "just",
    "please",
    "pls",
    "also",
    "quick",
    "quickly",
    "add",
    "record",
    "i",
    "i've",
    "ive",
    "we",
    "we've",
    "had",
    "have",
    "did",
    "do",
    "spent",
    "coached",
    "met",
    "meet",
    "session",
    "a",
    "an",
    "oh",
    "oops",
    "ok",
    "okay",
    "so",
    "fyi",
    "btw",
    "note",
];

/// How many leading words are filler: only when the time, the day or a rep follows them;
/// otherwise they are the note, and none is skipped.
fn filler_before_preamble(tokens: &[Token], today: NaiveDate) -> usize {
    for (at, token) in tokens.iter().enumerate() {
        if starts_preamble(&tokens[at..], today) {
            return at;
        }
        let filler = token.key().is_some_and(|key| FILLER.contains(&key))
            || is_one_on_one(token)
            || token.is_connector();
        if !filler {
            return 0;
        }
    }
    0
}

/// Whether glue like `and` or `,` is followed by more of the preamble rather than the note.
fn starts_preamble(tokens: &[Token], today: NaiveDate) -> bool {
    tokens.first().is_some_and(Token::is_mention)
        || duration::at_start(tokens, true).is_some()
        // A day that cannot be logged (`last week`, `11/5`) is still where the day stands.
        || !matches!(when::at_start(tokens, today), Ok(None))
}

/// The typed words, joined by single spaces, without mentions or dangling glue at either end.
fn note(tokens: &[&Token]) -> Result<Note, CommandError> {
    let words: Vec<&Token> = tokens
        .iter()
        .copied()
        .filter(|token| !token.is_mention())
        .collect();
    let first = words.iter().position(|token| !token.is_connector());
    let last = words.iter().rposition(|token| !token.is_connector());
    let note = match (first, last) {
        (Some(first), Some(last)) => words[first..=last]
            .iter()
            .filter_map(|token| token.text())
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    // Dashes stay: `-30m` keeps its sign, and a lone dash was dropped above as glue.
    Note::parse(note.trim_matches(|c: char| c.is_whitespace() || ",;:".contains(c)))
        .map_err(|too_long| CommandError::NoteTooLong(too_long.0))
}

fn joined_words(tokens: &[Token]) -> String {
    tokens
        .iter()
        .filter_map(Token::text)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{
        dana, date, lee, minutes, note as note_of, sam, today, DANA, LEE, SAM,
    };
    use super::*;
    use crate::domain::{Activity, Topic};

    fn log_on(text: &str, today: NaiveDate) -> Result<SessionEntry, CommandError> {
        let mut entries = lines_on(text, today)?;
        assert_eq!(entries.len(), 1, "{text}: {entries:?}");
        Ok(entries.remove(0))
    }

    fn lines_on(text: &str, today: NaiveDate) -> Result<Vec<SessionEntry>, CommandError> {
        sessions(&token::tokens(text), today)
    }

    fn log(text: &str) -> SessionEntry {
        log_on(text, today()).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    #[test]
    fn a_time_inside_the_note_is_the_length_when_none_stands_outside_it() {
        let entry = log(&format!("Met {DANA} for 40 minutes re pricing"));
        assert_eq!(entry.minutes, minutes(40));
        assert_eq!(entry.note, "re pricing");
        assert_eq!(entry.activity, Activity::Deal);
        let entry = log(&format!(
            "{DANA} went through 1h 30m of call recordings yesterday"
        ));
        assert_eq!(entry.minutes, minutes(90));
        assert_eq!(entry.note, "went through of call recordings");
        assert_eq!(entry.held_on, date(2026, 11, 26));
    }

    #[test]
    fn a_sign_glued_to_a_length_is_refused_wherever_the_length_is_read() {
        for (typed, shown) in [
            (format!("-30m {DANA} pipeline review"), "-30m"),
            (format!("+1h {DANA} pipeline review"), "+1h"),
            (format!("1h- {DANA} pipeline review"), "1h-"),
            (format!("–30m {DANA} pipeline review"), "–30m"),
            (format!("{DANA} -30m pipeline review"), "-30m"),
            (format!("{DANA} pipeline review -45 minutes"), "-45 minutes"),
            (format!("met {DANA} for -30m re pricing"), "-30m"),
            (format!("-90 {DANA}"), "-90"),
        ] {
            assert_eq!(
                log_error(&typed),
                CommandError::SignedDuration(shown.into()),
                "{typed}"
            );
        }
        assert_eq!(
            meet("-30m stuck deals"),
            Err(CommandError::SignedDuration("-30m".into()))
        );
    }

    #[test]
    fn a_lone_dash_between_words_stays_a_separator() {
        let entry = log(&format!("45m {DANA} - pipeline review - Q4"));
        assert_eq!(
            (entry.minutes, entry.note.as_str()),
            (minutes(45), "pipeline review - Q4")
        );
        let entry = log(&format!("45m {DANA} re-review of the 1-1 notes"));
        assert_eq!(entry.note, "re-review of the 1-1 notes");
    }

    #[test]
    fn a_range_of_lengths_asks_for_one() {
        for (typed, shown) in [
            (format!("30-45m {DANA} pipeline review"), "30-45m"),
            (format!("{DANA} 1-2h deal review"), "1-2h"),
            (
                format!("{DANA} pipeline review 30–45 minutes"),
                "30–45 minutes",
            ),
            (format!("30-45 {DANA} pipeline"), "30-45"),
        ] {
            assert_eq!(
                log_error(&typed),
                CommandError::DurationRange(shown.into()),
                "{typed}"
            );
        }
        assert_eq!(
            meet("30-45m stuck deals"),
            Err(CommandError::DurationRange("30-45m".into()))
        );
    }

    #[test]
    fn a_day_typed_after_the_note_is_the_day_and_not_the_note() {
        for typed in [
            "Nov 20",
            "20 Nov",
            "November 20th",
            "the 20th",
            "on the 20th",
            "11/20",
            "20/11",
        ] {
            let entry = log(&format!("45m {DANA} pipeline review {typed}"));
            assert_eq!(
                (entry.held_on, entry.note.as_str()),
                (date(2026, 11, 20), "pipeline review"),
                "{typed}"
            );
        }
    }

    #[test]
    fn a_day_typed_after_the_time_or_the_reps_is_the_day() {
        let entry = log(&format!("45m {DANA} Nov 20 pipeline review"));
        assert_eq!(
            (entry.held_on, entry.note.as_str()),
            (date(2026, 11, 20), "pipeline review")
        );
        let entry = log(&format!("20 nov 45m {DANA} pipeline review"));
        assert_eq!(
            (entry.held_on, entry.minutes),
            (date(2026, 11, 20), minutes(45))
        );
        let entry = log(&format!("{DANA} 20 nov 45m pipeline review"));
        assert_eq!(
            (entry.held_on, entry.minutes),
            (date(2026, 11, 20), minutes(45))
        );
        let meeting = meet("60m 20 Nov stuck deals").expect("meeting");
        assert_eq!(
            (meeting.held_on, meeting.note.as_str()),
            (date(2026, 11, 20), "stuck deals")
        );
    }

    #[test]
    fn a_day_after_on_is_the_day_wherever_it_stands() {
        let entry = log(&format!(
            "45m {DANA} pipeline review on Nov 20 with the new deck"
        ));
        assert_eq!(
            (entry.held_on, entry.note.as_str()),
            (date(2026, 11, 20), "pipeline review with the new deck")
        );
        let entry = log(&format!("45m {DANA} call on tuesday about renewals"));
        assert_eq!(
            (entry.held_on, entry.note.as_str()),
            (date(2026, 11, 24), "call about renewals")
        );
    }

    #[test]
    fn words_that_name_no_day_are_refused_where_the_day_is_read() {
        for (typed, phrase) in [
            (format!("45m {DANA} pipeline review last week"), "last week"),
            (
                format!("45m {DANA} pipeline review the other day"),
                "the other day",
            ),
            (
                format!("last month 45m {DANA} pipeline review"),
                "last month",
            ),
            (
                format!("45m {DANA} earlier this week pipeline review"),
                "earlier this week",
            ),
            (
                format!("45m {DANA} pipeline review on last week"),
                "last week",
            ),
            (format!("forgot to log last week 45m {DANA}"), "last week"),
        ] {
            assert_eq!(
                log_error(&typed),
                CommandError::VagueDay(phrase.into()),
                "{typed}"
            );
        }
        assert_eq!(
            meet("60m stuck deals last week"),
            Err(CommandError::VagueDay("last week".into()))
        );
    }

    #[test]
    fn a_numeric_day_that_reads_two_ways_is_refused() {
        assert!(matches!(
            log_error(&format!("45m {DANA} pipeline review 11/5")),
            CommandError::AmbiguousDate { .. }
        ));
    }

    #[test]
    fn dates_inside_the_note_elsewhere_stay_the_note() {
        for note in [
            "prep for Dec 3 QBR",
            "follow up on last week's call",
            "recap of last week call prep",
            "Q4 plan 11/5 deck review",
            "CRM typo 2026-02-30 fixed",
        ] {
            let entry = log(&format!("45m {DANA} {note}"));
            assert_eq!(
                (entry.held_on, entry.note.as_str()),
                (today(), note),
                "{note}"
            );
        }
    }

    #[test]
    fn times_in_words_are_read_before_the_note() {
        for (typed, expected) in [
            ("an hour", 60),
            ("half an hour", 30),
            ("an hour and a half", 90),
            ("1 hr", 60),
            ("2 hrs", 120),
            ("90 mins", 90),
            ("quarter of an hour", 15),
        ] {
            let entry = log(&format!("{typed} {LEE} objection handling"));
            assert_eq!(entry.minutes, minutes(expected), "{typed}");
            assert_eq!(entry.note, "objection handling", "{typed}");
            assert_eq!(entry.activity, Activity::Skill, "{typed}");
        }
        let entry = log(&format!("{LEE} objection handling half an hour"));
        assert_eq!(
            (entry.minutes, entry.note.as_str()),
            (minutes(30), "objection handling")
        );
    }

    #[test]
    fn filler_before_the_time_day_or_rep_is_not_the_note() {
        let entry = log(&format!("forgot to log monday 30m {DANA}"));
        assert_eq!(entry.held_on, date(2026, 11, 23));
        assert_eq!((entry.minutes, entry.note.as_str()), (minutes(30), ""));
        let entry = log(&format!("just 30m {DANA} pipeline review"));
        assert_eq!(entry.note, "pipeline review");
        let entry = log(&format!("I had a 1:1 with {DANA} 45m forecast"));
        assert_eq!(
            (entry.minutes, entry.note.as_str()),
            (minutes(45), "forecast")
        );
        // Without a time, day or rep after them, the words are the note.
        let entry = log(&format!("30m {DANA} just checking in"));
        assert_eq!(entry.note, "just checking in");
    }

    #[test]
    fn a_second_time_followed_by_a_rep_starts_a_second_entry() {
        let entries = lines_on(
            &format!("45m {DANA} pipeline review, 30m {LEE} deal review"),
            today(),
        )
        .expect("two entries");
        assert_eq!(entries.len(), 2);
        assert_eq!(
            (
                entries[0].reps.clone(),
                entries[0].minutes,
                entries[0].note.as_str()
            ),
            (vec![dana()], minutes(45), "pipeline review")
        );
        assert_eq!(
            (
                entries[1].reps.clone(),
                entries[1].minutes,
                entries[1].note.as_str()
            ),
            (vec![lee()], minutes(30), "deal review")
        );
        assert_eq!(entries[1].activity, Activity::Deal);
    }

    #[test]
    fn a_rep_followed_by_a_second_time_starts_a_second_entry_too() {
        let entries = lines_on(
            &format!("{DANA} 45m pipeline yesterday and {SAM} {LEE} 1h deal on monday"),
            today(),
        )
        .expect("two entries");
        assert_eq!(entries.len(), 2);
        assert_eq!(
            (entries[0].held_on, entries[0].note.as_str()),
            (date(2026, 11, 26), "pipeline")
        );
        assert_eq!(entries[1].reps, vec![sam(), lee()]);
        assert_eq!(
            (entries[1].minutes, entries[1].held_on),
            (minutes(60), date(2026, 11, 23))
        );
    }

    #[test]
    fn a_reps_list_followed_by_a_separate_entry_keeps_every_rep_on_its_own_entry() {
        let entries = lines_on(
            &format!("45m {DANA} {SAM} , 45m {DANA} pipeline review"),
            today(),
        )
        .expect("two entries");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].reps, vec![dana(), sam()]);
        assert_eq!(entries[1].reps, vec![dana()]);
        assert_eq!(entries[1].activity, Activity::Pipeline);
        // A time right after a list of the entry's own reps is a second time, not an entry.
        assert_eq!(
            log_error(&format!("45m {DANA} {SAM} 30m")),
            CommandError::TwoDurations("45m".into(), "30m".into())
        );
    }

    #[test]
    fn a_second_time_without_a_rep_after_it_stays_in_one_entry() {
        let entry = log(&format!("45m {DANA} review the 30m deal"));
        assert_eq!(
            (entry.minutes, entry.note.as_str()),
            (minutes(45), "review the 30m deal")
        );
        assert_eq!(
            log_error(&format!("45m {DANA} pipeline review 30m")),
            CommandError::TwoDurations("45m".into(), "30m".into())
        );
    }

    #[test]
    fn a_day_that_opens_the_line_is_every_entrys_that_names_none() {
        let entries = lines_on(
            &format!("yesterday: 45m {DANA} pipeline, 30m {LEE} deal, 20m {SAM} skill friday"),
            today(),
        )
        .expect("three entries");
        let days: Vec<NaiveDate> = entries.iter().map(|e| e.held_on).collect();
        assert_eq!(days, [date(2026, 11, 26), date(2026, 11, 26), today()]);
        let entries = lines_on(
            &format!("45m {DANA} pipeline yesterday, 30m {LEE} deal"),
            today(),
        )
        .expect("two entries");
        assert_eq!(
            entries[1].held_on,
            today(),
            "a day at an entry's end is its own"
        );
    }

    #[test]
    fn one_wrong_entry_refuses_the_whole_line() {
        assert_eq!(
            lines_on(&format!("45m {DANA} pipeline, 0m {LEE} deal"), today()),
            Err(CommandError::DurationTooShort("0m".into()))
        );
        assert_eq!(
            lines_on(
                &format!("45m {DANA} pipeline, 30m {LEE} ride-along"),
                today()
            ),
            Err(CommandError::RideAlong)
        );
    }

    #[test]
    fn a_time_before_the_note_wins_over_one_inside_it() {
        let entry = log(&format!("30m {DANA} prep for the 2 hour QBR"));
        assert_eq!(entry.minutes, minutes(30));
        assert_eq!(entry.note, "prep for the 2 hour QBR");
    }

    #[test]
    fn two_times_inside_the_note_are_too_ambiguous_to_pick() {
        assert_eq!(
            log_error(&format!(
                "{DANA} calls for 2 hours then notes for 30 minutes on the deal"
            )),
            CommandError::MissingDuration
        );
    }

    fn log_error(text: &str) -> CommandError {
        log_on(text, today()).expect_err(text)
    }

    fn meet(text: &str) -> Result<MeetingEntry, CommandError> {
        meeting(&token::tokens(text), today())
    }

    fn minutes_of(text: &str) -> u32 {
        log(text).minutes.get()
    }

    fn held_on(text: &str) -> NaiveDate {
        log(text).held_on
    }

    #[test]
    fn log_with_time_mention_and_note() {
        assert_eq!(
            log(&format!("45m {DANA} pipeline review")),
            SessionEntry {
                reps: vec![dana()],
                minutes: minutes(45),
                activity: Activity::Pipeline,
                note: note_of("pipeline review"),
                held_on: today(),
            }
        );
    }

    #[test]
    fn log_for_several_reps_names_each_in_order_with_the_same_length() {
        assert_eq!(
            log(&format!("1h30m {SAM} {DANA} deal strategy yesterday")),
            SessionEntry {
                reps: vec![sam(), dana()],
                minutes: minutes(90),
                activity: Activity::Deal,
                note: note_of("deal strategy"),
                held_on: date(2026, 11, 26),
            }
        );
    }

    #[test]
    fn log_with_mention_before_the_time() {
        let log = log(&format!("{DANA} 45m pipeline"));
        assert_eq!((log.reps, log.minutes), (vec![dana()], minutes(45)));
        assert_eq!(log.note, "pipeline");
    }

    #[test]
    fn log_with_the_time_at_the_end_of_the_note() {
        let log = log(&format!("{DANA} pipeline review 45m"));
        assert_eq!(
            (log.minutes, log.note.as_str()),
            (minutes(45), "pipeline review")
        );
    }

    #[test]
    fn log_with_a_spelled_out_time_at_the_end_of_the_note() {
        let log = log(&format!("{DANA} pipeline review 1 hour 30 minutes"));
        assert_eq!(
            (log.minutes, log.note.as_str()),
            (minutes(90), "pipeline review")
        );
    }

    #[test]
    fn log_with_time_and_day_at_the_end_in_either_order() {
        for text in [
            format!("{DANA} pipeline review 45m yesterday"),
            format!("{DANA} pipeline review yesterday 45m"),
        ] {
            let log = log(&text);
            assert_eq!(log.minutes, minutes(45), "{text}");
            assert_eq!(log.held_on, date(2026, 11, 26), "{text}");
            assert_eq!(log.note, "pipeline review", "{text}");
        }
    }

    #[test]
    fn log_drops_a_dangling_for_before_a_time_at_the_end() {
        assert_eq!(
            log(&format!("{DANA} pipeline review for 45m")).note,
            "pipeline review"
        );
    }

    #[test]
    fn log_with_a_bare_number_before_the_note_reads_it_as_minutes() {
        let log = log(&format!("90 {DANA} forecast"));
        assert_eq!(
            (log.minutes, log.activity),
            (minutes(90), Activity::Pipeline)
        );
        assert_eq!(minutes_of(&format!("{DANA} 90 forecast")), 90);
    }

    #[test]
    fn log_keeps_a_number_inside_the_note() {
        let log = log(&format!("45m {DANA} reviewed 3 deals"));
        assert_eq!(
            (log.minutes, log.note.as_str()),
            (minutes(45), "reviewed 3 deals")
        );
        assert_eq!(log.activity, Activity::Deal);
    }

    #[test]
    fn log_keeps_a_number_that_opens_the_note_once_the_time_is_known() {
        let log = log(&format!("45m {DANA} 3 deals reviewed"));
        assert_eq!(
            (log.minutes, log.note.as_str()),
            (minutes(45), "3 deals reviewed")
        );
    }

    #[test]
    fn log_with_a_bare_number_at_the_end_has_no_time() {
        assert_eq!(
            log_error(&format!("{DANA} pipeline review 90")),
            CommandError::MissingDuration
        );
    }

    #[test]
    fn log_takes_mentions_joined_by_commas_and_and() {
        let log = log(&format!("{DANA}, {SAM} and {LEE} 30m pipeline"));
        assert_eq!(log.reps, vec![dana(), sam(), lee()]);
        assert_eq!(log.note, "pipeline");
    }

    #[test]
    fn log_names_a_rep_mentioned_twice_once() {
        let log = log(&format!("30m {DANA} {SAM} <@U0DANA001> pipeline"));
        assert_eq!(log.reps, vec![dana(), sam()]);
    }

    #[test]
    fn log_takes_a_mention_from_inside_the_note_and_removes_it() {
        let log = log(&format!("45m pipeline review with {DANA} and {SAM}"));
        assert_eq!(log.reps, vec![dana(), sam()]);
        assert_eq!(log.note, "pipeline review");
    }

    #[test]
    fn log_skips_one_on_one_and_with_before_the_mention() {
        let log = log(&format!("1:1 with {DANA} 30m objection handling"));
        assert_eq!((log.minutes, log.activity), (minutes(30), Activity::Skill));
        assert_eq!(log.note, "objection handling");
    }

    #[test]
    fn log_ignores_case_but_keeps_the_note_as_typed() {
        let log = log(&format!("45M {DANA} PIPELINE Review YESTERDAY"));
        assert_eq!(log.minutes, minutes(45));
        assert_eq!(log.held_on, date(2026, 11, 26));
        assert_eq!(
            (log.note.as_str(), log.activity),
            ("PIPELINE Review", Activity::Pipeline)
        );
    }

    #[test]
    fn log_ignores_extra_spaces() {
        assert_eq!(
            log(&format!("  45m   {DANA}\t  pipeline    review  ")).note,
            "pipeline review"
        );
    }

    #[test]
    fn log_note_has_slack_escaping_undone() {
        let log = log(&format!("30m {DANA} Q&amp;A on pricing &lt;draft&gt;"));
        assert_eq!(log.note, "Q&A on pricing <draft>");
        assert_eq!(log.activity, Activity::Deal);
    }

    #[test]
    fn log_note_loses_separators_left_at_its_ends() {
        assert_eq!(
            log(&format!("45m {DANA}: pipeline review, yesterday")).note,
            "pipeline review"
        );
        assert_eq!(
            log(&format!("45m {DANA} - pipeline review")).note,
            "pipeline review"
        );
    }

    #[test]
    fn log_note_keeps_an_emoji_at_its_end() {
        assert_eq!(
            log(&format!("45m {DANA} closed Acme 🎉")).note,
            "closed Acme 🎉"
        );
    }

    #[test]
    fn log_without_a_note_is_other_coaching() {
        let log = log(&format!("45m {DANA}"));
        assert_eq!((log.note.as_str(), log.activity), ("", Activity::Other));
    }

    #[test]
    fn log_note_of_500_characters_is_kept() {
        let note = "a".repeat(500);
        assert_eq!(log(&format!("45m {DANA} {note}")).note, note.as_str());
    }

    #[test]
    fn log_note_over_500_characters_is_refused() {
        let note = "é".repeat(501);
        assert_eq!(
            log_error(&format!("45m {DANA} {note}")),
            CommandError::NoteTooLong(501)
        );
    }

    #[test]
    fn log_reads_every_duration_form() {
        let forms = [
            ("45m", 45),
            ("45min", 45),
            ("45mins", 45),
            ("45 minutes", 45),
            ("1h", 60),
            ("1hr", 60),
            ("1 hour", 60),
            ("2 hours", 120),
            ("1.5h", 90),
            ("1,5h", 90),
            ("1h30m", 90),
            ("1h30", 90),
            ("1h 30m", 90),
            ("1 hour 30 minutes", 90),
            ("1:30", 90),
            ("90", 90),
        ];
        for (typed, expected) in forms {
            assert_eq!(
                minutes_of(&format!("{typed} {DANA} pipeline")),
                expected,
                "{typed}"
            );
            assert_eq!(
                minutes_of(&format!("{DANA} {typed} pipeline")),
                expected,
                "{typed}"
            );
        }
    }

    #[test]
    fn log_rounds_fractions_to_the_nearest_minute() {
        assert_eq!(minutes_of(&format!("1.01h {DANA}")), 61);
        assert_eq!(minutes_of(&format!("0.2h {DANA}")), 12);
        assert_eq!(minutes_of(&format!("2.5m {DANA}")), 3);
        assert_eq!(minutes_of(&format!("2.4m {DANA}")), 2);
    }

    #[test]
    fn log_of_one_minute_to_eight_hours_is_kept() {
        assert_eq!(minutes_of(&format!("1m {DANA}")), 1);
        assert_eq!(minutes_of(&format!("8h {DANA}")), 480);
        assert_eq!(minutes_of(&format!("480 {DANA}")), 480);
    }

    #[test]
    fn log_of_zero_minutes_is_too_short() {
        assert_eq!(
            log_error(&format!("0m {DANA} pipeline")),
            CommandError::DurationTooShort("0m".into())
        );
        assert_eq!(
            log_error(&format!("0.2m {DANA} pipeline")),
            CommandError::DurationTooShort("0.2m".into())
        );
    }

    #[test]
    fn log_over_eight_hours_is_too_long() {
        assert_eq!(
            log_error(&format!("8h1m {DANA} pipeline")),
            CommandError::DurationTooLong("8h1m".into())
        );
        assert_eq!(
            log_error(&format!("481 {DANA} pipeline")),
            CommandError::DurationTooLong("481".into())
        );
        assert_eq!(
            log_error(&format!("99999999999999999999999h {DANA}")),
            CommandError::DurationTooLong("99999999999999999999999h".into())
        );
    }

    #[test]
    fn log_with_two_durations_names_both_in_typing_order() {
        assert_eq!(
            log_error(&format!("45m {DANA} pipeline review 30m")),
            CommandError::TwoDurations("45m".into(), "30m".into())
        );
        assert_eq!(
            log_error(&format!("45m 1 hour {DANA} pipeline")),
            CommandError::TwoDurations("45m".into(), "1 hour".into())
        );
    }

    #[test]
    fn log_with_two_days_names_both_in_typing_order() {
        assert_eq!(
            log_error(&format!("yesterday 45m {DANA} pipeline friday")),
            CommandError::TwoDates("yesterday".into(), "friday".into())
        );
        assert_eq!(
            log_error(&format!("45m {DANA} pipeline on 2026-11-20 yesterday")),
            CommandError::TwoDates("on 2026-11-20".into(), "yesterday".into())
        );
    }

    #[test]
    fn log_defaults_to_today() {
        assert_eq!(held_on(&format!("45m {DANA} pipeline")), today());
        assert_eq!(held_on(&format!("45m {DANA} pipeline today")), today());
    }

    #[test]
    fn log_yesterday() {
        assert_eq!(
            held_on(&format!("45m {DANA} pipeline yesterday")),
            date(2026, 11, 26)
        );
    }

    #[test]
    fn log_on_a_weekday_is_the_most_recent_one_today_included() {
        let days = [
            ("mon", 23),
            ("monday", 23),
            ("tue", 24),
            ("tues", 24),
            ("tuesday", 24),
            ("wed", 25),
            ("wednesday", 25),
            ("thu", 26),
            ("thur", 26),
            ("thurs", 26),
            ("thursday", 26),
            ("fri", 27),
            ("friday", 27),
            ("sat", 21),
            ("saturday", 21),
            ("sun", 22),
            ("sunday", 22),
        ];
        for (word, day) in days {
            assert_eq!(
                held_on(&format!("45m {DANA} pipeline {word}")),
                date(2026, 11, day),
                "{word}"
            );
        }
    }

    #[test]
    fn log_last_weekday_is_strictly_before_today() {
        assert_eq!(
            held_on(&format!("45m {DANA} pipeline last friday")),
            date(2026, 11, 20)
        );
        assert_eq!(
            held_on(&format!("45m {DANA} pipeline last thu")),
            date(2026, 11, 26)
        );
        assert_eq!(
            held_on(&format!("45m {DANA} pipeline last sat")),
            date(2026, 11, 21)
        );
    }

    #[test]
    fn log_on_an_iso_date_with_or_without_on() {
        assert_eq!(
            held_on(&format!("45m {DANA} pipeline 2026-11-20")),
            date(2026, 11, 20)
        );
        assert_eq!(
            held_on(&format!("45m {DANA} pipeline on 2026-11-20")),
            date(2026, 11, 20)
        );
        assert_eq!(held_on(&format!("45m {DANA} pipeline on friday")), today());
    }

    #[test]
    fn log_with_the_day_before_the_note() {
        let log = log(&format!("yesterday 45m {DANA} pipeline review"));
        assert_eq!(
            (log.held_on, log.note.as_str()),
            (date(2026, 11, 26), "pipeline review")
        );
        let log = log_on(&format!("45m {DANA} on wed forecast"), today()).unwrap();
        assert_eq!(
            (log.held_on, log.note.as_str()),
            (date(2026, 11, 25), "forecast")
        );
    }

    #[test]
    fn log_keeps_a_weekday_inside_the_note() {
        let log = log(&format!("45m {DANA} prep for friday demo"));
        assert_eq!(
            (log.held_on, log.note.as_str()),
            (today(), "prep for friday demo")
        );
    }

    #[test]
    fn log_reads_sat_in_as_observing_not_saturday() {
        let log = log(&format!("45m {DANA} sat in on discovery call"));
        assert_eq!(log.held_on, today());
        assert_eq!(log.activity, Activity::Observation);
        assert_eq!(log.note, "sat in on discovery call");
    }

    #[test]
    fn log_in_the_future_is_refused() {
        assert_eq!(
            log_error(&format!("45m {DANA} pipeline 2026-11-28")),
            CommandError::FutureDate(ShownDay::new(date(2026, 11, 28), today()))
        );
        assert_eq!(
            log_error(&format!("45m {DANA} pipeline tomorrow")),
            CommandError::FutureDate(ShownDay::new(date(2026, 11, 28), today()))
        );
    }

    #[test]
    fn log_62_days_back_is_kept_and_63_refused() {
        assert_eq!(
            held_on(&format!("45m {DANA} pipeline 2026-09-26")),
            date(2026, 9, 26)
        );
        assert_eq!(
            log_error(&format!("45m {DANA} pipeline 2026-09-25")),
            CommandError::TooFarBack(ShownDay::new(date(2026, 9, 25), today()))
        );
    }

    #[test]
    fn log_on_an_impossible_date_names_it() {
        assert_eq!(
            log_error(&format!("45m {DANA} pipeline 2026-02-30")),
            CommandError::ImpossibleDate("2026-02-30".into())
        );
        assert_eq!(
            log_error(&format!("on 2026-13-01 45m {DANA} pipeline")),
            CommandError::ImpossibleDate("2026-13-01".into())
        );
    }

    #[test]
    fn log_days_cross_month_and_year_boundaries() {
        let tuesday = date(2026, 12, 1);
        let on = |text: &str, today| {
            log_on(&format!("45m {DANA} {text}"), today)
                .unwrap()
                .held_on
        };
        assert_eq!(on("yesterday", tuesday), date(2026, 11, 30));
        assert_eq!(on("last tue", tuesday), date(2026, 11, 24));
        assert_eq!(on("sun", tuesday), date(2026, 11, 29));
        let new_year = date(2027, 1, 1);
        assert_eq!(on("yesterday", new_year), date(2026, 12, 31));
        assert_eq!(on("thursday", new_year), date(2026, 12, 31));
        assert_eq!(on("2026-10-31", new_year), date(2026, 10, 31));
        assert_eq!(
            log_on(&format!("45m {DANA} 2026-10-30"), new_year),
            Err(CommandError::TooFarBack(ShownDay::new(
                date(2026, 10, 30),
                new_year
            )))
        );
        assert_eq!(on("yesterday", date(2028, 3, 1)), date(2028, 2, 29));
    }

    #[test]
    fn log_without_a_mention_asks_who_it_was_with() {
        assert_eq!(log_error("45m pipeline review"), CommandError::MissingRep);
        assert_eq!(log_error("pipeline review 45m"), CommandError::MissingRep);
    }

    #[test]
    fn log_without_a_time_asks_how_long() {
        assert_eq!(
            log_error(&format!("{DANA} pipeline review")),
            CommandError::MissingDuration
        );
        assert_eq!(log_error("yesterday pipeline"), CommandError::MissingRep);
    }

    #[test]
    fn log_of_unrecognised_words_names_the_first() {
        assert_eq!(
            log_error("foo bar"),
            CommandError::UnknownWord("foo".into())
        );
    }

    #[test]
    fn log_with_plain_at_name_explains_autocomplete() {
        assert_eq!(
            log_error("45m @dana pipeline review"),
            CommandError::PlainAtName {
                name: "@dana".into(),
                context: MentionContext::Log
            }
        );
    }

    #[test]
    fn log_with_a_group_channel_or_broadcast_asks_for_each_rep() {
        for (typed, group) in [
            ("<!subteam^S0SALES1|@sales>", "@sales"),
            ("<#C0GENERAL|general>", "#general"),
            ("<!here>", "@here"),
            ("<!channel>", "@channel"),
        ] {
            assert_eq!(
                log_error(&format!("45m {typed} pipeline review")),
                CommandError::GroupMention {
                    group: group.into(),
                    context: MentionContext::Log
                },
                "{typed}"
            );
        }
    }

    #[test]
    fn log_of_a_ride_along_is_refused_with_how_to_log_observing() {
        for note in [
            "ride along to Acme",
            "ride-along to Acme",
            "Ridealong with the team",
            "riding along on renewals",
            "rode along to the client",
            "joint call with Acme",
            "joint sales call",
            "joint visit at Acme",
        ] {
            assert_eq!(
                log_error(&format!("2h {DANA} {note}")),
                CommandError::RideAlong,
                "{note}"
            );
        }
    }

    #[test]
    fn log_of_a_ride_along_is_refused_before_anything_else_is_asked() {
        assert_eq!(log_error("ride along with @dana"), CommandError::RideAlong);
    }

    #[test]
    fn meeting_with_time_and_topics() {
        assert_eq!(
            meet("60m stuck deals, wins"),
            Ok(MeetingEntry {
                minutes: minutes(60),
                topics: vec![Topic::StuckDeals, Topic::CustomerWinsLosses],
                note: note_of("stuck deals, wins"),
                held_on: today(),
            })
        );
    }

    #[test]
    fn meeting_topics_are_sorted_and_each_listed_once() {
        let meeting =
            meet("1h lost deals, competitor pricing, company news, new product launch, forecast and pipeline, stalled deals yesterday")
                .unwrap();
        assert_eq!(meeting.topics, Topic::ALL.to_vec());
        assert_eq!(meeting.held_on, date(2026, 11, 26));
    }

    #[test]
    fn meeting_without_topics_has_none() {
        let meeting = meet("30m").unwrap();
        assert_eq!((meeting.topics, meeting.note), (vec![], Note::default()));
    }

    #[test]
    fn meeting_with_the_time_at_the_end() {
        let meeting = meet("stuck deals 45 minutes").unwrap();
        assert_eq!(meeting.minutes, minutes(45));
        assert_eq!(meeting.note, "stuck deals");
    }

    #[test]
    fn meeting_without_a_time_asks_how_long() {
        assert_eq!(
            meet("stuck deals"),
            Err(CommandError::MeetingWithoutDuration)
        );
        assert_eq!(meet(""), Err(CommandError::MeetingWithoutDuration));
    }

    #[test]
    fn meeting_with_a_mention_says_no_one_needs_mentioning() {
        for typed in [DANA, "@dana", "<!here>", "<!subteam^S0SALES1|@sales>"] {
            assert_eq!(
                meet(&format!("60m pipeline {typed}")),
                Err(CommandError::MentionInMeeting),
                "{typed}"
            );
        }
    }

    #[test]
    fn meeting_days_follow_the_session_rules() {
        assert_eq!(
            meet("on monday 60m pipeline").unwrap().held_on,
            date(2026, 11, 23)
        );
        assert_eq!(
            meet("60m pipeline 2026-11-30"),
            Err(CommandError::FutureDate(ShownDay::new(
                date(2026, 11, 30),
                today()
            )))
        );
        assert_eq!(
            meet("60m 30m pipeline"),
            Err(CommandError::TwoDurations("60m".into(), "30m".into()))
        );
    }
}
