//! Installations and the states of install links, on SQLite: every change
//! goes through the one writer, so a state is taken once however many
//! requests race for it.

use chrono::{DateTime, Utc};

use super::{instant_text, parse_instant, parse_user, parse_workspace, SqliteStore};
use crate::domain::{EnterpriseId, SlackUserId, WorkspaceId};
use crate::sealing::{SealedToken, TokenKeys};
use crate::store::{Installation, StoreError};

/// An installation's columns but its instant, as both databases read them.
#[derive(sqlx::FromRow)]
pub(in crate::store) struct InstallationColumns {
    team_id: String,
    enterprise_id: Option<String>,
    bot_token: String,
    bot_user_id: String,
    scopes: String,
    installer_id: Option<String>,
}

impl InstallationColumns {
    pub(in crate::store) fn read(
        self,
        installed_at: DateTime<Utc>,
    ) -> Result<Installation, StoreError> {
        let enterprise = self
            .enterprise_id
            .map(|raw| {
                EnterpriseId::parse(&raw)
                    .map_err(|_| StoreError::Corrupt(format!("enterprise id {raw:?}")))
            })
            .transpose()?;
        Ok(Installation {
            workspace: parse_workspace(self.team_id)?,
            enterprise,
            bot_token: SealedToken::from_stored(self.bot_token),
            bot_user: parse_user(self.bot_user_id)?,
            scopes: self.scopes,
            installer: self.installer_id.map(parse_user).transpose()?,
            installed_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct InstallationRow {
    #[sqlx(flatten)]
    columns: InstallationColumns,
    installed_at: String,
}

impl InstallationRow {
    fn read(self) -> Result<Installation, StoreError> {
        let installed_at = parse_instant(&self.installed_at)?;
        self.columns.read(installed_at)
    }
}

/// Of the stored `(team_id, bot_token)` rows, those only the previous key
/// opens, sealed again under the current one; an error for a token neither
/// opens.
pub(in crate::store) fn resealed(
    keys: &TokenKeys,
    rows: Vec<(String, String)>,
) -> Result<Vec<(WorkspaceId, SealedToken)>, StoreError> {
    let mut again = Vec::new();
    for (team_id, sealed) in rows {
        let workspace = parse_workspace(team_id)?;
        if let Some(sealed) = keys.reseal(&workspace, &SealedToken::from_stored(sealed))? {
            again.push((workspace, sealed));
        }
    }
    Ok(again)
}

const COLUMNS: &str =
    "team_id, enterprise_id, bot_token, bot_user_id, scopes, installer_id, installed_at";

impl SqliteStore {
    pub async fn save_installation(&self, installation: &Installation) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(&format!(
            "INSERT INTO installations ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
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
        .bind(instant_text(installation.installed_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn installation(
        &self,
        workspace: &WorkspaceId,
    ) -> Result<Option<Installation>, StoreError> {
        let row: Option<InstallationRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM installations WHERE team_id = ?"
        ))
        .bind(workspace.as_str())
        .fetch_optional(&mut *self.readers.acquire().await?)
        .await?;
        row.map(InstallationRow::read).transpose()
    }

    pub async fn installations(&self) -> Result<Vec<Installation>, StoreError> {
        let rows: Vec<InstallationRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM installations ORDER BY team_id"
        ))
        .fetch_all(&mut *self.readers.acquire().await?)
        .await?;
        rows.into_iter().map(InstallationRow::read).collect()
    }

    pub async fn remove_installation(&self, workspace: &WorkspaceId) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let removed = sqlx::query("DELETE FROM installations WHERE team_id = ?")
            .bind(workspace.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(removed > 0)
    }

    pub async fn reseal_installations(&self, keys: &TokenKeys) -> Result<usize, StoreError> {
        let mut tx = self.write().await?;
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT team_id, bot_token FROM installations ORDER BY team_id")
                .fetch_all(&mut *tx)
                .await?;
        let again = resealed(keys, rows)?;
        for (workspace, sealed) in &again {
            sqlx::query("UPDATE installations SET bot_token = ? WHERE team_id = ?")
                .bind(sealed.as_str())
                .bind(workspace.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(again.len())
    }

    pub async fn issue_oauth_state(
        &self,
        state_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM oauth_states WHERE expires_at <= ?")
            .bind(instant_text(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO oauth_states (state_hash, expires_at) VALUES (?, ?)")
            .bind(state_hash)
            .bind(instant_text(expires_at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn take_oauth_state(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let taken = sqlx::query(
            "UPDATE oauth_states SET used_at = ?1
              WHERE state_hash = ?2 AND used_at IS NULL AND expires_at > ?1",
        )
        .bind(instant_text(now))
        .bind(state_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(taken == 1)
    }
}
