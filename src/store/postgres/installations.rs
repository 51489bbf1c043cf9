//! Installations and the states of install links, on PostgreSQL: a state
//! is taken by one conditional `UPDATE`, so of several replicas taking it
//! at once exactly one wins.

use chrono::{DateTime, Utc};

use super::PgStore;
use crate::domain::{EnterpriseId, SlackUserId, WorkspaceId};
use crate::sealing::TokenKeys;
use crate::store::sqlite::{resealed, InstallationColumns};
use crate::store::{Installation, StoreError};

#[derive(sqlx::FromRow)]
struct InstallationRow {
    #[sqlx(flatten)]
    columns: InstallationColumns,
    installed_at: DateTime<Utc>,
}

impl InstallationRow {
    fn read(self) -> Result<Installation, StoreError> {
        self.columns.read(self.installed_at)
    }
}

const COLUMNS: &str =
    "team_id, enterprise_id, bot_token, bot_user_id, scopes, installer_id, installed_at";

impl PgStore {
    pub(super) async fn save_installation(
        &self,
        installation: &Installation,
    ) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO installations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (team_id) DO UPDATE SET
                 enterprise_id = excluded.enterprise_id, bot_token = excluded.bot_token,
                 bot_user_id = excluded.bot_user_id, scopes = excluded.scopes,
                 installer_id = excluded.installer_id, installed_at = excluded.installed_at"
        ))
        .bind(installation.workspace.as_str())
        .bind(installation.enterprise.as_ref().map(EnterpriseId::as_str))
        .bind(installation.bot_token.as_str())
        .bind(installation.bot_user.as_str())
        .bind(&installation.scopes)
        .bind(installation.installer.as_ref().map(SlackUserId::as_str))
        .bind(installation.installed_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn installation(
        &self,
        workspace: &WorkspaceId,
    ) -> Result<Option<Installation>, StoreError> {
        let row: Option<InstallationRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM installations WHERE team_id = $1"
        ))
        .bind(workspace.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(InstallationRow::read).transpose()
    }

    pub(super) async fn installations(&self) -> Result<Vec<Installation>, StoreError> {
        let rows: Vec<InstallationRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM installations ORDER BY team_id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(InstallationRow::read).collect()
    }

    pub(super) async fn remove_installation(
        &self,
        workspace: &WorkspaceId,
    ) -> Result<bool, StoreError> {
        let removed = sqlx::query("DELETE FROM installations WHERE team_id = $1")
            .bind(workspace.as_str())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(removed > 0)
    }

    pub(super) async fn reseal_installations(&self, keys: &TokenKeys) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Locked, so a replica starting beside this one waits and then
        // finds them sealed under the current key already.
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT team_id, bot_token FROM installations ORDER BY team_id FOR UPDATE",
        )
        .fetch_all(&mut *tx)
        .await?;
        let again = resealed(keys, rows)?;
        for (workspace, sealed) in &again {
            sqlx::query("UPDATE installations SET bot_token = $1 WHERE team_id = $2")
                .bind(sealed.as_str())
                .bind(workspace.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(again.len())
    }

    pub(super) async fn issue_oauth_state(
        &self,
        state_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO oauth_states (state_hash, expires_at) VALUES ($1, $2)")
            .bind(state_hash)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn take_oauth_state(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let taken: Option<String> = sqlx::query_scalar(
            "UPDATE oauth_states SET used_at = $2
              WHERE state_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING state_hash",
        )
        .bind(state_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(taken.is_some())
    }
}
