//! What `/coach` answers, one module per family of reply, each with its
//! helpers beside it: entries logged, changed or taken back (`logging`),
//! reps' word on their 1:1s (`confirmations`), the team (`team`), status
//! and reports (`months`), settings (`settings`) and `help`.

mod confirmations;
mod help;
mod logging;
mod months;
mod settings;
mod team;

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use super::{Message, MAX_BLOCKS};
use crate::app::{Answer, Reply};

pub(super) use logging::entry_summary;

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
            ..
        } => logging::logged(*line, entries, progress, moved, duplicates, today),
        Reply::MeetingLogged {
            line,
            log,
            reps_counted,
            duplicates,
            ..
        } => logging::meeting_logged(*line, log, *reps_counted, duplicates, today),
        Reply::Edited {
            before,
            after,
            progress,
        } => logging::edited(before, after, progress, today),
        Reply::Deleted(entry) => logging::deleted(entry, today),
        Reply::Undone { entries, join_days } => logging::undone(entries, join_days, today),
        Reply::NotOnTeam {
            reps,
            manager_is_one,
        } => logging::not_on_team(reps, *manager_is_one),
        Reply::OnAnotherTeamThatDay { rep, manager, day } => {
            logging::on_another_team_that_day(rep, manager, *day, today)
        }
        Reply::BeforeEarlierStint { rep, joined } => {
            logging::before_earlier_stint(rep, *joined, today)
        }
        Reply::NoTeamYet => plain("A team meeting counts for everyone on your team, and your team is empty, so nothing was logged. Add your reps first: `/coach team add @dana @lee`."),
        Reply::EntryGone => plain("That entry is no longer there: it was deleted or taken back, so nothing changed."),
        Reply::NotYours { manager } => plain(&format!("{} logged that, so only they can change it; nothing changed.", manager.mention())),
        Reply::NothingToUndo => plain("There's nothing to undo: you haven't logged anything or changed your team yet."),
        Reply::AlreadyUndone => plain(":leftwards_arrow_with_hook: That was taken back already; nothing changed."),
        Reply::NoLongerThere => plain("That entry is no longer there (it was deleted), so there is nothing to take back."),
        Reply::FormOpening { kind, opened } => logging::form_opening(*kind, *opened),
        Reply::FormNeedsSlack(kind) => logging::form_needs_slack(*kind),
        Reply::RepAnswered { entry, manager, word } => {
            confirmations::rep_answered(entry, manager, *word, today)
        }
        Reply::RepAnsweredBefore(word) => confirmations::rep_answered_before(*word),
        Reply::RepQuestionChanged => plain("That session was changed after I asked, so this question is out of date; I've asked you about it as it is now."),
        Reply::DisputeKept { entry, rep } => confirmations::dispute_kept(entry, rep, today),
        Reply::DisputeDeleted { entry, rep, whole } => {
            confirmations::dispute_deleted(entry, rep, *whole, today)
        }
        Reply::NotDisputed { rep, word } => confirmations::not_disputed(rep, *word),
        Reply::NotInSession => plain("That 1:1 isn't logged with you (any more), so only the reps in it can answer; nothing changed."),
        Reply::Team(members) => team::team(members, today),
        Reply::TeamAdded(outcomes) => team::team_added(outcomes, today),
        Reply::TeamRemoved(outcomes) => team::team_removed(outcomes, today),
        Reply::TeamUndone(taken_back) => team::team_undone(taken_back, today),
        Reply::TeamUndoRefused(refused) => team::team_undo_refused(refused, today),
        Reply::CannotCoachSelf => plain("You can't be on your own team. Add the reps you coach, like `/coach team add @dana`."),
        Reply::Status(dashboard) => months::status(dashboard),
        Reply::Report(report) => months::month_report(report, today),
        Reply::SnoozeState(until) => settings::snooze_state(*until, today),
        Reply::Snoozed(until) => settings::snoozed(*until, today),
        Reply::SnoozeOff => plain(":bell: Reminders are back on."),
        Reply::AlreadySnoozed(until) => settings::already_snoozed(*until, today),
        Reply::TimeZone {
            tz,
            overridden,
            local_now,
        } => settings::time_zone(*tz, *overridden, *local_now, today),
        Reply::DigestChannel(channel) => settings::digest_channel(channel.as_ref()),
        Reply::DigestSet(channel) => settings::digest_set(channel),
        Reply::DigestOff => plain(":mega: Your team's digest is off. `/coach digest #team-sales` starts it again."),
        Reply::NoDigestToStop => plain("Your team has no digest channel set, so there was no digest to turn off. Nothing changed."),
        Reply::DigestNeedsSlack => plain("A team digest needs Slack: coachbot posts it to a Slack channel every week, so it can't be set here. In Slack, invite coachbot to a channel (`/invite @coachbot`), then type `/coach digest #team-sales` and pick the channel."),
        Reply::DigestNeedsInvite(channel) => settings::digest_needs_invite(channel),
        Reply::DigestUnchecked(channel) => settings::digest_unchecked(channel),
        Reply::Help { target, surface } => help::help(*target, *surface, today),
        Reply::ButtonGone => plain("That button no longer does anything. `/coach help` shows what you can do."),
        Reply::Mistake(text) => plain(text),
        Reply::Welcome { tz, then } => {
        let mut content = render(then, today);
        let welcome = format!(
            ":wave: Welcome to coachbot! Your reminders will come on {} time, from your Slack profile (change it with `/coach tz {}`). `/coach help` shows everything.",
            tz.name(),
            settings::another_zone(*tz)
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
        Reply::SlackUnavailable => plain("Sorry, I couldn't reach Slack to set you up just now. Nothing was saved; please try again in a minute."),
        Reply::NotInstalled => plain("coachbot is not installed in this Slack workspace, so nothing was done. Ask whoever runs coachbot to install it here: a coachbot with one bot token serves only the workspace that token belongs to."),
        Reply::Apology => plain("Sorry, something went wrong on my side and nothing was saved. Please try again in a minute."),
    }
}

fn plain(text: &str) -> SlackMessageContent {
    Message::new(text).text(text).into_content()
}

/// `2026-11-01`: a join day every manager can use as an example this month.
fn first_of_month(today: NaiveDate) -> String {
    crate::domain::YearMonth::of(today)
        .first_day()
        .format("%Y-%m-%d")
        .to_string()
}
