//! Splits `/coach` text into words and Slack's `<…>` markup (mentions, groups, links), undoing
//! Slack's `&amp;`/`&lt;`/`&gt;` escaping.

use crate::domain::{SlackChannelId, SlackUserId};

use super::error::{CommandError, MentionContext};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    /// `text` is as typed; `key` is lowercased without surrounding punctuation, for matching.
    Word { text: String, key: String },
    /// `<@U012AB3CD|dana>`: a real mention.
    Mention { user: SlackUserId, shown: String },
    /// `@dana` that Slack did not turn into a mention.
    PlainAt { name: String },
    /// A user group or `@here`: never one rep.
    Group { name: String },
    /// `<#C123|sales>`: a channel, never one rep, but where a digest can go.
    Channel {
        channel: SlackChannelId,
        name: String,
    },
}

impl Token {
    fn word(text: String) -> Token {
        let is_edge = |c: char| !c.is_alphanumeric() && c != '@';
        let body = text.trim_start_matches(is_edge);
        let mut start = text.len() - body.len();
        let end = start + body.trim_end_matches(is_edge).len();
        // Keep the point of `.5h`.
        if text[..start].ends_with('.') && body.starts_with(|c: char| c.is_ascii_digit()) {
            start -= 1;
        }
        let trimmed = &text[start..end];
        let mut chars = trimmed.chars();
        if chars.next() == Some('@') && chars.next().is_some_and(char::is_alphanumeric) {
            return Token::PlainAt {
                name: trimmed.to_string(),
            };
        }
        Token::Word {
            key: trimmed.to_lowercase(),
            text,
        }
    }

    pub(super) fn key(&self) -> Option<&str> {
        match self {
            Token::Word { key, .. } => Some(key),
            _ => None,
        }
    }

    pub(super) fn text(&self) -> Option<&str> {
        match self {
            Token::Word { text, .. } => Some(text),
            _ => None,
        }
    }

    pub(super) fn is_mention(&self) -> bool {
        matches!(self, Token::Mention { .. })
    }

    /// How to echo this token back in an error.
    pub(super) fn shown(&self) -> &str {
        match self {
            Token::Word { text, .. } => text,
            Token::Mention { shown, .. } => shown,
            Token::PlainAt { name } | Token::Group { name } | Token::Channel { name, .. } => name,
        }
    }

    /// Whether a plus or minus sign is glued to the word's start (`-30m`, `(+1h`) or end
    /// (`1h-`, `2+`): a length of time never has one, so such a length is refused.
    pub(super) fn has_glued_sign(&self) -> bool {
        let Token::Word { text, .. } = self else {
            return false;
        };
        let is_sign = |c: char| "+-–—−".contains(c);
        let opened = text.trim_start_matches(|c: char| "([{\"'“‘«".contains(c));
        let mut start = opened.chars();
        let leading = start.next().is_some_and(is_sign)
            && start.next().is_some_and(|c| c.is_ascii_digit() || c == '.');
        let closed = text.trim_end_matches(|c: char| ")]}\"'”’»,.;:!?".contains(c));
        let mut end = closed.chars().rev();
        let trailing =
            end.next().is_some_and(is_sign) && end.next().is_some_and(char::is_alphanumeric);
        leading || trailing
    }

    /// Glue between the things a manager lists: `@a, @b`, `@a and @b`, `1:1 with @a`.
    pub(super) fn is_connector(&self) -> bool {
        match self {
            Token::Word { text, key } => {
                matches!(key.as_str(), "and" | "with" | "for")
                    || text.chars().all(|c| ",;:&+-–—".contains(c))
            }
            _ => false,
        }
    }
}

pub(super) fn tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        // Slack escapes every `<` the user typed, so a raw one always opens markup.
        if c == '<' {
            if let Some(close) = rest.find('>') {
                flush(&mut word, &mut tokens);
                tokens.push(markup(&rest[1..close]));
                rest = &rest[close + 1..];
                continue;
            }
        }
        if c.is_whitespace() {
            flush(&mut word, &mut tokens);
        } else {
            word.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut word, &mut tokens);
    tokens
}

