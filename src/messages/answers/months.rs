//! Answers about months: `status` (the month in progress against today's
//! pace), `report` (a month's summary), and each rep's month as one line,
//! which the answers to a log or an edit show too.

use chrono::{Datelike, NaiveDate};
use slack_morphism::prelude::*;

use super::first_of_month;
use crate::app::{Dashboard, MonthReport};
use crate::domain::{
    plural, share_on_pace, Confirmation, Pace, RepProgress, SlackUserId, Standing, YearMonth,
};
use crate::messages::{day, left_on, meeting_line, minutes, Message};

pub(super) fn status(d: &Dashboard) -> SlackMessageContent {
    let title = format!("Coaching in {}", d.month_name());
    let mut message =
        Message::new(format!("{title}: {}.", plural(d.reps.len(), "rep", "reps"))).header(&title);
    if d.reps.is_empty() {
        message =
            message.text("Your team is empty. Add your reps with `/coach team add @dana @lee`.");
    } else {
        let (on_pace, on_team) = share_on_pace(&d.reps);
        let lines: Vec<String> = d
            .reps
            .iter()
            .map(|p| progress_line(p, d.today, Period::ThisMonth))
            .collect();
        message = message
            .text(&format!(
                "*{on_pace} of {} on pace* — the target is {} per rep per month.",
                plural(on_team, "rep", "reps"),
                minutes(d.target)
            ))
            .text(&lines.join("\n"));
        if d.reps.iter().any(|p| {
            matches!(
                p.standing,
                Standing::OnTeam {
                    counted_from: Some(_),
                    ..
                }
            )
        }) {
            message = message.context(&format!(
                "Pace counts from each rep's join day. If someone was on your team before they were added, set the day: `/coach team add @name since {}`.",
                first_of_month(d.today)
            ));
        }
    }
    message = message.text(&meeting_line(d.meeting));
    if let Some(until) = d.snoozed_until {
        message = message.context(&format!(
            ":zzz: Reminders paused until {}.",
            day(until, d.today)
        ));
    }
    message
        .context("Log coaching with `/coach 45m @rep pipeline review`, a meeting with `/coach meeting 60m stuck deals, wins`.")
        .into_content()
}

impl Dashboard {
    fn month_name(&self) -> String {
        self.month.first_day().format("%B %Y").to_string()
    }
}

pub(super) fn month_report(r: &MonthReport, today: NaiveDate) -> SlackMessageContent {
    let name = r.month.first_day().format("%B %Y").to_string();
    let title = if r.finished {
        format!("Coaching report: {name}")
    } else {
        format!("Coaching report: {name} so far")
    };
    let total: u32 = r.reps.iter().map(|p| p.minutes.total()).sum();
    // Reps who left have no target to reach on the team.
    let on_team: Vec<Pace> = r.reps.iter().filter_map(RepProgress::pace).collect();
    let on_target = on_team
        .iter()
        .filter(|pace| pace.minutes >= pace.month_target)
        .count();
    let summary = format!(
        "{} · {} of your time coaching · {} credited across {} · {} of {} reached the month's target.",
        plural(r.meetings as usize, "team meeting", "team meetings"),
        minutes(r.manager_time.total()),
        minutes(total),
        plural(r.reps.len(), "rep", "reps"),
        on_target,
        on_team.len()
    );
    let mut message = Message::new(format!("{title}. {summary}"))
        .header(&title)
        .text(&summary);
    if !r.reps.is_empty() {
        let period = if r.finished {
            Period::Finished(r.month)
        } else {
            Period::ThisMonth
        };
        let lines: Vec<String> = r
            .reps
            .iter()
            .map(|p| progress_line(p, today, period))
            .collect();
        message = message.text(&lines.join("\n"));
    }
    if !r.words.is_empty() {
        message = message.text(&reps_words(&r.words));
    }
    if total != r.manager_time.total() {
        message = message.context("Your time counts each 1:1 and each team meeting once; the reps' credit counts a meeting for every rep on the team that day and a 1:1 for each rep in it, so the two differ.");
    }
    message
        .context(&format!(
            "Target: {} per rep per month, from the first day each rep was on a team that month.",
            minutes(r.target)
        ))
        .into_content()
}

