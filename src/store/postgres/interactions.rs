//! What Slack's interactions need remembered: which events were handled,
//! which message a form was opened from, and each Home tab: who opened
//! it, and what was last published to it. Whatever must happen once (an
//! event handled, a form's origin taken) is decided by a key or a lock in
//! the database, so it happens once however many replicas see it.

use chrono::{DateTime, Duration, SubsecRound, Utc};

use super::{whole_seconds, PgStore};
use crate::domain::{SlackUserId, WorkspaceId};
use crate::store::sqlite::parse_user;
use crate::store::{FormOrigin, HomeTab, StoreError};

/// How long an event ID or a form's origin is kept.
const KEPT_FOR: Duration = Duration::days(1);

/// A Home tab as read.
#[derive(sqlx::FromRow)]
struct HomeTabRow {
    opened_at: DateTime<Utc>,
    hash: Option<String>,
    published_at: Option<DateTime<Utc>>,
}

/// A form's origin as read.
#[derive(sqlx::FromRow)]
struct OriginRow {
    channel_id: String,
    message_ts: String,
    blocks: String,
    action_id: String,
}

impl From<OriginRow> for FormOrigin {
    fn from(row: OriginRow) -> Self {
        FormOrigin {
            channel: row.channel_id,
            message_ts: row.message_ts,
            blocks: row.blocks,
            action_id: row.action_id,
        }
    }
}

/// Forgets the origin of the form `view_id` and returns it; `None` when
/// another request (on any replica) took it first.
const TAKE_ORIGIN: &str = "DELETE FROM form_origins WHERE view_id = $1
                           RETURNING channel_id, message_ts, blocks, action_id";

impl PgStore {
    /// `true` the first time an event ID comes, `false` for a redelivery:
    /// the primary key lets exactly one replica insert it.
    #[tracing::instrument(skip(self))]
    pub(super) async fn first_sighting(
        &self,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM seen_events WHERE seen_at < $1")
            .bind(whole_seconds(now - KEPT_FOR))
            .execute(&mut *tx)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO seen_events (event_id, seen_at) VALUES ($1, $2)
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(whole_seconds(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(inserted == 1)
    }

    /// Keeps the message a form was opened from, under the form's view ID.
    #[tracing::instrument(skip(self, origin))]
    pub(super) async fn remember_form_origin(
        &self,
        view_id: &str,
        workspace: &WorkspaceId,
        origin: &FormOrigin,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM form_origins WHERE created_at < $1")
            .bind(whole_seconds(now - KEPT_FOR))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO form_origins (view_id, team_id, channel_id, message_ts, blocks, action_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (view_id) DO NOTHING",
        )
        .bind(view_id)
        .bind(workspace.as_str())
        .bind(&origin.channel)
        .bind(&origin.message_ts)
        .bind(&origin.blocks)
        .bind(&origin.action_id)
        .bind(whole_seconds(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The message a form was opened from, forgotten as it is read: of two
    /// requests taking it at once, the delete of one waits for the other's
    /// and then finds nothing.
    #[tracing::instrument(skip(self))]
    pub(super) async fn take_form_origin(
        &self,
        view_id: &str,
    ) -> Result<Option<FormOrigin>, StoreError> {
        let row: Option<OriginRow> = sqlx::query_as(TAKE_ORIGIN)
            .bind(view_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(FormOrigin::from))
    }

    /// The message a form was opened from, forgotten as it is read; every
    /// other form still open from that message is given the blocks `update`
    /// makes of it, in the same transaction. The forms of that message are
    /// locked first (in one order, so two takes never wait on each other
    /// in a circle): two forms of one message submitted on two replicas
    /// are taken one after the other, and the second starts from the
    /// blocks the first left, so a button used there never comes back.
    #[tracing::instrument(skip(self, update))]
    pub(super) async fn take_form_origin_replacing_blocks<'a>(
        &'a self,
        view_id: &'a str,
        update: Box<dyn for<'o> FnOnce(&'o FormOrigin) -> String + Send + 'a>,
    ) -> Result<Option<FormOrigin>, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "SELECT f.view_id FROM form_origins f
             WHERE (f.channel_id, f.message_ts) IN (
                 SELECT channel_id, message_ts FROM form_origins WHERE view_id = $1)
             ORDER BY f.view_id
             FOR UPDATE",
        )
        .bind(view_id)
        .execute(&mut *tx)
        .await?;
        let taken: Option<OriginRow> = sqlx::query_as(TAKE_ORIGIN)
            .bind(view_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(origin) = taken.map(FormOrigin::from) else {
            return Ok(None);
        };
        let blocks = update(&origin);
        sqlx::query(
            "UPDATE form_origins SET blocks = $1 WHERE channel_id = $2 AND message_ts = $3",
        )
        .bind(blocks)
        .bind(&origin.channel)
        .bind(&origin.message_ts)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(origin))
    }

    /// Records that `user` opened the Home tab.
    pub(super) async fn remember_home_tab(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO home_tabs (team_id, user_id, opened_at) VALUES ($1, $2, $3)
             ON CONFLICT (team_id, user_id) DO UPDATE SET opened_at = EXCLUDED.opened_at",
        )
        .bind(workspace.as_str())
        .bind(user.as_str())
        .bind(whole_seconds(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Those of `users` who opened their Home tab at `since` or later, in
    /// one read.
    pub(super) async fn home_tabs_opened_since(
        &self,
        workspace: &WorkspaceId,
        users: &[SlackUserId],
        since: DateTime<Utc>,
    ) -> Result<Vec<SlackUserId>, StoreError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let users: Vec<&str> = users.iter().map(SlackUserId::as_str).collect();
        let looking: Vec<String> = sqlx::query_scalar(
            "SELECT user_id FROM home_tabs
             WHERE team_id = $1 AND opened_at >= $2 AND user_id = ANY($3)
             ORDER BY user_id",
        )
        .bind(workspace.as_str())
        .bind(whole_seconds(since))
        .bind(users)
        .fetch_all(&self.pool)
        .await?;
        looking.into_iter().map(parse_user).collect()
    }

    /// `user`'s Home tab, if they have ever opened it.
    pub(super) async fn home_tab(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
    ) -> Result<Option<HomeTab>, StoreError> {
        let row: Option<HomeTabRow> = sqlx::query_as(
            "SELECT opened_at, hash, published_at FROM home_tabs WHERE team_id = $1 AND user_id = $2",
        )
        .bind(workspace.as_str())
        .bind(user.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| HomeTab {
            opened_at: row.opened_at,
            hash: row.hash,
            published_at: row.published_at,
        }))
    }

    /// Records that `user`'s Home tab was published at `at`, with the hash
    /// Slack gave the view. The instant keeps its milliseconds, as SQLite
    /// keeps them: it spaces the next publish by a few seconds.
    pub(super) async fn home_tab_published(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE home_tabs SET hash = $1, published_at = $2 WHERE team_id = $3 AND user_id = $4",
        )
        .bind(hash)
        .bind(at.trunc_subsecs(3))
        .bind(workspace.as_str())
        .bind(user.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + seconds, 0).expect("instant")
    }

