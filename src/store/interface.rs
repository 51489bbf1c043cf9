//! Every operation the application asks of storage, in one place. `app`,
//! `inbound` and `scheduler` reach the records only through [`Storage`]
//! (held as a [`super::Store`]); each database is an implementation of it
//! (today SQLite, `super::sqlite`), so another can be added beside it
//! without touching them. What a database needs of its own (SQL dialect,
//! locking, maintenance) stays inside its implementation.
//!
//! Each operation that changes records is one transaction: it happens whole
//! or not at all. Instants come from the caller (time is injected), and
//! every record is read and written within one Slack workspace unless the
//! operation says otherwise.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use tokio::sync::watch;

use super::types::{
    Checked, Claim, DisputeSettled, Edited, ExpiredReminder, ExportRow, Finding, FormOrigin,
    HomeTab, Installation, LineContext, MeetingsAsOf, NewReminder, Owned, PendingNotice,
    PendingReminder, PerManager, PostedAt, Pruned, ReminderKey, RepAnswered, Retry, StintsSeen,
    StoredLine, TeamRule, UndoTarget, Undone, UnreadableManager, Usual, ZoneNames,
};
use super::StoreError;
use crate::domain::{
    Confirmation, DayOfCoaching, DeliveryTurn, DisputeDecision, Entry, EntryId, EntryKind, Job,
    JoinChange, ListedEntry, Manager, Membership, MonthActivity, RemoveOutcome, RepAnswer,
    RepSession, SlackChannelId, SlackUserId, StoredEntry, WorkspaceId, YearMonth,
};
use crate::sealing::TokenKeys;

/// The records coachbot keeps, as the use cases need them.
#[async_trait::async_trait]
pub trait Storage: fmt::Debug + Send + Sync {
    // Managers: who has used coachbot, their time zone, snooze and digest
    // channel. A manager's row only ever moves forward: of two reads, the
    // one that has seen more changes wins.

    /// The manager `user` of workspace `workspace`, if they have used coachbot.
    async fn manager(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
    ) -> Result<Option<Manager>, StoreError>;

