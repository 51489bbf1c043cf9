//! The buttons coachbot puts on its messages and views, and how a press
//! reads back: a button's action ID says what it does, its value what on.
//! Each carries everything it needs, so a button on an old message still
//! works.

use slack_morphism::prelude::*;

use crate::app::forms::Preset;
use crate::domain::{Activity, LineId, Minutes, SlackUserId};

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
}

const UNDO: &str = "undo";
const LOG_COACHING: &str = "log_coaching";
const LOG_MEETING: &str = "log_meeting";
const SNOOZE_WEEK: &str = "snooze_week";

impl Button {
    /// The button, labelled. `index` keeps action IDs apart within one
    /// block, as Slack requires.
    pub fn element(&self, label: &str, index: usize) -> SlackBlockButtonElement {
        let (name, value, style) = match self {
            Button::Undo(line) => (UNDO, Some(line.to_string()), None),
            Button::LogCoaching(preset) => (
                LOG_COACHING,
                Some(preset_value(preset)),
                Some(SlackBlockButtonStyle::Primary),
            ),
            Button::LogMeeting => (LOG_MEETING, None, Some(SlackBlockButtonStyle::Primary)),
            Button::SnoozeWeek => (SNOOZE_WEEK, None, None),
        };
        let label: String = label.chars().take(75).collect();
        let button = SlackBlockButtonElement::new(pt!(label))
            .with_action_id(format!("{name}:{index}").into());
        let button = match value {
            Some(value) => button.with_value(value),
            None => button,
        };
        match style {
            Some(style) => button.with_style(style),
            None => button,
        }
    }

    /// A press, from its action ID and value; `None` for a button this
    /// version does not know (or one whose value was tampered with).
    pub fn read(action_id: &str, value: Option<&str>) -> Option<Button> {
        let name = action_id.split(':').next().unwrap_or(action_id);
        match name {
            UNDO => value?.parse().ok().map(|id| Button::Undo(LineId::new(id))),
            LOG_COACHING => read_preset(value.unwrap_or_default()).map(Button::LogCoaching),
            LOG_MEETING => Some(Button::LogMeeting),
            SNOOZE_WEEK => Some(Button::SnoozeWeek),
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
        for button in [
            Button::Undo(LineId::new(42)),
            Button::LogCoaching(preset),
            Button::LogCoaching(Preset::default()),
            Button::LogMeeting,
            Button::SnoozeWeek,
        ] {
            assert_eq!(round_trip(button.clone()), Some(button));
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
