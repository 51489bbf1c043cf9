//! The messages changes call for (a rep asked to confirm a 1:1, a manager
//! told a rep disputed one), rendered and stored as reminder rows so that
//! delivery sends each once, with its retries, like any reminder.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::jobs::JobError;
use crate::app::AppContext;
use crate::domain::{local_date, Manager};
use crate::messages;
use crate::store::{MessageKind, NewReminder, NoticeKind};

/// How many notices one tick turns into messages; the rest wait a tick.
const NOTICES_PER_TICK: u32 = 500;
/// How long Slack may be unreachable before a notice is given up.
const NOTICE_LIVES: Duration = Duration::days(2);

/// Stores a message for every notice waiting; returns how many.
#[tracing::instrument(skip(ctx))]
pub async fn store_notices(ctx: &AppContext, now: DateTime<Utc>) -> Result<usize, JobError> {
    let notices = ctx.store.pending_notices(NOTICES_PER_TICK).await?;
    for notice in &notices {
        // Days read as the manager's, whose records these are; a manager
        // this version cannot read still has their reps asked, in UTC.
        let tz = match ctx.store.manager(&notice.workspace, &notice.manager).await {
            Ok(manager) => manager.as_ref().map_or(Tz::UTC, Manager::tz),
            Err(error) => {
                tracing::warn!(manager = %notice.manager, error = %crate::causes::one_line(&error), "reading a notice's days in UTC: its manager cannot be read");
                Tz::UTC
            }
        };
        let today = local_date(now, tz);
        let (kind, recipient, content, summary) = match notice.kind {
            NoticeKind::Ask => (
                MessageKind::ConfirmAsk,
                &notice.rep,
                messages::confirm_ask(&notice.entry, &notice.manager, today),
                format!("asked {} about entry {}", notice.rep, notice.entry.id),
            ),
            NoticeKind::Dispute => (
                MessageKind::DisputeNotice,
                &notice.manager,
                messages::dispute_notice(&notice.entry, &notice.rep, today),
                format!(
                    "told {} that {} disputes entry {}",
                    notice.manager, notice.rep, notice.entry.id
                ),
            ),
        };
        let message = NewReminder {
            workspace: notice.workspace.clone(),
            kind,
            recipient: recipient.as_str().to_string(),
            local_date: today,
            subject: format!(
                "{}.{}.{}",
                notice.entry.id, notice.entry.revision, notice.rep
            ),
            message: Some(serde_json::to_string(&content)?),
            summary,
            expires_at: now + NOTICE_LIVES,
        };
        ctx.store.store_notice(notice, &message, now).await?;
    }
    Ok(notices.len())
}
