//! The logging forms as Slack modals, the view a submitted form closes
//! with, and how a submission reads back from the view's state. The form's
//! block IDs are its field names, so an error can stand next to its field.

use slack_morphism::prelude::*;

use super::{answers, Message};
use crate::app::forms::{Field, FieldError, FormSpec, Submission};
use crate::app::Answer;
use chrono::NaiveDate;

use crate::domain::{Activity, EntryId, EntryKind, Minutes, Note, StoredEntry, Topic};

/// The `callback_id` of each form, so that a submission says which it was.
pub const SESSION_FORM: &str = "log_coaching";
pub const MEETING_FORM: &str = "log_meeting";
/// The question before an entry is deleted.
pub const DELETE_FORM: &str = "delete_entry";

/// An edit form's (or a delete question's) `private_metadata`: the entry.
fn entry_metadata(id: EntryId) -> String {
    format!("entry={id}")
}

/// The entry a form's `private_metadata` names, if any.
pub fn entry_of(metadata: Option<&str>) -> Option<EntryId> {
    metadata?
        .strip_prefix("entry=")?
        .parse()
        .ok()
        .map(EntryId::new)
}

/// A modal holds at most this many blocks.
const MAX_VIEW_BLOCKS: usize = 100;

/// The block (and action) ID of a field, in every form.
pub(super) fn block(field: Field) -> &'static str {
    match field {
        Field::Reps => "reps",
        Field::Minutes => "minutes",
        Field::Kind => "kind",
        Field::Day => "day",
        Field::Topics => "topics",
        Field::Note => "note",
        Field::Channel => "channel",
        Field::TimeZone => "tz",
    }
}

/// The kind of entry a form's `callback_id` names.
pub fn form_kind(callback_id: &str) -> Option<EntryKind> {
    match callback_id {
        SESSION_FORM => Some(EntryKind::Session),
        MEETING_FORM => Some(EntryKind::Meeting),
        _ => None,
    }
}

fn input(field: Field, label: &str, element: SlackInputBlockElement) -> SlackBlock {
    SlackInputBlock::new(pt!(label), element)
        .with_block_id(block(field).into())
        .into()
}

fn activity_option(activity: Activity) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    SlackBlockChoiceItem::new(
        pt!(capitalised(activity.label())),
        activity.code().to_string(),
    )
}

