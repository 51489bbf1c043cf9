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

/// Checked in this order at each word, so `call review` wins over nothing and
/// `cold call` (practising) wins over `call review` starting one word later.
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
            "product", "products", "launch", "launches", "launched", "launching", "release",
            "releases", "released", "feature", "features", "roadmap",
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
