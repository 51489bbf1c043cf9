//! What `/coach` answers: logs, team changes, status, reports, help.

use chrono::NaiveDate;
use chrono_tz::Tz;
use slack_morphism::prelude::*;

use super::buttons::Button;
use super::{
    day, escape, meeting_line, mentions, minutes, progress_line, topics, Message, Period,
    MAX_BLOCKS,
};
use crate::app::{Answer, Dashboard, MonthProgress, MonthReport, Reply, Surface};
use crate::domain::{
    plural, share_on_pace, Confirmation, Entry, EntryKind, JoinChange, Pace, RemoveOutcome,
    RepProgress, SessionEntry, SlackUserId, Standing, StoredEntry, TeamTakenBack, TeamUndoRefused,
    YearMonth, STUDY_MINUTES,
};

/// The message for a `/coach` answer.
pub fn reply(answer: &Answer) -> SlackMessageContent {
    render(&answer.reply, answer.today)
}

fn render(reply: &Reply, today: NaiveDate) -> SlackMessageContent {
    match reply {
        Reply::Logged {
            line,
            entries,
            progress,
            moved,
            duplicates,
        } => {
            let what = match entries.as_slice() {
                [one] => format!("Logged {}.", session_summary(one, today)),
                many => format!("Logged {}:", plural(many.len(), "entry", "entries")),
            };
            let mut message =
                Message::new(what.clone()).text(&format!(":white_check_mark: {what}"));
            match entries.as_slice() {
                [one] if !one.note.is_empty() => {
                    message = message.context(&format!("Note: {}", escape(one.note.as_str())));
                }
                [_] => {}
                many => {
                    let lines: Vec<String> = many
                        .iter()
                        .map(|entry| {
                            let note = if entry.note.is_empty() {
                                String::new()
                            } else {
                                format!(" — {}", escape(entry.note.as_str()))
                            };
                            format!("• {}{note}", session_summary(entry, today))
                        })
                        .collect();
                    message = message.text(&lines.join("\n"));
                }
            }
            for moved in moved {
                message = message.context(&format!(
                    ":calendar: {}'s join day moved back from {} to {}, the day of this session; their pace counts from then.",
                    moved.rep.mention(),
                    day(moved.from, today),
                    day(moved.to, today)
                ));
            }
            if !duplicates.is_empty() {
                message = message.text(&duplicate_warning(duplicates, today));
            }
            message
                .text(&months_progress(progress, today))
                .buttons(vec![Button::Undo(*line).element("Undo", 0)])
                .into_content()
        }
        Reply::MeetingLogged {
            line,
            log,
            reps_counted,
            duplicates,
        } => {
            let what = format!(
                "Logged a {} team meeting on {}; it counts for {}.",
                log.minutes,
                day(log.held_on, today),
                plural(*reps_counted, "rep", "reps")
            );
            let covered = if log.topics.is_empty() {
                "No agenda topics recognised. Next time name them: stuck deals, pipeline, new products, announcements, market changes, wins and losses.".to_string()
            } else {
                format!("Covered: {}.", topics(&log.topics))
            };
            let mut message = Message::new(what.clone())
                .text(&format!(":white_check_mark: {what}"))
                .context(&covered);
            if !log.note.is_empty() {
                message = message.context(&format!("Note: {}", escape(log.note.as_str())));
            }
            if !duplicates.is_empty() {
                message = message.text(&duplicate_warning(duplicates, today));
            }
            message
                .buttons(vec![Button::Undo(*line).element("Undo", 0)])
                .into_content()
        }
        Reply::Edited {
            before,
            after,
            progress,
        } => {
            let what = format!(
                "Changed {} to {}.",
                entry_summary(before, today),
                entry_summary(after, today)
            );
            Message::new(what.clone())
                .text(&format!(":pencil2: {what}"))
                .text(&months_progress(progress, today))
                .into_content()
        }
        Reply::Deleted(entry) => plain(&format!(
            ":wastebasket: Deleted {}.",
            entry_summary(entry, today)
        )),
        Reply::RepAnswered { entry, manager, word } => {
            let what = rep_summary(entry, manager, today);
            plain(&match word {
                Confirmation::Disputed => format!(":warning: Noted: the {what} didn't happen. It no longer counts toward your month, and {} will be asked to keep it or delete it.", manager.mention()),
                _ => format!(":white_check_mark: Thanks! You confirmed the {what}."),
            })
        }
        Reply::RepAnsweredBefore(word) => plain(match word {
            Confirmation::Helped => "You confirmed this session already; that stands.",
            Confirmation::Disputed => "You said this session didn't happen; your manager has been asked to keep it or delete it.",
            Confirmation::Kept => "You said this session didn't happen, and your manager kept it after that.",
            Confirmation::Asked | Confirmation::NotAsked => "Nothing changed.",
        }),
        Reply::RepQuestionChanged => plain("That session was changed after I asked, so this question is out of date; I've asked you about it as it is now."),
        Reply::DisputeKept { entry, rep } => plain(&format!(
            ":white_check_mark: Kept {}: it counts for {} again.",
            entry_summary(entry, today),
            rep.mention()
        )),
        Reply::DisputeDeleted { entry, rep, whole: true } => plain(&format!(
            ":wastebasket: Deleted {}, as {} said it didn't happen.",
            entry_summary(entry, today),
            rep.mention()
        )),
        Reply::DisputeDeleted { entry, rep, whole: false } => plain(&format!(
            ":wastebasket: Took {} out of {}; it still counts for the others in it.",
            rep.mention(),
            entry_summary(entry, today)
        )),
        Reply::NotDisputed { rep, word } => plain(&match word {
            Confirmation::Kept => format!("You kept this session already; it counts for {}.", rep.mention()),
            _ => format!("There's nothing to settle: {} doesn't dispute this session (any more).", rep.mention()),
        }),
        Reply::EntryGone => plain("That entry is no longer there: it was deleted or taken back, so nothing changed."),
        Reply::NotYours { manager } => plain(&format!("{} logged that, so only they can change it; nothing changed.", manager.mention())),
        Reply::NotInSession => plain("That 1:1 isn't logged with you (any more), so only the reps in it can answer; nothing changed."),
        Reply::NotOnTeam {
            reps,
            manager_is_one,
        } => {
            let text = if *manager_is_one {
                "You can't log coaching with yourself. Mention the rep you coached, like `/coach 45m @dana pipeline review`.".to_string()
            } else {
                let who = mentions(reps);
                let (verb, them) = if reps.len() == 1 {
                    ("isn't", "them")
                } else {
                    ("aren't", "them all")
                };
                format!(
                    "{who} {verb} on your team yet, so nothing was logged. Add {them} with `/coach team add @name` (type @ and pick each from Slack's list), then log again."
                )
            };
            plain(&text)
        }
        Reply::OnAnotherTeamThatDay { rep, manager, day: on } => plain(&format!(
            "{} was on {}'s team on {}, so a session that day can't count for your team, and nothing was logged. Log coaching from the day they joined yours, like `/coach 45m @dana pipeline review today`.",
            rep.mention(),
            manager.mention(),
            day(*on, today)
        )),
        Reply::BeforeEarlierStint { rep, joined } => plain(&format!(
            "{} first joined your team on {}, and a session before that can't count for your team, so nothing was logged. Log coaching from then on, like `/coach 45m @dana pipeline review today`.",
            rep.mention(),
            day(*joined, today)
        )),
        Reply::NoTeamYet => plain("A team meeting counts for everyone on your team, and your team is empty, so nothing was logged. Add your reps first: `/coach team add @dana @lee`."),
        Reply::Team(team) if team.is_empty() => plain("Your team is empty. Add your reps with `/coach team add @dana @lee`, or `/coach team add @dana since 2026-11-02` if they joined before today."),
        Reply::Team(team) => {
            let names: Vec<String> = team
                .iter()
                .map(|m| format!("{} (since {})", m.rep.mention(), day(m.joined_on, today)))
                .collect();
            let text = format!(
                "Your team ({}): {}",
                plural(team.len(), "rep", "reps"),
                names.join(", ")
            );
            Message::new(text.clone())
                .text(&text)
                .context(&format!(
                    "Change it with `/coach team add @name` or `/coach team remove @name`; set when someone joined with `/coach team add @name since {}`.",
                    first_of_month(today)
                ))
                .into_content()
        }
        Reply::TeamAdded(outcomes) => team_added(outcomes, today),
        Reply::TeamRemoved(outcomes) => team_removed(outcomes, today),
        Reply::CannotCoachSelf => plain("You can't be on your own team. Add the reps you coach, like `/coach team add @dana`."),
        Reply::Status(dashboard) => status(dashboard),
        Reply::Report(report) => month_report(report, today),
        Reply::Undone { entries, join_days } => {
            let what: Vec<String> = entries.iter().map(|e| entry_summary(e, today)).collect();
            let mut text = match what.len() {
                1 => format!("Removed {}.", what.join("")),
                n => format!("Removed {n} entries: {}.", what.join("; ")),
            };
            for moved in join_days {
                text.push_str(&format!(
                    " {}'s join day is {} again.",
                    moved.rep.mention(),
                    day(moved.to, today)
                ));
            }
            Message::new(text.clone())
                .text(&format!(":leftwards_arrow_with_hook: {text}"))
                .into_content()
        }
        Reply::TeamUndone(taken_back) => team_undone(taken_back, today),
        Reply::TeamUndoRefused(refused) => team_undo_refused(refused, today),
        Reply::NothingToUndo => plain("There's nothing to undo: you haven't logged anything or changed your team yet."),
        Reply::AlreadyUndone => plain(":leftwards_arrow_with_hook: That was taken back already; nothing changed."),
        Reply::NoLongerThere => plain("That entry is no longer there (it was deleted), so there is nothing to take back."),
        Reply::SnoozeState(None) => plain("Reminders are on. To pause them, try `/coach snooze 1w` or `/coach snooze until 2026-12-24`."),
        Reply::SnoozeState(Some(until)) => plain(&format!("Reminders are paused; they start again on {}. Turn them back on now with `/coach snooze off`.", day(*until, today))),
        Reply::Snoozed(until) => plain(&format!(":zzz: Reminders paused; they start again on {}. Changed your mind? `/coach snooze off`.", day(*until, today))),
        Reply::SnoozeOff => plain(":bell: Reminders are back on."),
        Reply::AlreadySnoozed(until) => plain(&format!(":zzz: Reminders were already paused until {}; that stays as it was. `/coach snooze off` turns them back on.", day(*until, today))),
        Reply::FormOpening { opened: true, .. } => plain(":pencil2: The form is open."),
        Reply::FormOpening { opened: false, kind } => plain(match kind {
            EntryKind::Session => "Slack didn't open the form just now. Type the entry instead, like `/coach 45m @dana pipeline review`.",
            EntryKind::Meeting => "Slack didn't open the form just now. Type the meeting instead, like `/coach meeting 60m stuck deals, wins`.",
        }),
        Reply::ButtonGone => plain("That button no longer does anything. `/coach help` shows what you can do."),
        Reply::FormNeedsSlack(kind) => plain(match kind {
            EntryKind::Session => "The logging form opens in Slack. Here, type the entry instead, like `45m @dana pipeline review`.",
            EntryKind::Meeting => "The meeting form opens in Slack. Here, type the meeting instead, like `meeting 60m stuck deals, wins`.",
        }),
        Reply::TimeZone { tz, overridden, local_now } => {
            let source = if *overridden {
                "you set it; `/coach tz reset` goes back to your Slack time zone".to_string()
            } else {
                format!(
                    "from your Slack profile; change it with `/coach tz {}`",
                    another_zone(*tz)
                )
            };
            plain(&format!(
                "Your time zone is {} ({source}). It's {} {} there now; reminders arrive in this zone.",
                tz.name(),
                day(local_now.date(), today),
                local_now.format("%H:%M")
            ))
        }
        Reply::Help { target, surface } => help(*target, *surface, today),
        Reply::Welcome { tz, then } => {
            let mut content = render(then, today);
            let welcome = format!(
                ":wave: Welcome to coachbot! Your reminders will come on {} time, from your Slack profile (change it with `/coach tz {}`). `/coach help` shows everything.",
                tz.name(),
                another_zone(*tz)
            );
            let mut blocks = content.blocks.take().unwrap_or_default();
            blocks.truncate(MAX_BLOCKS - 1);
            blocks.push(
                SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                    SlackBlockMarkDownText::new(welcome),
                )])
                .into(),
            );
            content.blocks = Some(blocks);
            content
        }
        Reply::Mistake(text) => plain(text),
        Reply::DigestChannel(None) => plain("Your team has no digest channel. To post a weekly digest of your team's coaching, invite me to a channel (`/invite @coachbot`), then `/coach digest #team-sales`."),
        Reply::DigestChannel(Some(channel)) => plain(&format!(":mega: Your team's digest goes to {} every week. `/coach digest off` stops it.", channel.mention())),
        Reply::DigestSet(channel) => plain(&format!(":mega: Your team's digest will go to {} every week: each rep's month against pace and your meetings, never notes. `/coach digest off` stops it.", channel.mention())),
        Reply::DigestOff => plain(":mega: Your team's digest is off. `/coach digest #team-sales` starts it again."),
        Reply::NoDigestToStop => plain("Your team has no digest channel set, so there was no digest to turn off. Nothing changed."),
        Reply::DigestNeedsSlack => plain("A team digest needs Slack: coachbot posts it to a Slack channel every week, so it can't be set here. In Slack, invite coachbot to a channel (`/invite @coachbot`), then type `/coach digest #team-sales` and pick the channel."),
        Reply::DigestNeedsInvite(channel) => plain(&format!("I'm not in {} yet, so I can't post your digest there. Invite me first: type `/invite @coachbot` in that channel, then set it again. Nothing changed.", channel.mention())),
        Reply::DigestUnchecked(channel) => plain(&format!("I couldn't reach Slack to check that I'm in {}, so nothing changed. Please try again in a minute.", channel.mention())),
        Reply::SlackUnavailable => plain("Sorry, I couldn't reach Slack to set you up just now. Nothing was saved; please try again in a minute."),
        Reply::Apology => plain("Sorry, something went wrong on my side and nothing was saved. Please try again in a minute."),
    }
}