fn topic_option(topic: Topic) -> SlackBlockChoiceItem<SlackBlockText> {
    SlackBlockChoiceItem::new(
        SlackBlockPlainText::new(capitalised(topic.label())).as_block_text(),
        topic.code().to_string(),
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn minutes_input(spec: &FormSpec) -> SlackBlock {
    let element = SlackBlockNumberInputElement::new(false)
        .with_action_id(block(Field::Minutes).into())
        .with_min_value(Minutes::MIN.to_string())
        .with_max_value(Minutes::MAX.to_string());
    let element = match spec.minutes {
        Some(minutes) => element.with_initial_value(minutes.get().to_string()),
        None => element,
    };
    input(Field::Minutes, "Minutes", element.into())
}

fn day_input(spec: &FormSpec) -> SlackBlock {
    input(
        Field::Day,
        "Day",
        SlackBlockDatePickerElement::new()
            .with_action_id(block(Field::Day).into())
            .with_initial_date(spec.day.format("%Y-%m-%d").to_string())
            .into(),
    )
}

fn note_input(spec: &FormSpec) -> SlackBlock {
    let note = SlackBlockPlainTextInputElement::new()
        .with_action_id(block(Field::Note).into())
        .with_multiline(true)
        .with_max_length(Note::MAX_CHARS as u64);
    let note = match &spec.note {
        Some(text) => note.with_initial_value(text.as_str().to_string()),
        None => note,
    };
    SlackInputBlock::new(pt!("Note"), note.into())
        .with_block_id(block(Field::Note).into())
        .with_optional(true)
        .into()
}

/// A logging form, opened with what `spec` says.
pub fn form(spec: &FormSpec) -> SlackView {
    let (title, callback, blocks) = match spec.kind {
        EntryKind::Session => {
            let mut reps = SlackBlockMultiUsersSelectElement::new()
                .with_action_id(block(Field::Reps).into())
                .with_placeholder(pt!("Pick the reps you coached"));
            if !spec.reps.is_empty() {
                reps = reps.with_initial_users(
                    spec.reps
                        .iter()
                        .map(|rep| rep.as_str().to_string())
                        .collect(),
                );
            }
            let kinds = SlackBlockStaticSelectElement::new()
                .with_action_id(block(Field::Kind).into())
                .with_options(Activity::ALL.into_iter().map(activity_option).collect())
                .with_initial_option(activity_option(spec.activity));
            let blocks: Vec<SlackBlock> = vec![
                input(Field::Reps, "Rep(s) you coached, one-on-one", reps.into()),
                minutes_input(spec),
                input(Field::Kind, "Kind of coaching", kinds.into()),
                day_input(spec),
                note_input(spec),
                SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(md!(
                    "Each rep gets the full minutes. Riding along on a joint sales call is not coaching."
                ))])
                .into(),
            ];
            let title = if spec.editing.is_some() {
                "Edit coaching"
            } else {
                "Log coaching"
            };
            (title, SESSION_FORM, blocks)
        }
        EntryKind::Meeting => {
            let topics = SlackBlockCheckboxesElement::new(
                Topic::ALL.into_iter().map(topic_option).collect(),
            )
            .with_action_id(block(Field::Topics).into());
            let topics = if spec.topics.is_empty() {
                topics
            } else {
                topics.with_initial_options(spec.topics.iter().copied().map(topic_option).collect())
            };
            let blocks: Vec<SlackBlock> = vec![
                minutes_input(spec),
                day_input(spec),
                SlackInputBlock::new(pt!("Agenda covered"), topics.into())
                    .with_block_id(block(Field::Topics).into())
                    .with_optional(true)
                    .into(),
                note_input(spec),
                SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(md!(
                    "A team meeting counts for everyone on your team that day."
                ))])
                .into(),
            ];
            let title = if spec.editing.is_some() {
                "Edit team meeting"
            } else {
                "Log a team meeting"
            };
            (title, MEETING_FORM, blocks)
        }
    };
    let modal = SlackModalView::new(pt!(title), blocks)
        .with_close(pt!("Cancel"))
        .with_callback_id(callback.into());
    SlackView::Modal(match spec.editing {
        Some(id) => modal
            .with_submit(pt!("Save"))
            .with_private_metadata(entry_metadata(id)),
        None => modal.with_submit(pt!("Log it")),
    })
}

/// Asks once before an entry is deleted.
pub fn confirm_delete(stored: &StoredEntry, today: NaiveDate) -> SlackView {
    let question = format!(
        "Delete {}? It stops counting at once, and this can't be undone.",
        answers::entry_summary(stored, today)
    );
    SlackView::Modal(
        SlackModalView::new(
            pt!("Delete this entry?"),
            Message::new(question.clone())
                .text(&question)
                .into_content()
                .blocks
                .unwrap_or_default(),
        )
        .with_submit(pt!("Delete"))
        .with_close(pt!("Keep it"))
        .with_callback_id(DELETE_FORM.into())
        .with_private_metadata(entry_metadata(stored.id)),
    )
}

/// What opens at once while a new manager's time zone is looked up.
pub fn loading(kind: EntryKind) -> SlackView {
    let title = match kind {
        EntryKind::Session => "Log coaching",
        EntryKind::Meeting => "Log a team meeting",
    };
    SlackView::Modal(
        SlackModalView::new(
            pt!(title),
            Message::new("Getting your form ready…")
                .text(":hourglass_flowing_sand: Getting your form ready…")
                .into_content()
                .blocks
                .unwrap_or_default(),
        )
        .with_close(pt!("Cancel")),
    )
}

/// The view a form closes with, or a button in it updates to: the answer,
/// with its buttons (Undo on what was stored).
pub fn result(answer: &Answer) -> SlackView {
    let mut blocks = answers::reply(answer).blocks.unwrap_or_default();
    blocks.truncate(MAX_VIEW_BLOCKS);
    SlackView::Modal(SlackModalView::new(pt!("coachbot"), blocks).with_close(pt!("Done")))
}

/// Each mistake next to its field.
pub fn field_errors(errors: &[FieldError]) -> SlackViewSubmissionResponse {
    let errors = errors
        .iter()
        .map(|error| (block(error.field).to_string(), error.message.clone()))
        .collect();
    SlackViewSubmissionResponse::Errors(SlackViewSubmissionErrorsResponse::new(errors))
}