fn flush(word: &mut String, tokens: &mut Vec<Token>) {
    if !word.is_empty() {
        tokens.push(Token::word(unescape(&std::mem::take(word))));
    }
}

/// `&amp;` goes last so that a typed `&lt;` (sent as `&amp;lt;`) comes back as `&lt;`.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The inside of `<…>`: `@U123|name`, `#C123|name`, `!here`, `!subteam^S123|@sales`, or a link.
fn markup(inner: &str) -> Token {
    let (target, label) = match inner.split_once('|') {
        Some((target, label)) => (target, Some(unescape(label))),
        None => (inner, None),
    };
    if let Some(id) = target.strip_prefix('@') {
        let name = format!("@{}", label.as_deref().unwrap_or(id));
        return match SlackUserId::parse(id) {
            Ok(user) => Token::Mention { user, shown: name },
            Err(_) => Token::PlainAt { name },
        };
    }
    if let Some(channel) = target.strip_prefix('#') {
        let name = format!("#{}", label.as_deref().unwrap_or(channel));
        return match SlackChannelId::parse(channel) {
            Ok(channel) => Token::Channel { channel, name },
            Err(_) => Token::Group { name },
        };
    }
    if let Some(special) = target.strip_prefix('!') {
        let kind = special.split('^').next().unwrap_or(special);
        return match kind {
            "here" | "channel" | "everyone" => Token::Group {
                name: format!("@{kind}"),
            },
            "subteam" => Token::Group {
                name: label.unwrap_or_else(|| "@group".to_string()),
            },
            // Dates and the like carry a readable fallback as their label.
            _ => Token::word(label.unwrap_or_else(|| unescape(special))),
        };
    }
    // A link: keep the address itself, which Slack links again when the note is shown.
    let address = target.strip_prefix("mailto:").unwrap_or(target);
    Token::word(unescape(address))
}

/// The words as typed, for an error to echo, without the punctuation that ends a clause.
pub(super) fn typed(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(Token::shown)
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches([',', '.', ';', ':'])
        .to_string()
}

/// The mentioned reps, in the order mentioned, each once.
pub(super) fn unique_reps(tokens: &[Token]) -> Vec<SlackUserId> {
    let mut reps: Vec<SlackUserId> = Vec::new();
    for token in tokens {
        if let Token::Mention { user, .. } = token {
            if !reps.contains(user) {
                reps.push(user.clone());
            }
        }
    }
    reps
}