fn plain(text: &str) -> SlackMessageContent {
    Message::new(text).text(text).into_content()
}

/// An example zone that is not the manager's own, so that copying it changes something.
fn another_zone(tz: Tz) -> &'static str {
    if tz == Tz::Europe__Berlin {
        "America/New_York"
    } else {
        "Europe/Berlin"
    }
}

/// `2026-11-01`: a join day every manager can use as an example this month.
fn first_of_month(today: NaiveDate) -> String {
    crate::domain::YearMonth::of(today)
        .first_day()
        .format("%Y-%m-%d")
        .to_string()
}

fn session_summary(entry: &SessionEntry, today: NaiveDate) -> String {
    format!(
        "{} of {} with {} on {}",
        entry.minutes,
        entry.activity.label(),
        mentions(&entry.reps),
        day(entry.held_on, today)
    )
}

/// A 1:1 as its rep reads it: `45m of pipeline review with @boss on Fri 27 Nov`.
pub(super) fn rep_summary(stored: &StoredEntry, manager: &SlackUserId, today: NaiveDate) -> String {
    format!(
        "{} of {} with {} on {}",
        stored.entry.minutes(),
        match &stored.entry {
            Entry::Session(session) => session.activity.label(),
            Entry::Meeting(_) => "team meeting",
        },
        manager.mention(),
        day(stored.entry.held_on(), today)
    )
}

