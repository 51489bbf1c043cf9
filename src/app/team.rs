//! Who is on a manager's team, and since when.

use chrono::{DateTime, Utc};

use super::{AppContext, Failure, Reply};
use crate::command::TeamChange;
use crate::domain::Manager;

impl AppContext {
    pub(super) async fn change_team(
        &self,
        manager: &Manager,
        change: TeamChange,
        now: DateTime<Utc>,
    ) -> Result<Reply, Failure> {
        let today = manager.today(now);
        Ok(match change {
            TeamChange::Show => Reply::Team(self.store.current_team(manager).await?),
            TeamChange::Add { reps, since } => {
                if reps.contains(&manager.id) {
                    return Ok(Reply::CannotCoachSelf);
                }
                Reply::TeamAdded(
                    self.store
                        .add_reps(manager, &reps, since, today, now)
                        .await?,
                )
            }
            TeamChange::Remove { reps, on } => Reply::TeamRemoved(
                self.store
                    .remove_reps(manager, &reps, on.unwrap_or(today), now)
                    .await?,
            ),
        })
    }
}