/// Mentions that cannot name a rep: plain `@name` text, groups and channels.
pub(super) fn refuse_unusable_mentions(
    tokens: &[Token],
    context: MentionContext,
) -> Result<(), CommandError> {
    for token in tokens {
        match token {
            Token::PlainAt { name } => {
                return Err(CommandError::PlainAtName {
                    name: name.clone(),
                    context,
                })
            }
            Token::Group { name } | Token::Channel { name, .. } => {
                return Err(CommandError::GroupMention {
                    group: name.clone(),
                    context,
                })
            }
            Token::Word { .. } | Token::Mention { .. } => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> SlackUserId {
        SlackUserId::parse(id).unwrap()
    }

    fn word(text: &str, key: &str) -> Token {
        Token::Word {
            text: text.into(),
            key: key.into(),
        }
    }

    #[test]
    fn words_are_split_on_any_whitespace() {
        assert_eq!(
            tokens("  45m\tPipeline \n Review "),
            vec![
                word("45m", "45m"),
                word("Pipeline", "pipeline"),
                word("Review", "review")
            ]
        );
    }

    #[test]
    fn keys_drop_surrounding_punctuation_but_keep_inner() {
        assert_eq!(
            tokens("(1:30), deals."),
            vec![word("(1:30),", "1:30"), word("deals.", "deals")]
        );
    }

    #[test]
    fn keys_keep_the_point_of_a_leading_fraction() {
        assert_eq!(
            tokens("(.5h) ...x"),
            vec![word("(.5h)", ".5h"), word("...x", "x")]
        );
    }

    #[test]
    fn mentions_with_and_without_a_name_become_users() {
        assert_eq!(
            tokens("<@U012AB3CD|dana> <@W0123ABCD>"),
            vec![
                Token::Mention {
                    user: user("U012AB3CD"),
                    shown: "@dana".into()
                },
                Token::Mention {
                    user: user("W0123ABCD"),
                    shown: "@W0123ABCD".into()
                },
            ]
        );
    }

    #[test]
    fn mention_names_may_contain_spaces() {
        assert_eq!(
            tokens("<@U012AB3CD|Dana Lee>"),
            vec![Token::Mention {
                user: user("U012AB3CD"),
                shown: "@Dana Lee".into()
            }]
        );
    }

    #[test]
    fn mentions_glued_to_punctuation_stand_alone() {
        assert_eq!(
            tokens("<@U1AAAAAA>,<@U2BBBBBB>"),
            vec![
                Token::Mention {
                    user: user("U1AAAAAA"),
                    shown: "@U1AAAAAA".into()
                },
                word(",", ""),
                Token::Mention {
                    user: user("U2BBBBBB"),
                    shown: "@U2BBBBBB".into()
                },
            ]
        );
    }

    #[test]
    fn plain_at_names_are_told_apart_from_email_addresses() {
        assert_eq!(
            tokens("@dana, dana@acme.com @"),
            vec![
                Token::PlainAt {
                    name: "@dana".into()
                },
                word("dana@acme.com", "dana@acme.com"),
                word("@", "@"),
            ]
        );
    }

    #[test]
    fn groups_channels_and_broadcasts_are_groups() {
        assert_eq!(
            tokens("<!subteam^S123|@sales> <#C123|general> <!here> <!channel> <!everyone>"),
            vec![
                Token::Group {
                    name: "@sales".into()
                },
                Token::Channel {
                    channel: SlackChannelId::parse("C123").expect("channel"),
                    name: "#general".into()
                },
                Token::Group {
                    name: "@here".into()
                },
                Token::Group {
                    name: "@channel".into()
                },
                Token::Group {
                    name: "@everyone".into()
                },
            ]
        );
    }

    #[test]
    fn a_mention_of_something_that_is_not_a_user_is_plain_text() {
        assert_eq!(
            tokens("<@B123|bot>"),
            vec![Token::PlainAt {
                name: "@bot".into()
            }]
        );
    }

    #[test]
    fn links_keep_their_address() {
        assert_eq!(
            tokens("<https://acme.com/deal|deal page> <mailto:dana@acme.com|dana@acme.com>"),
            vec![
                word("https://acme.com/deal", "https://acme.com/deal"),
                word("dana@acme.com", "dana@acme.com"),
            ]
        );
    }

    #[test]
    fn slack_escaping_is_undone_after_markup_is_found() {
        assert_eq!(
            tokens("Q&amp;A &lt;@U012AB3CD&gt; &amp;lt;"),
            vec![
                word("Q&A", "q&a"),
                Token::PlainAt {
                    name: "@U012AB3CD".into()
                },
                word("&lt;", "lt"),
            ]
        );
    }

    #[test]
    fn an_unclosed_angle_bracket_is_just_text() {
        assert_eq!(tokens("a<b"), vec![word("a<b", "a<b")]);
    }

    #[test]
    fn signs_count_only_when_glued_to_a_word() {
        for glued in [
            "-30m",
            "+1h",
            "1h-",
            "–30m",
            "(-45m)",
            "2+",
            "−1h",
            "“-1h”,",
        ] {
            assert!(tokens(glued)[0].has_glued_sign(), "{glued}");
        }
        for apart in [
            "-",
            "–",
            "30m",
            "1-1",
            "30-45m",
            "re-review",
            "Q&A",
            "<@U012AB3CD>",
        ] {
            assert!(!tokens(apart)[0].has_glued_sign(), "{apart}");
        }
    }

    #[test]
    fn reps_are_unique_and_in_the_order_mentioned() {
        let reps = unique_reps(&tokens("<@U2BBBBBB> <@U1AAAAAA|a> <@U2BBBBBB|b>"));
        assert_eq!(reps, vec![user("U2BBBBBB"), user("U1AAAAAA")]);
    }
}