pub(super) fn entry_summary(stored: &StoredEntry, today: NaiveDate) -> String {
    match &stored.entry {
        Entry::Session(session) => session_summary(session, today),
        Entry::Meeting(meeting) => format!(
            "the {} team meeting on {}",
            meeting.minutes,
            day(meeting.held_on, today)
        ),
    }
}

/// Each rep's month, for every month an answer's entries fall in: the
/// month in progress against today's pace, an earlier one by its name.
fn months_progress(progress: &[MonthProgress], today: NaiveDate) -> String {
    let lines: Vec<String> = progress
        .iter()
        .flat_map(|month| {
            let period = if month.month == YearMonth::of(today) {
                Period::ThisMonth
            } else {
                Period::Finished(month.month)
            };
            month
                .reps
                .iter()
                .map(move |p| progress_line(p, today, period))
        })
        .collect();
    lines.join("\n")
}

fn duplicate_warning(duplicates: &[StoredEntry], today: NaiveDate) -> String {
    let earlier: Vec<String> = duplicates.iter().map(|e| entry_summary(e, today)).collect();
    format!(
        ":warning: This looks like something you logged already: {}. If it's a repeat, `/coach undo` takes this one back.",
        earlier.join("; ")
    )
}

fn team_removed(
    outcomes: &[(SlackUserId, RemoveOutcome)],
    today: NaiveDate,
) -> SlackMessageContent {
    const KEPT: &str = "their past coaching stays in the records";
    let lines: Vec<String> = outcomes
        .iter()
        .map(|(rep, outcome)| {
            let rep = rep.mention();
            match outcome {
                RemoveOutcome::Leaves { left_on, .. } if *left_on == today => {
                    format!("{rep} left your team today; {KEPT}.")
                }
                RemoveOutcome::Leaves { left_on, .. } if *left_on > today => format!(
                    "{rep} leaves your team at the end of today, a day that counts for them on your team; {KEPT}."
                ),
                RemoveOutcome::Leaves {
                    left_on,
                    coached_after,
                } => {
                    let last = day(*left_on - chrono::Duration::days(1), today);
                    let why = if *coached_after {
                        ", the last day you coached them"
                    } else {
                        ""
                    };
                    format!("{rep} left your team; their last day on it was {last}{why}; {KEPT}.")
                }
                RemoveOutcome::Erased => format!(
                    "{rep} is off your team. They joined today and nothing was logged for them, so that leaves no trace."
                ),
                RemoveOutcome::NotOnTeam => format!("{rep} isn't on your team."),
            }
        })
        .collect();
    let text = lines.join("\n");
    let mut message = Message::new(text.clone()).text(&text);
    if outcomes
        .iter()
        .any(|(_, outcome)| *outcome != RemoveOutcome::NotOnTeam)
    {
        message = message.context("Changed your mind? `/coach undo` takes this back.");
    }
    message.into_content()
}

