//! `coachbot backup`: a copy of the database as it stood at one instant,
//! taken while `serve` goes on writing; and the same one instant read by
//! `coachbot copy`. `VACUUM INTO` on a read-only
//! connection reads one snapshot (a read transaction in WAL mode holds no
//! writer back) and writes it, compacted, into a new file.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use super::{as_it_is, in_memory, SqliteStore};
use crate::store::{Open, StoreError};

/// Copies the database at `url` into the new file `into`; the copy's size
/// in bytes. Refuses a file that exists: a backup never writes over one.
pub(in crate::store) async fn backup(url: &str, into: &Path) -> Result<u64, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?;
    let file = options.get_filename();
    let path = file.display().to_string();
    if in_memory(url) || !file.exists() {
        return Err(StoreError::NoDatabase { path });
    }
    let target = into.display().to_string();
    if into.exists() {
        return Err(StoreError::BackupExists { path: target });
    }
    if let Some(folder) = into
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty() && !folder.exists())
    {
        return Err(StoreError::NoBackupFolder {
            folder: folder.display().to_string(),
        });
    }
    let mut connection = as_it_is(options, &path).connect().await?;
    sqlx::query("VACUUM INTO ?")
        .bind(&target)
        .execute(&mut connection)
        .await?;
    connection.close().await?;
    Ok(std::fs::metadata(into).map(|m| m.len()).unwrap_or(0))
}

/// A connection on the existing, migrated database at `url`, inside a read
/// transaction that has read already: everything read on it comes from
/// that one snapshot, however `serve` writes beside it (in WAL mode a
/// reader holds no writer back).
pub(in crate::store) async fn snapshot(url: &str) -> Result<SqliteConnection, StoreError> {
    // Refused as any read-only open is: no file, a newer or an older schema.
    let (store, _) = SqliteStore::open_reporting(url, Open::ExistingReadOnly).await?;
    store.close().await;
    let options = SqliteConnectOptions::from_str(url)?;
    let path = options.get_filename().display().to_string();
    let mut connection = as_it_is(options, &path).connect().await?;
    sqlx::query("BEGIN").execute(&mut connection).await?;
    // SQLite takes the snapshot at a transaction's first read, not at BEGIN.
    sqlx::query("SELECT COUNT(*) FROM managers")
        .execute(&mut connection)
        .await?;
    Ok(connection)
}
