//! The plain pages a browser sees at the end of an install from the "Add
//! to Slack" link: what to do next in Slack, or why nothing was installed
//! and where to start again.

use crate::app::installs::InstallError;

/// Where an install starts, as the pages link to it.
const INSTALL_LINK: &str = "/slack/install";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body><h1>{title}</h1>\n{body}\n</body></html>\n"
    )
}

/// After a good install.
pub fn installed() -> String {
    page(
        "coachbot is installed",
        "<p>coachbot is now in your Slack workspace. What to do next, in Slack:</p>\n\
         <ul><li>Open coachbot's <b>Home</b> tab (find coachbot under <b>Apps</b> in the sidebar): it shows your team and your month.</li>\n\
         <li>Type <code>/coach help</code> in any channel or DM to see what you can log, for example <code>/coach 30m @ana pipeline review</code>.</li></ul>\n\
         <p>You can close this page.</p>",
    )
}

/// Why nothing was installed, for the browser.
pub fn not_installed(error: &InstallError) -> String {
    let start_again = format!(
        "<p>Start again from the install link: <a href=\"{INSTALL_LINK}\">{INSTALL_LINK}</a>.</p>"
    );
    match error {
        InstallError::LinkExpired => page(
            "This install link has expired",
            &format!("<p>Nothing was installed: the link was used already, is more than 10 minutes old, or did not come from coachbot.</p>\n{start_again}"),
        ),
        InstallError::Cancelled => page(
            "The install was cancelled",
            &format!("<p>Nothing was installed: Slack's page was left without allowing coachbot.</p>\n{start_again}"),
        ),
        InstallError::Slack(_) | InstallError::Store(_) => page(
            "coachbot could not finish the install",
            &format!("<p>Nothing was installed: Slack or coachbot's database did not answer as expected.</p>\n{start_again}"),
        ),
    }
}
