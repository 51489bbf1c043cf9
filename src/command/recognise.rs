//! What a note is about: the coaching activity, the meeting agenda topics, and ride-alongs.

use crate::domain::{Activity, Topic};

/// The note's words, lowercased, split at anything that is not a letter or digit, so that
/// `role-play`, `Ride-Along` and `deals,` match the phrases below.
pub(super) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The activity of the first word that names one; `Other` when none does.
pub(super) fn activity(words: &[String]) -> Activity {
    (0..words.len())
        .find_map(|at| {
            ACTIVITIES
                .iter()
                .find(|(_, phrases)| phrases.iter().any(|phrase| phrase_at(words, at, phrase)))
                .map(|(activity, _)| *activity)
        })
        .unwrap_or(Activity::Other)
}

/// Every agenda topic the words touch, sorted, each once.
pub(super) fn topics(words: &[String]) -> Vec<Topic> {
    let mut topics: Vec<Topic> = TOPICS
        .iter()
        .filter(|(_, phrases)| {
            (0..words.len()).any(|at| phrases.iter().any(|phrase| phrase_at(words, at, phrase)))
        })
        .map(|(topic, _)| *topic)
        .collect();
    topics.sort();
    topics.dedup();
    topics
}

/// The article: riding along on a joint sales call is selling together, not coaching.
pub(super) fn mentions_ride_along(words: &[String]) -> bool {
    (0..words.len()).any(|at| RIDE_ALONG.iter().any(|phrase| phrase_at(words, at, phrase)))
}

/// Whether the space-separated `phrase` starts at `words[at]`.
fn phrase_at(words: &[String], at: usize, phrase: &str) -> bool {
    let mut rest = words[at..].iter();
    phrase
        .split(' ')
        .all(|expected| rest.next().is_some_and(|word| word == expected))
}

const RIDE_ALONG: &[&str] = &[
    "ride along",
    "ride alongs",
    "rides along",
    "rode along",
    "riding along",
    "ridealong",
    "ridealongs",
    "joint call",
    "joint calls",
    "joint sales",
    "joint visit",
    "joint visits",
    "joint customer",
    "joint meeting",
    "joint meetings",
    "joint selling",
    "co selling",
    "coselling",
];

/// The earliest word that starts any of these phrases decides; at the same word, the kinds
/// are tried in this order. So `cold call review` is practising, not a call review.
const ACTIVITIES: &[(Activity, &[&str])] = &[
    (
        Activity::Observation,
        &[
            "observe",
            "observed",
            "observes",
            "observing",
            "observation",
            "observations",
            "shadow",
            "shadows",
            "shadowed",
            "shadowing",
            "listen",
            "listened",
            "listening",
            "watch",
            "watched",
            "watching",
            "field",
            "sat in",
            "sit in",
            "sits in",
            "sitting in",
            "call review",
            "call reviews",
            "call recording",
            "call recordings",
        ],
    ),
    (
        Activity::Pipeline,
        &[
            "pipeline",
            "pipelines",
            "pipe",
            "forecast",
            "forecasts",
            "forecasted",
            "forecasting",
            "funnel",
            "funnels",
            "quota",
            "crm",
            "territory",
        ],
    ),
    (
        Activity::Deal,
        &[
            "deal",
            "deals",
            "opportunity",
            "opportunities",
            "opp",
            "opps",
            "negotiation",
            "negotiations",
            "negotiate",
            "negotiating",
            "proposal",
            "proposals",
            "pricing",
            "price",
            "quote",
            "quotes",
            "discount",
            "discounting",
            "close",
            "closing",
            "contract",
            "contracts",
            "renewal",
            "renewals",
            "rfp",
        ],
    ),
    (
        Activity::Skill,
        &[
            "skill",
            "skills",
            "training",
            "train",
            "trained",
            "role play",
            "role plays",
            "role playing",
            "roleplay",
            "roleplays",
            "roleplaying",
            "practice",
            "practiced",
            "practicing",
            "practise",
            "practised",
            "practising",
            "objection",
            "objections",
            "prospecting",
            "cold call",
            "cold calls",
            "cold calling",
            "mock",
            "learn",
            "learned",
            "learnt",
            "learning",
            "teach",
            "teaching",
            "taught",
            "onboarding",
            "storytelling",
            "questioning",
            "discovery questions",
        ],
    ),
];

