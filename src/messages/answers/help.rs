//! `/coach help`: usage, with examples, for where it was asked.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use super::first_of_month;
use crate::app::Surface;
use crate::domain::STUDY_MINUTES;
use crate::messages::{minutes, Message};

pub(super) fn help(target: u32, surface: Surface, today: NaiveDate) -> SlackMessageContent {
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
