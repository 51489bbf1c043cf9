//! The buttons coachbot puts on its messages and views, and how a press
//! reads back: a button's action ID says what it does, its value what on.
//! Each carries everything it needs, so a button on an old message still
//! works.

use slack_morphism::prelude::*;

use crate::app::forms::Preset;
use crate::domain::{Activity, EntryId, LineId, Minutes, RepAnswer, SlackUserId};

/// What a button does when pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Button {
    /// Takes back the line a confirmation showed.
    Undo(LineId),
    /// Opens the 1:1 form with these reps, this kind and length.
    LogCoaching(Preset),
    /// Opens the meeting form.
    LogMeeting,
    /// Pauses reminders for a week.
    SnoozeWeek,
    /// Opens the form to change an entry.
    EditEntry(EntryId),
    /// Asks once, then deletes an entry.
    DeleteEntry(EntryId),
    /// A rep's answer about revision `revision` of a 1:1.
    Confirm {
        entry: EntryId,
        revision: u32,
        answer: RepAnswer,
    },
    /// The manager keeps a session `rep` disputed.
    KeepDisputed {
        entry: EntryId,
        rep: SlackUserId,
    },
    /// The manager deletes a session `rep` disputed, for them.
    DeleteDisputed {
        entry: EntryId,
        rep: SlackUserId,
    },
    /// The Home tab's settings: each opens its small form.
    AddReps,
    ChangeJoinDay(SlackUserId),
    RemoveRep(SlackUserId),
    ChangeTimeZone,
    ChangeSnooze,
    ChangeDigest,
}

const UNDO: &str = "undo";
const LOG_COACHING: &str = "log_coaching";
const LOG_MEETING: &str = "log_meeting";
const SNOOZE_WEEK: &str = "snooze_week";
const EDIT_ENTRY: &str = "edit_entry";
const DELETE_ENTRY: &str = "delete_entry";
const IT_HELPED: &str = "it_helped";
const DID_NOT_HAPPEN: &str = "did_not_happen";
const KEEP_DISPUTED: &str = "keep_disputed";
const DELETE_DISPUTED: &str = "delete_disputed";
const ADD_REPS: &str = "add_reps";
const JOIN_DAY: &str = "join_day";
const REMOVE_REP: &str = "remove_rep";
const TIME_ZONE: &str = "time_zone";
const SNOOZE: &str = "snooze";
const DIGEST: &str = "digest";
/// An overflow menu: each option's value is its button's name and value.
const MENU: &str = "menu";

impl Button {
    /// What the button is called in its action ID, and the value it carries.
    fn parts(&self) -> (&'static str, Option<String>) {
        match self {
            Button::Undo(line) => (UNDO, Some(line.to_string())),
            Button::LogCoaching(preset) => (LOG_COACHING, Some(preset_value(preset))),
            Button::LogMeeting => (LOG_MEETING, None),
            Button::SnoozeWeek => (SNOOZE_WEEK, None),
            Button::EditEntry(entry) => (EDIT_ENTRY, Some(entry.to_string())),
            Button::DeleteEntry(entry) => (DELETE_ENTRY, Some(entry.to_string())),
            Button::Confirm {
                entry,
                revision,
                answer,
            } => {
                let name = match answer {
                    RepAnswer::Helped => IT_HELPED,
                    RepAnswer::DidNotHappen => DID_NOT_HAPPEN,
                };
                (name, Some(format!("{entry}.{revision}")))
            }
            Button::KeepDisputed { entry, rep } => (KEEP_DISPUTED, Some(format!("{entry}.{rep}"))),
            Button::DeleteDisputed { entry, rep } => {
                (DELETE_DISPUTED, Some(format!("{entry}.{rep}")))
            }
            Button::AddReps => (ADD_REPS, None),
            Button::ChangeJoinDay(rep) => (JOIN_DAY, Some(rep.to_string())),
            Button::RemoveRep(rep) => (REMOVE_REP, Some(rep.to_string())),
            Button::ChangeTimeZone => (TIME_ZONE, None),
            Button::ChangeSnooze => (SNOOZE, None),
            Button::ChangeDigest => (DIGEST, None),
        }
    }

