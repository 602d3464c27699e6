//! Waking the outbox workers of every process that shares the database.
//!
//! On PostgreSQL, storing new work sends a `NOTIFY` in the same
//! transaction, delivered when it commits; each process listens and wakes
//! its worker at once instead of at its next poll. On SQLite there is one
//! process, and its in-process wake is enough.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend};

use crate::Federation;

/// The channel every process listens on.
const CHANNEL: &str = "noaber_outbox";

/// Tells the other processes that work was queued, once `conn`'s
/// transaction commits. Does nothing on SQLite.
pub async fn tell_others(conn: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_unprepared(&format!("NOTIFY {CHANNEL}"))
            .await?;
    }
    Ok(())
}

/// Listens for work queued by any process and wakes this one's worker.
/// Runs for the life of the process; a lost connection is opened again.
pub async fn listen(fed: Federation) {
    use sea_orm::sqlx::postgres::PgListener;
    let pool = fed
        .write()
        .connection()
        .get_postgres_connection_pool()
        .clone();
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "outbox: cannot listen for work from other processes");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "outbox: cannot listen for work from other processes");
            tokio::time::sleep(Duration::from_secs(5)).await;
            continue;
        }
        // The listener reconnects by itself; notifications missed while
        // it was away are covered by the worker's own poll.
        loop {
            match listener.recv().await {
                Ok(_) => fed.wake(),
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: listening for work failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
    }
}