fn team_undone(
    taken_back: &[(SlackUserId, TeamTakenBack)],
    today: NaiveDate,
) -> SlackMessageContent {
    let lines: Vec<String> = taken_back
        .iter()
        .map(|(rep, what)| {
            let rep = rep.mention();
            match what {
                TeamTakenBack::OffTheTeam => {
                    format!("Took back adding {rep}: they are off your team again.")
                }
                TeamTakenBack::JoinDay(joined) => format!(
                    "Took back {rep}'s join day change: it is {} again.",
                    day(*joined, today)
                ),
                TeamTakenBack::Stint {
                    joined_on,
                    left_on: None,
                } => format!(
                    "Took back removing {rep}: they are on your team again, since {}.",
                    day(*joined_on, today)
                ),
                TeamTakenBack::Stint {
                    left_on: Some(left),
                    ..
                } => format!(
                    "Took back adding {rep} again: their last day on your team is {} again.",
                    day(*left - chrono::Duration::days(1), today)
                ),
            }
        })
        .collect();
    let text = lines.join("\n");
    Message::new(text.clone())
        .text(&format!(":leftwards_arrow_with_hook: {text}"))
        .into_content()
}

fn team_undo_refused(refused: &TeamUndoRefused, today: NaiveDate) -> SlackMessageContent {
    plain(&match refused {
        TeamUndoRefused::OnAnotherTeam { rep, manager } => format!(
            ":no_entry: I can't take back your last team change: it would put {} on your team while they are on {}'s, and a rep is on one team at a time. Nothing changed.",
            rep.mention(),
            manager.mention()
        ),
        TeamUndoRefused::CoachedInIt { rep, day: on } => format!(
            ":no_entry: I can't take back adding {}: you have coaching with them logged on {}. Delete that entry first; nothing changed.",
            rep.mention(),
            day(*on, today)
        ),
    })
}