    /// Records a manager the first time they use coachbot; a second insert
    /// (two first requests racing) keeps the first. The manager as stored.
    async fn add_manager(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        slack_tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Manager, StoreError>;

    /// Every manager with at least one rep on their team, in every
    /// workspace; one whose records this build cannot read comes as an
    /// error of its own, so that a job can skip them and go on.
    async fn managers_with_reps(
        &self,
    ) -> Result<Vec<Result<Manager, UnreadableManager>>, StoreError>;

    /// Each workspace with a manager who has reps, however many managers.
    async fn workspaces_with_reps(&self) -> Result<Vec<WorkspaceId>, StoreError>;

    /// Each pair of zone names managers have, with the zone it puts them in.
    async fn managers_zones(&self) -> Result<Vec<ZoneNames>, StoreError>;

    /// The managers with reps, in the zones given, who have no `job`
    /// reminder yet for the day given with their zone (the keys a job
    /// stores: a DM to the manager, or for `team-digest` a post to their
    /// team's channel, which a manager without one never gets); all those
    /// in a zone given with no day (one that cannot be read, so that a job
    /// reports them). In the order of [`Storage::managers_with_reps`]; with
    /// nothing due, nothing of any manager is read.
    async fn undecided_managers(
        &self,
        job: Job,
        zones: &[(ZoneNames, Option<NaiveDate>)],
    ) -> Result<Vec<Result<Manager, UnreadableManager>>, StoreError>;

    /// Stores the zone Slack reports for a manager whose stored one this
    /// build could not read; the manager as they now read.
    async fn set_slack_time_zone(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        slack_tz: Tz,
    ) -> Result<Manager, StoreError>;

    /// Sets or clears the manager's own time zone; the rest of their row
    /// stays as stored, whatever copy the caller holds.
    async fn set_time_zone_override(
        &self,
        manager: &Manager,
        tz: Option<Tz>,
    ) -> Result<(), StoreError>;

    /// Pauses reminders until `until` (the day they come back), or ends the
    /// pause.
    async fn set_snooze(
        &self,
        manager: &Manager,
        until: Option<NaiveDate>,
    ) -> Result<(), StoreError>;

    /// Pauses reminders until `until` unless a pause is running on `today`
    /// as stored (not as the caller's copy has it); the pause kept, if any.
    async fn snooze_unless_snoozed(
        &self,
        manager: &Manager,
        until: NaiveDate,
        today: NaiveDate,
    ) -> Result<Option<NaiveDate>, StoreError>;

    /// The channel the manager's team digest goes to, or none.
    async fn set_digest_channel(
        &self,
        manager: &Manager,
        channel: Option<SlackChannelId>,
    ) -> Result<(), StoreError>;

    // Lines and entries: what a manager logs, read back, edited, deleted
    // and undone. Entry and line IDs are never used twice.

    /// Stores a line's entries, and the join days its team `rule` moves
    /// back, together; returns once they are committed. The rule runs on
    /// the stints as read in the storing transaction (the reps' for 1:1s,
    /// the manager's team's for a meeting); a line it refuses is not stored
    /// ([`StoreError::TeamChanged`]). `confirmation` is each session rep's
    /// word to begin with.
    async fn insert_line(
        &self,
        manager: &Manager,
        entries: &[Entry],
        rule: Option<TeamRule>,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<StoredLine, StoreError>;

    /// Stores a line of 1:1s judged by `rule` on stints read at `seen`
    /// (with [`Storage::line_context`]) and found to move no join day: at
    /// once while no stint in the workspace has changed since, without
    /// reading them again; otherwise as [`Storage::insert_line`] does,
    /// with `rule` run on the stints as they now stand.
    async fn insert_judged_line(
        &self,
        manager: &Manager,
        entries: &[Entry],
        seen: StintsSeen,
        rule: TeamRule,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<StoredLine, StoreError>;

    /// What a new line of `new` entries with these `reps` needs before it
    /// is stored and answered, in one read: the count of stint changes
    /// (read first, so a change in between shows as a newer count), the
    /// reps' records in each of `months` as [`Storage::month_activity`]
    /// reads them, and up to `lookalikes` entries the line looks like as
    /// [`Storage::lookalikes`] finds them.
    async fn line_context(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        months: &[YearMonth],
        new: &[Entry],
        lookalikes: u32,
    ) -> Result<LineContext, StoreError>;

    /// Entry `id` as it stands for `user`: theirs, another manager's, or
    /// gone.
    async fn entry(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        id: EntryId,
    ) -> Result<Owned<StoredEntry>, StoreError>;

    /// The manager's latest entries by day held (then by when they were
    /// logged), newest first, each with its reps' word.
    async fn latest_entries(
        &self,
        manager: &Manager,
        limit: u32,
    ) -> Result<Vec<ListedEntry>, StoreError>;

    /// The manager's latest stored entries (at most `limit`, oldest
    /// first) that look like one of `new` ([`Entry::looks_like`]): what a
    /// new line could repeat.
    async fn lookalikes(
        &self,
        manager: &Manager,
        new: &[Entry],
        limit: u32,
    ) -> Result<Vec<StoredEntry>, StoreError>;

    /// The length (and, for sessions, the kind) the manager logs most
    /// often, the latest winning a tie.
    async fn usual_entry(&self, manager: &Manager, kind: EntryKind) -> Result<Usual, StoreError>;

    /// Changes the manager's entry `id` to `entry` (of the same kind), with
    /// every rep's copy of it: reps no longer in it leave, new ones join,
    /// and every rep's word is asked again (`confirmation`), a dispute
    /// staying until it is settled. The join days the entry had moved
    /// follow it. A 1:1's team `rule` runs on its reps' stints as read in
    /// the same transaction: the join days it moves back move with the
    /// entry, and an edit it refuses is not stored
    /// ([`StoreError::TeamChanged`]).
    async fn edit_entry(
        &self,
        manager: &Manager,
        id: EntryId,
        entry: &Entry,
        rule: Option<TeamRule>,
        confirmation: Confirmation,
        now: DateTime<Utc>,
    ) -> Result<Edited, StoreError>;

    /// Deletes the manager's entry `id` whole, every rep with it, and takes
    /// back the join days it moved; the entry as it was.
    async fn delete_entry(
        &self,
        manager: &Manager,
        id: EntryId,
    ) -> Result<Owned<StoredEntry>, StoreError>;

    /// Takes back a line whole (its entries, and the join days they moved)
    /// or a team command (every stint it changed). A line taken back
    /// before, or another manager's, changes nothing.
    async fn undo(
        &self,
        manager: &Manager,
        target: UndoTarget,
        now: DateTime<Utc>,
    ) -> Result<Undone, StoreError>;

    /// The day of the manager's latest team meeting held on or before `day`.
    async fn last_meeting(
        &self,
        manager: &Manager,
        day: NaiveDate,
    ) -> Result<Option<NaiveDate>, StoreError>;

    /// How many team meetings the manager held on days in `[from, until)`.
    async fn meetings_between(
        &self,
        manager: &Manager,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<u32, StoreError>;

    // Team: who is on whose team, from which day to which day. Each team
    // command is kept as one change `undo` can take back.

    /// The reps on the manager's team now, in the order they joined.
    async fn current_team(&self, manager: &Manager) -> Result<Vec<Membership>, StoreError>;

    /// The day the manager's team got its first rep, ever.
    async fn team_since(&self, manager: &Manager) -> Result<Option<NaiveDate>, StoreError>;

    /// Adds reps from `since` (or `today`), moves the join day of reps
    /// already on the team, or puts back a rep who left today, as
    /// `domain::join_change` decides from the rep's stints as stored.
    async fn add_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        since: Option<NaiveDate>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SlackUserId, JoinChange)>, StoreError>;

    /// Ends reps' stints on `day` (today, or the day they left), as
    /// `domain::leave` decides; their history stays.
    async fn remove_reps(
        &self,
        manager: &Manager,
        reps: &[SlackUserId],
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<(SlackUserId, RemoveOutcome)>, StoreError>;

    // Months: the records a rep's month is totalled from, by the domain's
    // one rule.

    /// These reps' stints (on any team), their 1:1 minutes in the month
    /// (leaving out sessions they disputed) and the meetings of every
    /// manager they were with, in one read.
    async fn month_activity(
        &self,
        workspace: &WorkspaceId,
        reps: &[SlackUserId],
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError>;

    /// [`Storage::month_activity`] for everyone on the manager's team on
    /// some day of the month, or on it now.
    async fn team_month_activity(
        &self,
        manager: &Manager,
        month: YearMonth,
    ) -> Result<MonthActivity, StoreError>;

    /// The manager's own coaching in the month, day by day: each of their
    /// 1:1s once, however many reps were in it (leaving out one that every
    /// rep in it disputed), and each of their team meetings once.
    async fn manager_days(
        &self,
        manager: &Manager,
        month: YearMonth,
    ) -> Result<Vec<DayOfCoaching>, StoreError>;

    /// A rep's 1:1s in the month, with any manager, oldest first.
    async fn rep_sessions(
        &self,
        workspace: &WorkspaceId,
        rep: &SlackUserId,
        month: YearMonth,
    ) -> Result<Vec<RepSession>, StoreError>;

    /// How many of each rep's 1:1s in the month stand at each word.
    async fn month_confirmations(
        &self,
        workspace: &WorkspaceId,
        month: YearMonth,
        reps: &[SlackUserId],
    ) -> Result<Vec<(SlackUserId, Confirmation, u32)>, StoreError>;

    // The jobs' set reads: what each of many managers' decisions needs,
    // in a few reads over all of them. Each returns the managers' records
    // in the order given; one whose records cannot be read has the error
    // instead, and the others still have theirs.

    /// [`Storage::team_month_activity`] for each of these managers; with a
    /// day, of the entries held by then, the sessions summed per rep and
    /// kind of coaching and dated the last of them (a job needs no more).
    async fn team_month_activities(
        &self,
        managers: &[Manager],
        month: YearMonth,
        held_by: Option<NaiveDate>,
    ) -> Result<PerManager<MonthActivity>, StoreError>;

    /// [`Storage::manager_days`] for each of these managers.
    async fn managers_days(
        &self,
        managers: &[Manager],
        month: YearMonth,
    ) -> Result<PerManager<Vec<DayOfCoaching>>, StoreError>;

    /// Every stint each of these managers' teams has had, in the order they
    /// began (those ended too).
    async fn managers_stints(
        &self,
        managers: &[Manager],
    ) -> Result<PerManager<Vec<Membership>>, StoreError>;

    /// Each of these managers' team meetings as of `day`: the latest held
    /// on or before it, and how many were held from `from` through it.
    async fn managers_meetings(
        &self,
        managers: &[Manager],
        from: NaiveDate,
        day: NaiveDate,
    ) -> Result<PerManager<MeetingsAsOf>, StoreError>;

    // Reps' word on their 1:1s, and the notices it calls for.

    /// Records a rep's answer to the question about revision `revision` of
    /// 1:1 `entry`; a dispute leaves a notice for the manager.
    async fn answer_as_rep(
        &self,
        workspace: &WorkspaceId,
        rep: &SlackUserId,
        entry: EntryId,
        revision: u32,
        answer: RepAnswer,
    ) -> Result<RepAnswered, StoreError>;

    /// The manager keeps a session `rep` disputed (it counts again) or
    /// deletes it for them (the whole entry, if it was theirs alone).
    async fn settle_dispute(
        &self,
        manager: &Manager,
        entry: EntryId,
        rep: &SlackUserId,
        decision: DisputeDecision,
    ) -> Result<DisputeSettled, StoreError>;

    /// Messages that changes call for and that have not gone out yet, in
    /// every workspace, oldest entry first (at most `limit` entries' worth).
    async fn pending_notices(&self, limit: u32) -> Result<Vec<PendingNotice>, StoreError>;

    /// Stores the message a notice became and marks the notice done,
    /// together, so each goes out once; a notice the records moved past
    /// since it was read stores nothing.
    async fn store_notice(
        &self,
        notice: &PendingNotice,
        message: &NewReminder,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    // Reminders: rows before they are messages, one per key (job,
    // recipient, local day, subject), claimed before each try.

    /// Of these reminders of `job` for `local_date`, which are stored
    /// already, in the order given; one read however many there are.
    async fn stored_reminders(
        &self,
        job: Job,
        local_date: NaiveDate,
        keys: &[ReminderKey],
    ) -> Result<Vec<bool>, StoreError>;

    /// Stores a decided reminder; its ID, or `None` when one with the same
    /// key exists already (another run got there first).
    async fn insert_reminder(
        &self,
        reminder: &NewReminder,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError>;

    /// Up to `limit` reminders of `workspace` that are due at `now` (day
    /// not over, next try due, no claim holding them): the questions to
    /// reps and the dispute notices first, then oldest first.
    async fn due_reminders(
        &self,
        workspace: &WorkspaceId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PendingReminder>, StoreError>;

    /// The workspaces with reminders still pending, whenever due.
    async fn workspaces_with_pending_reminders(&self) -> Result<Vec<WorkspaceId>, StoreError>;

    /// Of the reminders `ids`, those still pending, whatever their day.
    async fn pending_reminders(&self, ids: &[i64]) -> Result<Vec<PendingReminder>, StoreError>;

    /// Gives up on pending reminders whose day has passed and that no
    /// claim holds, in every workspace; those given up.
    async fn expire_reminders(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ExpiredReminder>, StoreError>;

    /// Takes pending reminder `id` for one attempt, counting it, until
    /// `lease_until`, unless a live claim holds it (in this process or
    /// another); from now on a post of it is in doubt until an outcome is
    /// marked. `None` when it is held, or no longer pending.
    async fn claim_reminder(
        &self,
        id: i64,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Claim>, StoreError>;

    /// Keeps holding a claimed reminder, for a retry, until `lease_until`;
    /// `false` when the claim is no longer this token's.
    async fn renew_claim(
        &self,
        id: i64,
        token: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Slack took the reminder (put where `posted` says, when its answer
    /// said). Marked whatever the claim, since the post happened; `false`
    /// when the claim was no longer this token's, so the caller can say so.
    async fn mark_reminder_sent(
        &self,
        id: i64,
        token: &str,
        now: DateTime<Utc>,
        posted: Option<&PostedAt>,
    ) -> Result<bool, StoreError>;

    /// Hands a claimed reminder back, pending, for another attempt;
    /// `false` (nothing changed) when the claim is no longer this token's.
    async fn mark_reminder_retry(
        &self,
        id: i64,
        token: &str,
        retry: &Retry,
    ) -> Result<bool, StoreError>;

    /// Slack refused the reminder for good; `false` (nothing changed) when
    /// the claim is no longer this token's.
    async fn mark_reminder_failed(
        &self,
        id: i64,
        token: &str,
        error: &str,
    ) -> Result<bool, StoreError>;

    // Slack's interactions: events handled, the messages forms were opened
    // from, and who has a Home tab. Events and origins are kept a day at
    // most; Home tabs are pruned with the rest of the bookkeeping.

    /// `true` the first time an event ID comes, `false` for a redelivery.
    async fn first_sighting(&self, event_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Keeps the message a form was opened from, under the form's view ID.
    async fn remember_form_origin(
        &self,
        view_id: &str,
        workspace: &WorkspaceId,
        origin: &FormOrigin,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The message a form was opened from, forgotten as it is read.
    async fn take_form_origin(&self, view_id: &str) -> Result<Option<FormOrigin>, StoreError>;

    /// The message a form was opened from, forgotten as it is read; every
    /// other form still open from that message gets the blocks `update`
    /// makes of it (JSON), in the same transaction. Callers use
    /// [`super::Store::take_form_origin_updating`], which also hands back
    /// what `update` made.
    async fn take_form_origin_replacing_blocks<'a>(
        &'a self,
        view_id: &'a str,
        update: Box<dyn for<'o> FnOnce(&'o FormOrigin) -> String + Send + 'a>,
    ) -> Result<Option<FormOrigin>, StoreError>;

    /// Records that `user` opened the Home tab.
    async fn remember_home_tab(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Those of `users` who opened their Home tab at `since` or later.
    async fn home_tabs_opened_since(
        &self,
        workspace: &WorkspaceId,
        users: &[SlackUserId],
        since: DateTime<Utc>,
    ) -> Result<Vec<SlackUserId>, StoreError>;

    /// `user`'s Home tab, if they have ever opened it.
    async fn home_tab(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
    ) -> Result<Option<HomeTab>, StoreError>;

    /// Records that `user`'s Home tab was published at `at`, and the hash
    /// Slack gave the view.
    async fn home_tab_published(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    // Slack's limits per workspace, shared by every process on the database.

    /// Takes a `views.publish` in `workspace` at `now` or later, so that no
    /// minute holds more than `per_minute` of them whichever process
    /// publishes, and returns when it may go.
    async fn reserve_publish(
        &self,
        workspace: &WorkspaceId,
        now: DateTime<Utc>,
        per_minute: u32,
    ) -> Result<DateTime<Utc>, StoreError>;

    /// Slack asked to slow down: no Home tab is published in `workspace`
    /// before `until`, by any process.
    async fn hold_publishes(
        &self,
        workspace: &WorkspaceId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Takes (or keeps) the turn to deliver `workspace`'s reminders for
    /// `holder` until `until`, unless another holder's turn runs past
    /// `now`: the turn taken, or `None`.
    async fn take_delivery_turn(
        &self,
        workspace: &WorkspaceId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<DeliveryTurn>, StoreError>;

    /// Slack answered a post with 429: whoever delivers `workspace` next
    /// posts nothing before `until`.
    async fn hold_deliveries(
        &self,
        workspace: &WorkspaceId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    // Integrity and export, for `coachbot check` and `coachbot export`.

    /// Every disagreement in the records, oldest first within each check,
    /// and how much was looked at.
    async fn check(&self) -> Result<(Checked, Vec<Finding>), StoreError>;

    /// Every session and meeting held in the month, in every workspace,
    /// oldest first: one row per rep it counts for (a meeting: each rep on
    /// the team that day), so each rep's rows add up to their month; a
    /// meeting that counted for nobody still has its row.
    async fn month_export(&self, month: YearMonth) -> Result<Vec<ExportRow>, StoreError>;

    // Installations: workspaces that installed coachbot from its link,
    // and the one-time states of those links.

    /// Stores what a workspace's install gave; a re-install replaces the
    /// token and all the rest.
    async fn save_installation(&self, installation: &Installation) -> Result<(), StoreError>;

    /// The installation of `workspace`, if it installed coachbot.
    async fn installation(
        &self,
        workspace: &WorkspaceId,
    ) -> Result<Option<Installation>, StoreError>;

    /// Every installation, by workspace ID.
    async fn installations(&self) -> Result<Vec<Installation>, StoreError>;

    /// Removes the installation of `workspace` (whether there was one);
    /// every other record of the workspace stays.
    async fn remove_installation(&self, workspace: &WorkspaceId) -> Result<bool, StoreError>;

    /// Seals every installation's token under the current key where only
    /// the previous key opens it, all in one transaction; how many were
    /// sealed again. A token neither key opens stops it, changing nothing.
    async fn reseal_installations(&self, keys: &TokenKeys) -> Result<usize, StoreError>;

    /// Keeps an install link's state (by its hash) until `expires_at`;
    /// states expired by `now` are deleted.
    async fn issue_oauth_state(
        &self,
        state_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Takes a state: true only the first time, and only before it
    /// expires; of two takes at once, one wins.
    async fn take_oauth_state(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    // Maintenance.

    /// Deletes what is kept only for bookkeeping and is older than
    /// `before`: reminders, questions and notices of a local date before
    /// its day (never one still pending), Home tab marks of tabs last
    /// opened before it, and lines taken back before it (never one with an
    /// entry left); at most `batch` rows of a kind per transaction, so
    /// other writes never wait long. Coaching records are never pruned.
    async fn prune_bookkeeping(
        &self,
        before: DateTime<Utc>,
        batch: u32,
    ) -> Result<Pruned, StoreError>;

    /// Whether the database answers a trivial query.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Whether the writer can commit: it is running, and it can take the
    /// database's write lock now (and lets it go at once).
    async fn writable(&self) -> Result<(), StoreError>;

    /// How many background maintenance passes have finished, as they
    /// happen (SQLite: checkpoints of its write-ahead log); a database
    /// without any never changes it.
    fn checkpoints(&self) -> watch::Receiver<u64>;

    /// Closes the connections; nothing is read or written after.
    async fn close(&self);
}