/// A submitted form's values, from the view's state; `editing` is the entry
/// its `private_metadata` names.
pub fn submission(
    kind: EntryKind,
    editing: Option<EntryId>,
    state: Option<&SlackViewState>,
) -> Submission {
    let value = |field: Field| {
        state
            .and_then(|state| state.values.get(&block(field).into()))
            .and_then(|actions| actions.get(&block(field).into()))
    };
    let text = |field: Field| {
        value(field).and_then(|v| {
            v.value
                .clone()
                .or_else(|| v.selected_date.clone())
                .or_else(|| v.selected_option.as_ref().map(|o| o.value.clone()))
        })
    };
    Submission {
        kind,
        editing,
        reps: value(Field::Reps)
            .and_then(|v| v.selected_users.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|user| user.to_string())
            .collect(),
        minutes: text(Field::Minutes),
        activity: text(Field::Kind),
        day: text(Field::Day),
        topics: value(Field::Topics)
            .and_then(|v| v.selected_options.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|option| option.value)
            .collect(),
        note: text(Field::Note),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: EntryKind) -> FormSpec {
        FormSpec {
            kind,
            reps: vec![crate::domain::SlackUserId::parse("U0ANA").expect("id")],
            minutes: Minutes::new(30).ok(),
            activity: Activity::Observation,
            day: NaiveDate::from_ymd_opt(2026, 11, 27).expect("day"),
            topics: Vec::new(),
            note: None,
            editing: None,
        }
    }

    #[test]
    fn the_forms_fit_slacks_limits_and_open_with_what_the_spec_says() {
        for kind in [EntryKind::Session, EntryKind::Meeting] {
            assert_eq!(super::super::limits::check_view(&form(&spec(kind))), Ok(()));
            assert_eq!(super::super::limits::check_view(&loading(kind)), Ok(()));
            let view = serde_json::to_value(form(&spec(kind))).expect("json");
            let blocks = view["blocks"].as_array().expect("blocks");
            let minutes = blocks
                .iter()
                .find(|b| b["block_id"] == "minutes")
                .expect("minutes");
            assert_eq!(minutes["element"]["initial_value"], "30");
            assert_eq!(minutes["element"]["max_value"], "480");
            let day = blocks.iter().find(|b| b["block_id"] == "day").expect("day");
            assert_eq!(day["element"]["initial_date"], "2026-11-27");
        }
        let session = serde_json::to_value(form(&spec(EntryKind::Session))).expect("json");
        let reps = &session["blocks"][0];
        assert_eq!(reps["element"]["initial_users"][0], "U0ANA");
        assert_eq!(
            session["blocks"][2]["element"]["initial_option"]["value"],
            "observation"
        );
    }

    #[test]
    fn the_view_a_form_closes_with_fits_a_modal_however_long_the_answer() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("day");
        let long = crate::app::Answer {
            reply: crate::app::Reply::Help {
                target: 180,
                surface: crate::app::Surface::Slack,
            },
            today,
        };
        let view = result(&long);
        assert_eq!(super::super::limits::check_view(&view), Ok(()));
        let SlackView::Modal(modal) = view else {
            panic!("a modal");
        };
        assert!(!modal.blocks.is_empty());
    }

    #[test]
    fn a_submission_reads_back_every_field() {
        let state: SlackViewState = serde_json::from_value(serde_json::json!({
            "values": {
                "reps": {"reps": {"type": "multi_users_select", "selected_users": ["U0ANA", "U0BEN"]}},
                "minutes": {"minutes": {"type": "number_input", "value": "45"}},
                "kind": {"kind": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "Deal"}, "value": "deal"}}},
                "day": {"day": {"type": "datepicker", "selected_date": "2026-11-26"}},
                "topics": {"topics": {"type": "checkboxes", "selected_options": [{"text": {"type": "plain_text", "text": "Stuck deals"}, "value": "stuck_deals"}]}},
                "note": {"note": {"type": "plain_text_input", "value": "Acme renewal"}}
            }
        }))
        .expect("state");
        assert_eq!(
            submission(EntryKind::Session, None, Some(&state)),
            Submission {
                kind: EntryKind::Session,
                editing: None,
                reps: vec!["U0ANA".into(), "U0BEN".into()],
                minutes: Some("45".into()),
                activity: Some("deal".into()),
                day: Some("2026-11-26".into()),
                topics: vec!["stuck_deals".into()],
                note: Some("Acme renewal".into()),
            }
        );
    }
}
