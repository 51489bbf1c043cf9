//! [`Storage`] for SQLite: each operation is the inherent method of the
//! same name on [`SqliteStore`], in the file of its records, which holds
//! the SQL.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use tokio::sync::watch;

use super::SqliteStore;
use crate::domain::{
    Confirmation, DayOfCoaching, DeliveryTurn, DisputeDecision, Entry, EntryId, EntryKind, Job,
    JoinChange, ListedEntry, Manager, Membership, MonthActivity, RemoveOutcome, RepAnswer,
    RepSession, SlackChannelId, SlackUserId, StoredEntry, WorkspaceId, YearMonth,
};
use crate::sealing::TokenKeys;
use crate::store::{
    Checked, Claim, DisputeSettled, Edited, ExpiredReminder, ExportRow, Finding, FormOrigin,
    HomeTab, Installation, LineContext, MeetingsAsOf, NewReminder, Owned, PendingNotice,
    PendingReminder, PerManager, PostedAt, Pruned, ReminderKey, RepAnswered, Retry, StintsSeen,
    Storage, StoreError, StoredLine, TeamRule, UndoTarget, Undone, UnreadableManager, Usual,
    ZoneNames,
};

/// Inherent methods come first in method resolution, so `self.name(…)`
/// below is never this impl calling itself.
#[async_trait::async_trait]
impl Storage for SqliteStore {
    async fn manager(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
    ) -> Result<Option<Manager>, StoreError> {
        self.manager(workspace, user).await
    }

