//! The PostgreSQL side of `coachbot copy` (`store/copy.rs`): the
//! transaction the records are written in, into tables found empty.

use sqlx::{Postgres, Transaction};

use super::PgStore;
use crate::store::{printable_url, StoreError};

impl PgStore {
    /// A transaction to copy records into, once `tables` are locked against
    /// every other writer and found empty. The lock is held to the commit,
    /// so a second copy started meanwhile waits for this one, then finds
    /// its records and is refused; refused here too, naming the first
    /// table with rows, when the database at `url` holds any.
    pub(in crate::store) async fn empty_for_copy(
        &self,
        tables: &[&str],
        url: &str,
    ) -> Result<Transaction<'static, Postgres>, StoreError> {
        let mut transaction = self.write().await?;
        sqlx::query(&format!(
            "LOCK TABLE {} IN EXCLUSIVE MODE",
            tables.join(", ")
        ))
        .execute(&mut *transaction)
        .await?;
        for table in tables {
            let holds: bool = sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM {table})"))
                .fetch_one(&mut *transaction)
                .await?;
            if holds {
                return Err(StoreError::CopyIntoRecords {
                    url: printable_url(url),
                    table: table.to_string(),
                });
            }
        }
        Ok(transaction)
    }

    /// Gathers the planner's statistics on `tables` once the copy is
    /// committed: a database filled in one transaction has none until
    /// autovacuum gets to it, and without them the first hours of queries
    /// are planned as if every table were empty.
    pub(in crate::store) async fn analyze(&self, tables: &[&str]) -> Result<(), StoreError> {
        sqlx::query(&format!("ANALYZE {}", tables.join(", ")))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
