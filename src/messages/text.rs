//! A message as terminal text, for `coachbot try`: headers, sections and
//! context lines in order, buttons in brackets, mentions as the names the
//! person typed, Slack's emoji codes as emoji.

use slack_morphism::prelude::SlackMessageContent;

/// `name(user_id)` gives the name to show for a mentioned user.
pub fn as_text(content: &SlackMessageContent, name: impl Fn(&str) -> String) -> String {
    let blocks = serde_json::to_value(&content.blocks).unwrap_or_default();
    let mut lines = Vec::new();
    for block in blocks.as_array().into_iter().flatten() {
        let text = |value: &serde_json::Value| {
            value["text"]
                .as_str()
                .map(|t| readable(t, &name))
                .unwrap_or_default()
        };
        match block["type"].as_str() {
            Some("header") => lines.push(format!("== {} ==", text(&block["text"]))),
            Some("section") => {
                lines.push(text(&block["text"]));
                for field in block["fields"].as_array().into_iter().flatten() {
                    lines.push(text(field));
                }
                if block["accessory"]["type"] == "button" {
                    lines.push(format!("[{}]", text(&block["accessory"]["text"])));
                }
            }
            Some("context") => {
                for element in block["elements"].as_array().into_iter().flatten() {
                    lines.extend(text(element).lines().map(|line| format!("  {line}")));
                }
            }
            Some("actions") => {
                let buttons: Vec<String> = block["elements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|button| format!("[{}]", text(&button["text"])))
                    .collect();
                lines.push(buttons.join(" "));
            }
            _ => {}
        }
    }
    if lines.is_empty() {
        lines.push(readable(content.text.as_deref().unwrap_or_default(), &name));
    }
    lines.join("\n")
}

const EMOJI: [(&str, &str); 13] = [
    (":white_check_mark:", "✅"),
    (":warning:", "⚠️"),
    (":calendar:", "📅"),
    (":zzz:", "💤"),
    (":wave:", "👋"),
    (":rotating_light:", "🚨"),
    (":leftwards_arrow_with_hook:", "↩️"),
    (":no_entry:", "⛔"),
    (":bell:", "🔔"),
    (":hourglass_flowing_sand:", "⏳"),
    (":palm_tree:", "🌴"),
    (":bar_chart:", "📊"),
    (":tada:", "🎉"),
];

/// Mentions as names, Slack's escaping undone, emoji codes as emoji.
fn readable(text: &str, name: &impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("<@") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find('>') {
            Some(close) => {
                let id = after[..close].split('|').next().unwrap_or_default();
                out.push('@');
                out.push_str(&name(id));
                rest = &after[close + 1..];
            }
            None => {
                out.push_str("<@");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let mut out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    for (code, emoji) in EMOJI {
        out = out.replace(code, emoji);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Message;

    #[test]
    fn a_message_reads_as_lines_with_names_and_emoji() {
        let content = Message::new("fallback")
            .header("Coaching in November 2026")
            .text(":white_check_mark: Logged 45m with <@UDANA> &amp; <@ULEE>.")
            .context("Note: Q&amp;A")
            .into_content();
        let text = as_text(&content, |id| id.trim_start_matches('U').to_lowercase());
        assert_eq!(
            text,
            "== Coaching in November 2026 ==\n✅ Logged 45m with @dana & @lee.\n  Note: Q&A"
        );
    }
}