    /// The button, labelled. `index` keeps action IDs apart within one
    /// block, as Slack requires.
    pub fn element(&self, label: &str, index: usize) -> SlackBlockButtonElement {
        let (name, value) = self.parts();
        let label: String = label.chars().take(75).collect();
        let button = SlackBlockButtonElement::new(pt!(label))
            .with_action_id(format!("{name}:{index}").into());
        let button = match value {
            Some(value) => button.with_value(value),
            None => button,
        };
        match self {
            Button::LogCoaching(_) | Button::LogMeeting => {
                button.with_style(SlackBlockButtonStyle::Primary)
            }
            Button::DeleteDisputed { .. } => button.with_style(SlackBlockButtonStyle::Danger),
            _ => button,
        }
    }

    /// A menu of buttons under "⋯", for a row with more than one thing to
    /// do (Edit and Delete on an entry).
    pub fn menu(options: &[(&str, Button)], index: usize) -> SlackBlockOverflowElement {
        let options = options
            .iter()
            .map(|(label, button)| {
                let (name, value) = button.parts();
                let label: String = label.chars().take(75).collect();
                SlackBlockChoiceItem::new(
                    pt!(label),
                    format!("{name}={}", value.unwrap_or_default()),
                )
            })
            .collect();
        SlackBlockOverflowElement::new(options).with_action_id(format!("{MENU}:{index}").into())
    }

    /// A press, from its action ID and value (a menu's chosen option's
    /// value); `None` for a button this version does not know (or one
    /// whose value was tampered with).
    pub fn read(action_id: &str, value: Option<&str>) -> Option<Button> {
        let name = action_id.split(':').next().unwrap_or(action_id);
        if name == MENU {
            let (name, value) = value?.split_once('=')?;
            return Self::read(name, Some(value).filter(|v| !v.is_empty()));
        }
        let entry = || value?.parse().ok().map(EntryId::new);
        let user = || SlackUserId::parse(value?).ok();
        let entry_and = || value?.split_once('.');
        match name {
            UNDO => value?.parse().ok().map(|id| Button::Undo(LineId::new(id))),
            LOG_COACHING => read_preset(value.unwrap_or_default()).map(Button::LogCoaching),
            LOG_MEETING => Some(Button::LogMeeting),
            SNOOZE_WEEK => Some(Button::SnoozeWeek),
            EDIT_ENTRY => entry().map(Button::EditEntry),
            DELETE_ENTRY => entry().map(Button::DeleteEntry),
            IT_HELPED | DID_NOT_HAPPEN => {
                let (entry, revision) = entry_and()?;
                Some(Button::Confirm {
                    entry: EntryId::new(entry.parse().ok()?),
                    revision: revision.parse().ok()?,
                    answer: if name == IT_HELPED {
                        RepAnswer::Helped
                    } else {
                        RepAnswer::DidNotHappen
                    },
                })
            }
            KEEP_DISPUTED | DELETE_DISPUTED => {
                let (entry, rep) = entry_and()?;
                let (entry, rep) = (
                    EntryId::new(entry.parse().ok()?),
                    SlackUserId::parse(rep).ok()?,
                );
                Some(if name == KEEP_DISPUTED {
                    Button::KeepDisputed { entry, rep }
                } else {
                    Button::DeleteDisputed { entry, rep }
                })
            }
            ADD_REPS => Some(Button::AddReps),
            JOIN_DAY => user().map(Button::ChangeJoinDay),
            REMOVE_REP => user().map(Button::RemoveRep),
            TIME_ZONE => Some(Button::ChangeTimeZone),
            SNOOZE => Some(Button::ChangeSnooze),
            DIGEST => Some(Button::ChangeDigest),
            _ => None,
        }
    }
}

/// Slack refuses a button whose value is longer.
const VALUE_LIMIT: usize = 2000;

/// `reps=U1,U2;kind=pipeline;minutes=30`. A preset for more reps than fit
/// in a button keeps those that fit; the form lets the manager add the rest.
fn preset_value(preset: &Preset) -> String {
    let mut tail = String::new();
    if let Some(activity) = preset.activity {
        tail.push_str(&format!(";kind={}", activity.code()));
    }
    if let Some(minutes) = preset.minutes {
        tail.push_str(&format!(";minutes={}", minutes.get()));
    }
    let mut value = String::from("reps=");
    for (index, rep) in preset.reps.iter().enumerate() {
        let separator = if index == 0 { "" } else { "," };
        if value.len() + separator.len() + rep.as_str().len() + tail.len() > VALUE_LIMIT {
            break;
        }
        value.push_str(separator);
        value.push_str(rep.as_str());
    }
    value + &tail
}