    async fn add_manager(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        slack_tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Manager, StoreError> {
        self.add_manager(workspace, user, slack_tz, now).await
    }

    async fn managers_with_reps(
        &self,
    ) -> Result<Vec<Result<Manager, UnreadableManager>>, StoreError> {
        self.managers_with_reps().await
    }

    async fn workspaces_with_reps(&self) -> Result<Vec<WorkspaceId>, StoreError> {
        self.workspaces_with_reps().await
    }

    async fn managers_zones(&self) -> Result<Vec<ZoneNames>, StoreError> {
        self.managers_zones().await
    }

    async fn undecided_managers(
        &self,
        job: Job,
        zones: &[(ZoneNames, Option<NaiveDate>)],
    ) -> Result<Vec<Result<Manager, UnreadableManager>>, StoreError> {
        self.undecided_managers(job, zones).await
    }

    async fn set_slack_time_zone(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        slack_tz: Tz,
    ) -> Result<Manager, StoreError> {
        self.set_slack_time_zone(workspace, user, slack_tz).await
    }

    async fn set_time_zone_override(
        &self,
        manager: &Manager,
        tz: Option<Tz>,
    ) -> Result<(), StoreError> {
        self.set_time_zone_override(manager, tz).await
    }

    async fn set_snooze(
        &self,
        manager: &Manager,
        until: Option<NaiveDate>,
    ) -> Result<(), StoreError> {
        self.set_snooze(manager, until).await
    }

    async fn snooze_unless_snoozed(
        &self,
        manager: &Manager,
        until: NaiveDate,
        today: NaiveDate,
    ) -> Result<Option<NaiveDate>, StoreError> {
        self.snooze_unless_snoozed(manager, until, today).await
    }

    async fn set_digest_channel(
        &self,
        manager: &Manager,
        channel: Option<SlackChannelId>,
    ) -> Result<(), StoreError> {
        self.set_digest_channel(manager, channel).await
    }

    async fn insert_line(
        &self,
        manager: &Manager,
        entries: &[Entry],
        rule: Option<TeamRule>,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<StoredLine, StoreError> {
        self.insert_line(manager, entries, rule, confirmation, now)
            .await
    }

    async fn entry(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        id: EntryId,
    ) -> Result<Owned<StoredEntry>, StoreError> {
        self.entry(workspace, user, id).await
    }

    async fn latest_entries(
        &self,
        manager: &Manager,
        limit: u32,
    ) -> Result<Vec<ListedEntry>, StoreError> {
        self.latest_entries(manager, limit).await
    }

    async fn insert_judged_line(
        &self,
        manager: &Manager,
        entries: &[Entry],
        seen: StintsSeen,
        rule: TeamRule,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<StoredLine, StoreError> {
        self.insert_judged_line(manager, entries, seen, rule, confirmation, now)
            .await
    }

    async fn line_context(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        months: &[YearMonth],
        new: &[Entry],
        lookalikes: u32,
    ) -> Result<LineContext, StoreError> {
        self.line_context(manager, reps, months, new, lookalikes)
            .await
    }

    async fn lookalikes(
        &self,
        manager: &Manager,
        new: &[Entry],
        limit: u32,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        self.lookalikes(manager, new, limit).await
    }

    async fn usual_entry(&self, manager: &Manager, kind: EntryKind) -> Result<Usual, StoreError> {
        self.usual_entry(manager, kind).await
    }

    async fn edit_entry(
        &self,
        manager: &Manager,
        id: EntryId,
        entry: &Entry,
        rule: Option<TeamRule>,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<Edited, StoreError> {
        self.edit_entry(manager, id, entry, rule, confirmation, now)
            .await
    }

    async fn delete_entry(
        &self,
        manager: &Manager,
        id: EntryId,
    ) -> Result<Owned<StoredEntry>, StoreError> {
        self.delete_entry(manager, id).await
    }

    async fn undo(
        &self,
        manager: &Manager,
        target: UndoTarget,
        now: DateTime<Utc>,
    ) -> Result<Undone, StoreError> {
        self.undo(manager, target, now).await
    }

    async fn last_meeting(
        &self,
        manager: &Manager,
        day: NaiveDate,
    ) -> Result<Option<NaiveDate>, StoreError> {
        self.last_meeting(manager, day).await
    }

    async fn meetings_between(
        &self,
        manager: &Manager,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<u32, StoreError> {
        self.meetings_between(manager, from, until).await
    }

    async fn current_team(&self, manager: &Manager) -> Result<Vec<Membership>, StoreError> {
        self.current_team(manager).await
    }

    async fn team_since(&self, manager: &Manager) -> Result<Option<NaiveDate>, StoreError> {
        self.team_since(manager).await
    }

    async fn add_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        since: Option<NaiveDate>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SlackUserId, JoinChange)>, StoreError> {
        self.add_reps(manager, reps, since, today, now).await
    }

    async fn remove_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SlackUserId, RemoveOutcome)>, StoreError> {
        self.remove_reps(manager, reps, day, now).await
    }

    async fn month_activity(
        &self,
        workspace: &WorkspaceId,
        reps: &[SlackUserId],
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError> {
        self.month_activity(workspace, reps, month).await
    }

    async fn team_month_activity(
        &self,
        manager: &Manager,
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError> {
        self.team_month_activity(manager, month).await
    }

    async fn manager_days(
        &self,
        manager: &Manager,
        month: YearMonth,
    ) -> Result<Vec<DayOfCoaching>, StoreError> {
        self.manager_days(manager, month).await
    }

    async fn rep_sessions(
        &self,
        workspace: &WorkspaceId,
        rep: &SlackUserId,
        month: YearMonth,
    ) -> Result<Vec<RepSession>, StoreError> {
        self.rep_sessions(workspace, rep, month).await
    }

    async fn month_confirmations(
        &self,
        workspace: &WorkspaceId,
        month: YearMonth,
        reps: &[SlackUserId],
    ) -> Result<Vec<(SlackUserId, Confirmation, u32)>, StoreError> {
        self.month_confirmations(workspace, month, reps).await
    }

    async fn answer_as_rep(
        &self,
        workspace: &WorkspaceId,
        rep: &SlackUserId,
        entry: EntryId,
        revision: u32,
        answer: RepAnswer,
    ) -> Result<RepAnswered, StoreError> {
        self.answer_as_rep(workspace, rep, entry, revision, answer)
            .await
    }

    async fn settle_dispute(
        &self,
        manager: &Manager,
        entry: EntryId,
        rep: &SlackUserId,
        decision: DisputeDecision,
    ) -> Result<DisputeSettled, StoreError> {
        self.settle_dispute(manager, entry, rep, decision).await
    }

    async fn pending_notices(&self, limit: u32) -> Result<Vec<PendingNotice>, StoreError> {
        self.pending_notices(limit).await
    }

    async fn store_notice(
        &self,
        notice: &PendingNotice,
        message: &NewReminder,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.store_notice(notice, message, now).await
    }

    async fn team_month_activities(
        &self,
        managers: &[Manager],
        month: YearMonth,
        held_by: Option<NaiveDate>,
    ) -> Result<PerManager<MonthActivity>, StoreError> {
        self.team_month_activities(managers, month, held_by).await
    }

    async fn managers_days(
        &self,
        managers: &[Manager],
        month: YearMonth,
    ) -> Result<PerManager<Vec<DayOfCoaching>>, StoreError> {
        self.managers_days(managers, month).await
    }

    async fn managers_stints(
        &self,
        managers: &[Manager],
    ) -> Result<PerManager<Vec<Membership>>, StoreError> {
        self.managers_stints(managers).await
    }

    async fn managers_meetings(
        &self,
        managers: &[Manager],
        from: NaiveDate,
        day: NaiveDate,
    ) -> Result<PerManager<MeetingsAsOf>, StoreError> {
        self.managers_meetings(managers, from, day).await
    }

    async fn stored_reminders(
        &self,
        job: Job,
        local_date: NaiveDate,
        keys: &[ReminderKey],
    ) -> Result<Vec<bool>, StoreError> {
        self.stored_reminders(job, local_date, keys).await
    }

    async fn insert_reminder(
        &self,
        reminder: &NewReminder,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        self.insert_reminder(reminder, now).await
    }

    async fn due_reminders(
        &self,
        workspace: &WorkspaceId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PendingReminder>, StoreError> {
        self.due_reminders(workspace, now, limit).await
    }

    async fn workspaces_with_pending_reminders(&self) -> Result<Vec<WorkspaceId>, StoreError> {
        self.workspaces_with_pending_reminders().await
    }

    async fn pending_reminders(&self, ids: &[i64]) -> Result<Vec<PendingReminder>, StoreError> {
        self.pending_reminders(ids).await
    }

    async fn expire_reminders(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ExpiredReminder>, StoreError> {
        self.expire_reminders(now).await
    }

    async fn claim_reminder(
        &self,
        id: i64,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Claim>, StoreError> {
        self.claim_reminder(id, now, lease_until).await
    }

    async fn renew_claim(
        &self,
        id: i64,
        token: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.renew_claim(id, token, lease_until).await
    }

    async fn mark_reminder_sent(
        &self,
        id: i64,
        token: &str,
        now: DateTime<Utc>,
        posted: Option<&PostedAt>,
    ) -> Result<bool, StoreError> {
        self.mark_reminder_sent(id, token, now, posted).await
    }

    async fn mark_reminder_retry(
        &self,
        id: i64,
        token: &str,
        retry: &Retry,
    ) -> Result<bool, StoreError> {
        self.mark_reminder_retry(id, token, retry).await
    }

    async fn mark_reminder_failed(
        &self,
        id: i64,
        token: &str,
        error: &str,
    ) -> Result<bool, StoreError> {
        self.mark_reminder_failed(id, token, error).await
    }

    async fn first_sighting(&self, event_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.first_sighting(event_id, now).await
    }

    async fn remember_form_origin(
        &self,
        view_id: &str,
        workspace: &WorkspaceId,
        origin: &FormOrigin,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.remember_form_origin(view_id, workspace, origin, now)
            .await
    }

    async fn take_form_origin(&self, view_id: &str) -> Result<Option<FormOrigin>, StoreError> {
        self.take_form_origin(view_id).await
    }

    async fn take_form_origin_replacing_blocks<'a>(
        &'a self,
        view_id: &'a str,
        update: Box<dyn for<'o> FnOnce(&'o FormOrigin) -> String + Send + 'a>,
    ) -> Result<Option<FormOrigin>, StoreError> {
        let taken = self
            .take_form_origin_updating(view_id, |origin: &FormOrigin| ((), update(origin)))
            .await?;
        Ok(taken.map(|(origin, ())| origin))
    }

    async fn remember_home_tab(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.remember_home_tab(workspace, user, now).await
    }

    async fn home_tabs_opened_since(
        &self,
        workspace: &WorkspaceId,
        users: &[SlackUserId],
        since: DateTime<Utc>,
    ) -> Result<Vec<SlackUserId>, StoreError> {
        self.home_tabs_opened_since(workspace, users, since).await
    }

    async fn home_tab(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
    ) -> Result<Option<HomeTab>, StoreError> {
        self.home_tab(workspace, user).await
    }

    async fn home_tab_published(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.home_tab_published(workspace, user, hash, at).await
    }

    async fn reserve_publish(
        &self,
        workspace: &WorkspaceId,
        now: DateTime<Utc>,
        per_minute: u32,
    ) -> Result<DateTime<Utc>, StoreError> {
        self.reserve_publish(workspace, now, per_minute).await
    }

    async fn hold_publishes(
        &self,
        workspace: &WorkspaceId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.hold_publishes(workspace, until).await
    }

    async fn take_delivery_turn(
        &self,
        workspace: &WorkspaceId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<DeliveryTurn>, StoreError> {
        self.take_delivery_turn(workspace, holder, now, until).await
    }

    async fn hold_deliveries(
        &self,
        workspace: &WorkspaceId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.hold_deliveries(workspace, until).await
    }

    async fn check(&self) -> Result<(Checked, Vec<Finding>), StoreError> {
        self.check().await
    }

    async fn month_export(&self, month: YearMonth) -> Result<Vec<ExportRow>, StoreError> {
        self.month_export(month).await
    }

    async fn save_installation(&self, installation: &Installation) -> Result<(), StoreError> {
        self.save_installation(installation).await
    }

    async fn installation(
        &self,
        workspace: &WorkspaceId,
    ) -> Result<Option<Installation>, StoreError> {
        self.installation(workspace).await
    }

    async fn installations(&self) -> Result<Vec<Installation>, StoreError> {
        self.installations().await
    }

    async fn remove_installation(&self, workspace: &WorkspaceId) -> Result<bool, StoreError> {
        self.remove_installation(workspace).await
    }

    async fn reseal_installations(&self, keys: &TokenKeys) -> Result<usize, StoreError> {
        self.reseal_installations(keys).await
    }

    async fn issue_oauth_state(
        &self,
        state_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.issue_oauth_state(state_hash, expires_at, now).await
    }

    async fn take_oauth_state(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.take_oauth_state(state_hash, now).await
    }

    async fn prune_bookkeeping(
        &self,
        before: DateTime<Utc>,
        batch: u32,
    ) -> Result<Pruned, StoreError> {
        self.prune_bookkeeping(before, batch).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.ping().await
    }

    async fn writable(&self) -> Result<(), StoreError> {
        self.writable().await
    }

    fn checkpoints(&self) -> watch::Receiver<u64> {
        self.checkpoints()
    }

    async fn close(&self) {
        self.close().await
    }
}
