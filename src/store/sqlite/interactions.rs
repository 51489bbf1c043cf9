//! What Slack's interactions need remembered: which events were handled,
//! which message a form was opened from, and each Home tab: who opened
//! it, and what was last published to it.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sqlx::SqliteConnection;

use super::{instant_text, parse_instant, parse_user, placeholders, SqliteStore, StoreError};
use crate::domain::{SlackUserId, WorkspaceId};
use crate::store::{FormOrigin, HomeTab};

/// How long an event ID or a form's origin is kept.
const KEPT_FOR: Duration = Duration::days(1);

impl SqliteStore {
    /// `true` the first time an event ID comes, `false` for a redelivery.
    #[tracing::instrument(skip(self))]
    pub async fn first_sighting(
        &self,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM seen_events WHERE seen_at < ?")
            .bind(instant_text(now - KEPT_FOR))
            .execute(&mut *tx)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO seen_events (event_id, seen_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(instant_text(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(inserted == 1)
    }

    /// Keeps the message a form was opened from, under the form's view ID.
    #[tracing::instrument(skip(self, origin))]
    pub async fn remember_form_origin(
        &self,
        view_id: &str,
        workspace: &WorkspaceId,
        origin: &FormOrigin,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM form_origins WHERE created_at < ?")
            .bind(instant_text(now - KEPT_FOR))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO form_origins (view_id, team_id, channel_id, message_ts, blocks, action_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (view_id) DO NOTHING",
        )
        .bind(view_id)
        .bind(workspace.as_str())
        .bind(&origin.channel)
        .bind(&origin.message_ts)
        .bind(&origin.blocks)
        .bind(&origin.action_id)
        .bind(instant_text(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The message a form was opened from, forgotten as it is read.
    #[tracing::instrument(skip(self))]
    pub async fn take_form_origin(&self, view_id: &str) -> Result<Option<FormOrigin>, StoreError> {
        let mut tx = self.write().await?;
        let origin = take_origin(&mut tx, view_id).await?;
        tx.commit().await?;
        Ok(origin)
    }

    /// The message a form was opened from, forgotten as it is read, and
    /// what `update` makes of it: the message as it will show now, and its
    /// blocks as JSON. Every other form still open from that message is
    /// given those blocks in the same transaction, so its own update starts
    /// from this one and a button used here never comes back.
    #[tracing::instrument(skip(self, update))]
    pub async fn take_form_origin_updating<T>(
        &self,
        view_id: &str,
        update: impl FnOnce(&FormOrigin) -> (T, String),
    ) -> Result<Option<(FormOrigin, T)>, StoreError> {
        let mut tx = self.write().await?;
        let Some(origin) = take_origin(&mut tx, view_id).await? else {
            return Ok(None);
        };
        let (updated, blocks) = update(&origin);
        sqlx::query("UPDATE form_origins SET blocks = ? WHERE channel_id = ? AND message_ts = ?")
            .bind(blocks)
            .bind(&origin.channel)
            .bind(&origin.message_ts)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some((origin, updated)))
    }

    /// Records that `user` opened the Home tab.
    pub async fn remember_home_tab(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO home_tabs (team_id, user_id, opened_at) VALUES (?, ?, ?)
             ON CONFLICT (team_id, user_id) DO UPDATE SET opened_at = excluded.opened_at",
        )
        .bind(workspace.as_str())
        .bind(user.as_str())
        .bind(instant_text(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Those of `users` who opened their Home tab at `since` or later, in
    /// one read: most changes alter tabs nobody is looking at.
    pub async fn home_tabs_opened_since(
        &self,
        workspace: &WorkspaceId,
        users: &[SlackUserId],
        since: DateTime<Utc>,
    ) -> Result<Vec<SlackUserId>, StoreError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT user_id FROM home_tabs
             WHERE team_id = ? AND opened_at >= ? AND user_id IN ({})
             ORDER BY user_id",
            placeholders(users.len())
        );
        let mut query = sqlx::query_scalar(&sql)
            .bind(workspace.as_str())
            .bind(instant_text(since));
        for user in users {
            query = query.bind(user.as_str());
        }
        let looking: Vec<String> = query.fetch_all(&mut *self.readers.acquire().await?).await?;
        looking.into_iter().map(parse_user).collect()
    }

    /// `user`'s Home tab, if they have ever opened it.
    pub async fn home_tab(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
    ) -> Result<Option<HomeTab>, StoreError> {
        let row: Option<HomeTabRow> = sqlx::query_as(
            "SELECT opened_at, hash, published_at FROM home_tabs WHERE team_id = ? AND user_id = ?",
        )
        .bind(workspace.as_str())
        .bind(user.as_str())
        .fetch_optional(&mut *self.readers.acquire().await?)
        .await?;
        row.map(|row| {
            Ok(HomeTab {
                opened_at: parse_instant(&row.opened_at)?,
                hash: row.hash,
                published_at: row.published_at.as_deref().map(parse_instant).transpose()?,
            })
        })
        .transpose()
    }

    /// Records that `user`'s Home tab was published at `at`, with the hash
    /// Slack gave the view. The instant keeps its milliseconds: it spaces
    /// the next publish by a few seconds.
    pub async fn home_tab_published(
        &self,
        workspace: &WorkspaceId,
        user: &SlackUserId,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE home_tabs SET hash = ?, published_at = ? WHERE team_id = ? AND user_id = ?",
        )
        .bind(hash)
        .bind(at.to_rfc3339_opts(SecondsFormat::Millis, true))
        .bind(workspace.as_str())
        .bind(user.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A Home tab as read.
#[derive(sqlx::FromRow)]
struct HomeTabRow {
    opened_at: String,
    hash: Option<String>,
    published_at: Option<String>,
}

/// A form's origin as read.
#[derive(sqlx::FromRow)]
struct OriginRow {
    channel_id: String,
    message_ts: String,
    blocks: String,
    action_id: String,
}

async fn take_origin(
    tx: &mut SqliteConnection,
    view_id: &str,
) -> Result<Option<FormOrigin>, StoreError> {
    let row: Option<OriginRow> = sqlx::query_as(
        "DELETE FROM form_origins WHERE view_id = ?
         RETURNING channel_id, message_ts, blocks, action_id",
    )
    .bind(view_id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|row| FormOrigin {
        channel: row.channel_id,
        message_ts: row.message_ts,
        blocks: row.blocks,
        action_id: row.action_id,
    }))
}