/// Each rep's word on their 1:1s: `@ana — 2 confirmed · 1 disputed, not counted · …`.
fn reps_words(words: &[(SlackUserId, Confirmation, u32)]) -> String {
    let mut reps: Vec<&SlackUserId> = words.iter().map(|(rep, _, _)| rep).collect();
    reps.dedup();
    let lines: Vec<String> = reps
        .into_iter()
        .map(|rep| {
            let count = |wanted: &[Confirmation]| -> u32 {
                words
                    .iter()
                    .filter(|(who, word, _)| who == rep && wanted.contains(word))
                    .map(|(_, _, n)| n)
                    .sum()
            };
            format!(
                "{} — {} confirmed · {} disputed, not counted · {} kept after a dispute · {} waiting",
                rep.mention(),
                count(&[Confirmation::Helped]),
                count(&[Confirmation::Disputed]),
                count(&[Confirmation::Kept]),
                count(&[Confirmation::Asked])
            )
        })
        .collect();
    format!("*Reps' word on their 1:1s*\n{}", lines.join("\n"))
}

/// `October`, or `December 2025` when it is not this year's.
fn month_name(month: YearMonth, today: NaiveDate) -> String {
    let format = if month.year() == today.year() {
        "%B"
    } else {
        "%B %Y"
    };
    month.first_day().format(format).to_string()
}

/// Which month a progress line is about.
#[derive(Clone, Copy)]
pub(super) enum Period {
    /// The month in progress: today's pace matters.
    ThisMonth,
    /// A month that is over: only the target does.
    Finished(YearMonth),
}

/// One rep's month in plain words: the minutes, the target (counted from
/// the first day they were on a team, when that was mid-month), today's
/// pace and where they stand, or the day they left.
/// `@rep — 45m this month · target 3h · today's pace 2h 36m · ⚠ 1h 51m behind`.
pub(super) fn progress_line(p: &RepProgress, today: NaiveDate, period: Period) -> String {
    let detail = if p.minutes.meetings > 0 {
        format!(
            " ({} 1:1, {} meetings)",
            minutes(p.minutes.one_on_one),
            minutes(p.minutes.meetings)
        )
    } else {
        String::new()
    };
    let credit = match period {
        Period::ThisMonth => format!("{} this month{detail}", minutes(p.minutes.total())),
        Period::Finished(month) => format!(
            "{} in {}{detail}",
            minutes(p.minutes.total()),
            month_name(month, today)
        ),
    };
    let (pace, counted_from) = match p.standing {
        Standing::OnTeam { pace, counted_from } => (pace, counted_from),
        Standing::Left { last_day } => {
            return format!(
                "{} — {credit} · {}",
                p.rep.mention(),
                left_on(last_day, today)
            )
        }
    };
    let since = counted_from
        .map(|from| format!(" since joining {}", day(from, today)))
        .unwrap_or_default();
    let target = format!("target {}{since}", minutes(pace.month_target));
    let state = match period {
        Period::ThisMonth if pace.behind => format!(":warning: {} behind", minutes(pace.gap())),
        Period::ThisMonth => ":white_check_mark: on pace".to_string(),
        Period::Finished(_) if pace.minutes >= pace.month_target => {
            ":white_check_mark: reached".to_string()
        }
        Period::Finished(_) => format!(
            ":warning: {} short",
            minutes(pace.month_target - pace.minutes)
        ),
    };
    match period {
        Period::ThisMonth => format!(
            "{} — {credit} · {target} · today's pace {} · {state}",
            p.rep.mention(),
            minutes(pace.expected),
        ),
        Period::Finished(_) => format!("{} — {credit} · {target} · {state}", p.rep.mention()),
    }
}