fn read_preset(value: &str) -> Option<Preset> {
    let mut preset = Preset::default();
    for part in value.split(';').filter(|part| !part.is_empty()) {
        let (key, value) = part.split_once('=')?;
        match key {
            "reps" => {
                preset.reps = value
                    .split(',')
                    .filter(|rep| !rep.is_empty())
                    .map(|rep| SlackUserId::parse(rep).ok())
                    .collect::<Option<_>>()?;
            }
            "kind" => preset.activity = Some(Activity::from_code(value)?),
            "minutes" => preset.minutes = Some(Minutes::new(value.parse().ok()?).ok()?),
            _ => return None,
        }
    }
    Some(preset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(button: Button) -> Option<Button> {
        let element = serde_json::to_value(button.element("Press", 3)).expect("json");
        Button::read(
            element["action_id"].as_str().expect("action id"),
            element["value"].as_str(),
        )
    }

    #[test]
    fn every_button_reads_back_as_itself() {
        let preset = Preset {
            reps: vec![
                SlackUserId::parse("U0ANA").expect("id"),
                SlackUserId::parse("W0BEN").expect("id"),
            ],
            activity: Some(Activity::Observation),
            minutes: Minutes::new(30).ok(),
        };
        let ana = SlackUserId::parse("U0ANA").expect("id");
        let entry = EntryId::new(7);
        let every = [
            Button::Undo(LineId::new(42)),
            Button::LogCoaching(preset),
            Button::LogCoaching(Preset::default()),
            Button::LogMeeting,
            Button::SnoozeWeek,
            Button::EditEntry(entry),
            Button::DeleteEntry(entry),
            Button::Confirm {
                entry,
                revision: 2,
                answer: RepAnswer::Helped,
            },
            Button::Confirm {
                entry,
                revision: 0,
                answer: RepAnswer::DidNotHappen,
            },
            Button::KeepDisputed {
                entry,
                rep: ana.clone(),
            },
            Button::DeleteDisputed {
                entry,
                rep: ana.clone(),
            },
            Button::AddReps,
            Button::ChangeJoinDay(ana.clone()),
            Button::RemoveRep(ana),
            Button::ChangeTimeZone,
            Button::ChangeSnooze,
            Button::ChangeDigest,
        ];
        for button in every.clone() {
            assert_eq!(round_trip(button.clone()), Some(button));
        }
        // In a menu, each option reads back as its button.
        let options: Vec<(&str, Button)> = every.iter().map(|b| ("Do it", b.clone())).collect();
        let menu = serde_json::to_value(Button::menu(&options, 4)).expect("json");
        for (option, button) in menu["options"]
            .as_array()
            .expect("options")
            .iter()
            .zip(every)
        {
            assert_eq!(
                Button::read("menu:4", option["value"].as_str()),
                Some(button)
            );
        }
    }

    #[test]
    fn a_button_this_version_does_not_know_or_a_tampered_value_reads_as_none() {
        assert_eq!(Button::read("reticulate:0", None), None);
        assert_eq!(Button::read("undo:0", Some("many")), None);
        assert_eq!(
            Button::read("log_coaching:1", Some("reps=not-a-user")),
            None
        );
        assert_eq!(Button::read("log_coaching:1", Some("minutes=9000")), None);
    }

    #[test]
    fn labels_fit_a_button() {
        let element =
            serde_json::to_value(Button::LogMeeting.element(&"x".repeat(200), 0)).expect("json");
        assert_eq!(element["text"]["text"].as_str().map(str::len), Some(75));
    }

    #[test]
    fn a_preset_for_more_reps_than_fit_keeps_the_first_ones_within_the_value_limit() {
        let reps: Vec<SlackUserId> = (0..400)
            .map(|i| SlackUserId::parse(&format!("U0REP{i:05}")).expect("id"))
            .collect();
        let preset = Preset {
            reps: reps.clone(),
            activity: Some(Activity::Pipeline),
            minutes: Minutes::new(30).ok(),
        };
        let element =
            serde_json::to_value(Button::LogCoaching(preset).element("Log", 5)).expect("json");
        let value = element["value"].as_str().expect("value");
        assert!(value.len() <= VALUE_LIMIT, "{} characters", value.len());
        let Some(Button::LogCoaching(read)) = Button::read("log_coaching:5", Some(value)) else {
            panic!("reads back");
        };
        assert!(read.reps.len() > 100, "{} reps kept", read.reps.len());
        assert_eq!(read.reps[..], reps[..read.reps.len()]);
        assert_eq!(read.activity, Some(Activity::Pipeline));
        assert_eq!(read.minutes, Minutes::new(30).ok());
    }
}