fn team_added(outcomes: &[(SlackUserId, JoinChange)], today: NaiveDate) -> SlackMessageContent {
    let mut joined_today = Vec::new();
    let lines: Vec<String> = outcomes
        .iter()
        .map(|(rep, outcome)| match outcome {
            JoinChange::Joins(on) if *on == today => {
                joined_today.push(rep.clone());
                format!(":white_check_mark: {} joined your team today.", rep.mention())
            }
            JoinChange::Joins(on) => format!(
                ":white_check_mark: {} is on your team since {}.",
                rep.mention(),
                day(*on, today)
            ),
            JoinChange::JoinsAfter { manager, day: on } => format!(
                ":white_check_mark: {}'s time on {}'s team ends today, so they join your team tomorrow, {}.",
                rep.mention(),
                manager.mention(),
                day(*on, today)
            ),
            JoinChange::Back(since) => format!(
                ":white_check_mark: {} is back on your team, as if they had not left: since {}.",
                rep.mention(),
                day(*since, today)
            ),
            JoinChange::Moves { from, to } => format!(
                ":calendar: {}'s join day moved from {} to {}; their pace counts from then.",
                rep.mention(),
                day(*from, today),
                day(*to, today)
            ),
            JoinChange::Unchanged(since) => format!(
                "{} is already on your team (since {}).",
                rep.mention(),
                day(*since, today)
            ),
            JoinChange::OnAnotherTeam(other) => format!(
                ":no_entry: {} is on {}'s team. A rep is on one team at a time: ask {} to remove them first (`/coach team remove @name`).",
                rep.mention(),
                other.mention(),
                other.mention()
            ),
            JoinChange::Overlaps { manager, earliest } => format!(
                ":no_entry: {} was on {}'s team until {}, and a rep is on one team at a time: the earliest join day is {}.",
                rep.mention(),
                manager.mention(),
                day(*earliest, today),
                day(*earliest, today)
            ),
            JoinChange::OverlapsEarlierStint { earliest } => format!(
                ":no_entry: {} was on your team before, until {}, and a join day can't reach back into that time: the earliest join day is {}.",
                rep.mention(),
                day(*earliest, today),
                day(*earliest, today)
            ),
            JoinChange::CoachedBefore { first } => format!(
                ":no_entry: {} has coaching with you logged on {}, so their join day can't be later than that.",
                rep.mention(),
                day(*first, today)
            ),
        })
        .collect();
    let text = lines.join("\n");
    let mut message = Message::new(text.clone()).text(&text);
    if !joined_today.is_empty() {
        message = message.context(&format!(
            "Pace counts from the day a rep joined. If they were on your team before today, say since when: `/coach team add {} since {}`.",
            joined_today[0].mention(),
            first_of_month(today)
        ));
    }
    message.into_content()
}

