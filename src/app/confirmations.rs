//! Reps' word on their 1:1s: a rep's answer to the question about one, and
//! the manager's decision on a session a rep disputed.

use super::{Answer, AppContext, Failure, Reply};
use crate::domain::{
    Confirmation, DisputeDecision, EntryId, Manager, RepAnswer, SlackUserId, WorkspaceId,
};
use crate::store::{DisputeSettled, RepAnswered};

impl AppContext {
    /// A change that asks reps to confirm their 1:1s has committed: its
    /// questions go out now, not at the scheduler's next tick.
    pub(super) fn questions_stored(&self) {
        if self.settings.coaching.ask_reps_to_confirm {
            self.deliveries.wake();
        }
    }

    /// A rep's "It helped" or "That didn't happen" about revision
    /// `revision` of 1:1 `entry`. Safe to press twice: the first word
    /// stands, and a question about a session changed since says so.
    #[tracing::instrument(skip(self), fields(workspace = %workspace, rep = %rep, entry = %entry))]
    pub async fn answer_as_rep(
        &self,
        workspace: &WorkspaceId,
        rep: &SlackUserId,
        entry: EntryId,
        revision: u32,
        answer: RepAnswer,
    ) -> Answer {
        let now = self.clock.now();
        let reply = match self
            .store
            .answer_as_rep(workspace, rep, entry, revision, answer)
            .await
        {
            Ok(RepAnswered::Recorded {
                entry,
                manager,
                word,
            }) => {
                if word == Confirmation::Disputed {
                    // The manager's notice goes out now.
                    self.deliveries.wake();
                }
                Reply::RepAnswered {
                    entry,
                    manager,
                    word,
                }
            }
            Ok(RepAnswered::Settled(word)) => Reply::RepAnsweredBefore(word),
            Ok(RepAnswered::Changed) => Reply::RepQuestionChanged,
            Ok(RepAnswered::NotInIt) => Reply::NotInSession,
            Ok(RepAnswered::Gone) => Reply::EntryGone,
            Err(error) => return self.failed(error.into(), now),
        };
        Answer {
            reply,
            today: now.date_naive(),
        }
    }

    /// Keep or delete a session `rep` says did not happen.
    pub(super) async fn settle_dispute(
        &self,
        manager: &Manager,
        entry: EntryId,
        rep: &SlackUserId,
        decision: DisputeDecision,
    ) -> Result<Reply, Failure> {
        Ok(
            match self
                .store
                .settle_dispute(manager, entry, rep, decision)
                .await?
            {
                DisputeSettled::Kept(entry) => Reply::DisputeKept {
                    entry,
                    rep: rep.clone(),
                },
                DisputeSettled::Deleted { entry, whole } => Reply::DisputeDeleted {
                    entry,
                    rep: rep.clone(),
                    whole,
                },
                DisputeSettled::NotDisputed(word) => Reply::NotDisputed {
                    rep: rep.clone(),
                    word,
                },
                DisputeSettled::NotYours { manager } => Reply::NotYours { manager },
                DisputeSettled::Gone => Reply::EntryGone,
            },
        )
    }
}