    fn origin(action: &str) -> FormOrigin {
        FormOrigin {
            channel: "C0CHAN".into(),
            message_ts: "1700000000.000100".into(),
            blocks: "[]".into(),
            action_id: action.into(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn of_two_replicas_seeing_one_event_exactly_one_sees_it_first() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        for round in 0..20 {
            let event = format!("Ev{round}");
            let (a, b) = tokio::join!(
                store.first_sighting(&event, at(0)),
                store.first_sighting(&event, at(0)),
            );
            assert!(a.expect("a") ^ b.expect("b"), "round {round}");
        }
    }

    #[tokio::test]
    async fn an_event_is_forgotten_after_a_day() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        assert!(store.first_sighting("Ev1", at(0)).await.expect("new"));
        assert!(!store.first_sighting("Ev1", at(86_400)).await.expect("kept"));
        assert!(store.first_sighting("Ev1", at(86_401)).await.expect("gone"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_form_origin_taken_on_two_replicas_at_once_goes_to_one() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let workspace = WorkspaceId::parse("T0TEAM").expect("team");
        for round in 0..20 {
            let view = format!("V{round}");
            store
                .remember_form_origin(&view, &workspace, &origin("log"), at(0))
                .await
                .expect("kept");
            let (a, b) = tokio::join!(
                store.take_form_origin(&view),
                store.take_form_origin_replacing_blocks(
                    &view,
                    Box::new(|o: &FormOrigin| o.blocks.clone())
                ),
            );
            let taken = [a.expect("a"), b.expect("b")];
            assert_eq!(taken.iter().flatten().count(), 1, "round {round}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_forms_of_one_message_taken_at_once_are_taken_one_after_the_other() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let workspace = WorkspaceId::parse("T0TEAM").expect("team");
        for round in 0..20 {
            let message = FormOrigin {
                message_ts: format!("1700000000.{round:06}"),
                ..origin("")
            };
            for action in ["first", "second"] {
                let form = FormOrigin {
                    action_id: action.into(),
                    ..message.clone()
                };
                store
                    .remember_form_origin(&format!("V{round}{action}"), &workspace, &form, at(0))
                    .await
                    .expect("kept");
            }
            // Each take removes its own button from the message.
            let take = |action: &'static str| {
                let view = format!("V{round}{action}");
                let store = store.clone();
                async move {
                    store
                        .take_form_origin_replacing_blocks(
                            &view,
                            Box::new(|o: &FormOrigin| format!("{}+{}", o.blocks, o.action_id)),
                        )
                        .await
                        .expect("takes")
                        .expect("there")
                        .blocks
                }
            };
            let (a, b) = tokio::join!(tokio::spawn(take("first")), tokio::spawn(take("second")));
            let mut seen = [a.expect("a"), b.expect("b")];
            seen.sort();
            assert!(
                seen == ["[]", "[]+first"] || seen == ["[]", "[]+second"],
                "round {round}: {seen:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_home_tab_is_remembered_with_its_last_publish_to_the_millisecond() {
        let Some(store) = super::super::test_store().await else {
            return;
        };
        let workspace = WorkspaceId::parse("T0TEAM").expect("team");
        let [ann, bob] = ["U0ANN", "U0BOB"].map(|u| SlackUserId::parse(u).expect("user"));
        store
            .remember_home_tab(&workspace, &ann, at(0))
            .await
            .expect("ann");
        store
            .remember_home_tab(&workspace, &bob, at(10))
            .await
            .expect("bob");
        let looking = store
            .home_tabs_opened_since(&workspace, &[ann.clone(), bob.clone()], at(5))
            .await
            .expect("reads");
        assert_eq!(looking, vec![bob.clone()]);
        let published = at(20) + Duration::microseconds(123_456);
        store
            .home_tab_published(&workspace, &bob, "h1", published)
            .await
            .expect("published");
        assert_eq!(
            store.home_tab(&workspace, &bob).await.expect("reads"),
            Some(HomeTab {
                opened_at: at(10),
                hash: Some("h1".into()),
                published_at: Some(at(20) + Duration::milliseconds(123)),
            })
        );
        assert_eq!(
            store
                .home_tab(&workspace, &ann)
                .await
                .expect("reads")
                .map(|t| t.hash),
            Some(None)
        );
    }
}