fn status(d: &Dashboard) -> SlackMessageContent {
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

fn month_report(r: &MonthReport, today: NaiveDate) -> SlackMessageContent {
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

fn help(target: u32, surface: Surface, today: NaiveDate) -> SlackMessageContent {
    let first = first_of_month(today);
    // The Home tab, the forms and the digest's channel are Slack's: a
    // terminal hears only of what it can do.
    let (home_tab, forms, digest) = match surface {
        Surface::Slack => (
            "; the Home tab edits or deletes any entry",
            "\n*Forms*: `/coach log` · `/coach log meeting`",
            "\n*Team digest*: `/coach digest #team-sales` · `/coach digest off`",
        ),
        Surface::Terminal => ("", "", ""),
    };
    let text = format!(
        "*Log 1:1 coaching* — time, rep(s), what you did:
• `/coach 45m @dana pipeline review`
• `/coach 1h30m @dana @lee deal strategy yesterday`
• `/coach half an hour @dana observed discovery call on {first}`
• `/coach 45m @dana pipeline review, 30m @lee deal review` (two entries)
Times: `45m`, `1h`, `1.5h`, `1h30m`, `1:30`, `90`, `an hour`, `half an hour`; one length, no sign or range. Dates: `today`, `yesterday`, a weekday, `last friday`, `Nov 27`, `27 Nov`, `the 27th` or `{first}`, right after the time or the reps, at the end, or after `on`; elsewhere a date is part of the note.
*Log a team meeting* (counts for everyone on your team): `/coach meeting 60m stuck deals, wins`
*Your team*: `/coach team` · `/coach team add @dana @lee` · `/coach team add @dana since {first}` · `/coach team remove @lee` · `/coach team remove @lee on friday`
*See where you stand*: `/coach status` · `/coach report` · `/coach report last month`
*Fix a mistake*: `/coach undo` takes back your last change, a line or a team change{home_tab}.{forms}
*Holidays*: `/coach snooze 1w` · `/coach snooze until 2026-12-24` · `/coach snooze off`
*Time zone*: `/coach tz Europe/Berlin` · `/coach tz reset`{digest}"
    );
    Message::new("How to use /coach")
        .header("How to use /coach")
        .text(&text)
        .context(&format!(
            "The study behind coachbot: about {} of coaching per rep per month takes a team to 107% of target. Your target: {} per rep per month. Coaching is one-on-one time: observing in the field, reviewing pipelines, helping with a deal, learning a skill. Riding along on a joint sales call is not coaching.",
            minutes(STUDY_MINUTES),
            minutes(target)
        ))
        .into_content()
}