const TOPICS: &[(Topic, &[&str])] = &[
    (
        Topic::StuckDeals,
        &[
            "stuck", "stalled", "stalling", "stall", "slipped", "slipping", "at risk", "blocked",
        ],
    ),
    (
        Topic::PipelineCadence,
        &[
            "pipeline",
            "pipelines",
            "pipe",
            "cadence",
            "forecast",
            "forecasts",
            "forecasting",
            "funnel",
            "quota",
        ],
    ),
    (
        Topic::NewProducts,
        &[
            "product",
            "products",
            "launch",
            "launches",
            "launched",
            "launching",
            "release",
            "releases",
            "released",
            "feature",
            "features",
            "roadmap",
        ],
    ),
    (
        Topic::CompanyAnnouncements,
        &[
            "announcement",
            "announcements",
            "announce",
            "announced",
            "news",
            "company",
            "all hands",
            "reorg",
            "policy",
            "policies",
        ],
    ),
    (
        Topic::MarketChanges,
        &[
            "market",
            "markets",
            "competitor",
            "competitors",
            "competition",
            "competitive",
            "industry",
            "trend",
            "trends",
            "economy",
            "regulation",
            "regulations",
        ],
    ),
    (
        Topic::CustomerWinsLosses,
        &[
            "win", "wins", "won", "winning", "loss", "losses", "lost", "lose", "loses", "losing",
            "churn", "churned", "churning",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn activity_of(note: &str) -> Activity {
        activity(&words(note))
    }

    fn topics_of(note: &str) -> Vec<Topic> {
        topics(&words(note))
    }

    fn ride_along(note: &str) -> bool {
        mentions_ride_along(&words(note))
    }

    #[test]
    fn words_are_lowercase_runs_of_letters_and_digits() {
        assert_eq!(
            words("Role-play: Q4 deals, ridealong!"),
            vec!["role", "play", "q4", "deals", "ridealong"]
        );
    }

    #[test]
    fn observation_words() {
        for note in [
            "observed discovery call",
            "observing demo",
            "Shadowed her calls",
            "shadow day",
            "listened to calls",
            "sat in on a renewal call",
            "field visits",
            "call review of Acme",
            "watched her demo",
        ] {
            assert_eq!(activity_of(note), Activity::Observation, "{note}");
        }
    }

    #[test]
    fn pipeline_words() {
        for note in [
            "pipeline review",
            "Q1 forecast",
            "forecasting",
            "funnel health",
            "quota plan",
            "CRM hygiene",
        ] {
            assert_eq!(activity_of(note), Activity::Pipeline, "{note}");
        }
    }

    #[test]
    fn deal_words() {
        for note in [
            "deal strategy",
            "reviewed 3 deals",
            "Acme opportunity",
            "opp review",
            "negotiation prep",
            "proposal for Acme",
            "pricing",
            "how to close Acme",
            "contract redlines",
            "renewal plan",
        ] {
            assert_eq!(activity_of(note), Activity::Deal, "{note}");
        }
    }

    #[test]
    fn skill_words() {
        for note in [
            "skill building",
            "training on discovery",
            "role-play",
            "roleplay discovery",
            "demo practice",
            "objection handling",
            "prospecting",
            "cold calling",
            "learn the new pitch",
            "mock negotiation",
            "coached on discovery questions",
        ] {
            assert_eq!(activity_of(note), Activity::Skill, "{note}");
        }
    }

    #[test]
    fn the_first_word_that_names_an_activity_wins() {
        assert_eq!(
            activity_of("pipeline review of stuck deals"),
            Activity::Pipeline
        );
        assert_eq!(activity_of("deal review then pipeline"), Activity::Deal);
        assert_eq!(activity_of("cold call review"), Activity::Skill);
        assert_eq!(activity_of("discovery call review"), Activity::Observation);
    }

    #[test]
    fn notes_naming_no_activity_are_other() {
        assert_eq!(activity_of("career chat"), Activity::Other);
        assert_eq!(activity_of(""), Activity::Other);
        assert_eq!(activity_of("dealt with admin"), Activity::Other);
    }

    #[test]
    fn each_agenda_topic_is_recognised() {
        let cases = [
            ("stuck deals", Topic::StuckDeals),
            ("stalled opps", Topic::StuckDeals),
            ("pipeline", Topic::PipelineCadence),
            ("cadence", Topic::PipelineCadence),
            ("forecast", Topic::PipelineCadence),
            ("new product", Topic::NewProducts),
            ("launch plan", Topic::NewProducts),
            ("spring release", Topic::NewProducts),
            ("company announcements", Topic::CompanyAnnouncements),
            ("news", Topic::CompanyAnnouncements),
            ("market changes", Topic::MarketChanges),
            ("competitor moves", Topic::MarketChanges),
            ("competition", Topic::MarketChanges),
            ("customer wins", Topic::CustomerWinsLosses),
            ("losses", Topic::CustomerWinsLosses),
            ("won Acme", Topic::CustomerWinsLosses),
            ("lost Beta", Topic::CustomerWinsLosses),
            ("churn", Topic::CustomerWinsLosses),
        ];
        for (note, topic) in cases {
            assert_eq!(topics_of(note), vec![topic], "{note}");
        }
    }

    #[test]
    fn topics_are_sorted_and_each_listed_once() {
        assert_eq!(
            topics_of("wins, losses, stuck deals, pipeline, forecast"),
            vec![
                Topic::StuckDeals,
                Topic::PipelineCadence,
                Topic::CustomerWinsLosses
            ]
        );
        assert_eq!(topics_of("team sync"), vec![]);
    }

    #[test]
    fn ride_alongs_in_their_many_spellings() {
        for note in [
            "ride along",
            "Ride-Along to Acme",
            "ridealong",
            "ride alongs this week",
            "rode along",
            "riding along",
            "joint call",
            "joint sales call",
            "joint visit",
            "joint customer meeting",
            "co-selling with dana",
        ] {
            assert!(ride_along(note), "{note}");
        }
    }

    #[test]
    fn observing_is_not_a_ride_along() {
        for note in [
            "observed discovery call",
            "ride to the airport",
            "along the way",
        ] {
            assert!(!ride_along(note), "{note}");
        }
    }
}
