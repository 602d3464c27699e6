//! The writer handle: every change is confirmed by a checked COMMIT.
//!
//! A statement run on its own ("autocommit") is committed by the database
//! when the last statement active on that connection finishes. SQLite's
//! driver finishes a statement by resetting it and throws the reset's result
//! away, so when the disk is full a write can be reported as done, read back
//! on the same connection, and then rolled back unseen. Running each change
//! inside an explicit transaction makes the commit a statement of its own,
//! whose failure is returned to the caller, who then answers with an error
//! instead of a success. Plain reads need no commit and run as they are.

use std::future::Future;
use std::pin::Pin;

use sea_orm::prelude::async_trait::async_trait;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, SqliteTransactionMode, Statement, TransactionError,
    TransactionOptions, TransactionTrait,
};

/// A database connection for writes. Use it wherever a
/// [`DatabaseConnection`] would be used; transactions begun on it are the
/// connection's own (their commit is checked by whoever commits them).
#[derive(Clone, Debug)]
pub struct CheckedWriter {
    conn: DatabaseConnection,
}

impl CheckedWriter {
    pub fn new(conn: DatabaseConnection) -> Self {
        Self { conn }
    }

    /// The connection itself, for what must manage its own transactions
    /// (migrations) or close the pool.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Runs `statement` inside a transaction and commits it. A failed
    /// commit is rolled back (dropping an unfinished transaction does that)
    /// and returned as the error.
    async fn committed<T, F>(&self, run: F) -> Result<T, DbErr>
    where
        F: for<'t> FnOnce(
                &'t DatabaseTransaction,
            )
                -> Pin<Box<dyn Future<Output = Result<T, DbErr>> + Send + 't>>
            + Send,
        T: Send,
    {
        let txn = self.begin().await?;
        let value = run(&txn).await?;
        txn.commit().await?;
        Ok(value)
    }
}

/// Whether a statement only reads: those need no commit.
fn only_reads(sql: &str) -> bool {
    let head = sql.trim_start();
    head.get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("select"))
}

#[async_trait]
impl ConnectionTrait for CheckedWriter {
    fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        if only_reads(&stmt.sql) {
            return self.conn.execute_raw(stmt).await;
        }
        self.committed(|t| Box::pin(t.execute_raw(stmt))).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        if only_reads(sql) {
            return self.conn.execute_unprepared(sql).await;
        }
        let sql = sql.to_owned();
        self.committed(move |t| Box::pin(async move { t.execute_unprepared(&sql).await }))
            .await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        if only_reads(&stmt.sql) {
            return self.conn.query_one_raw(stmt).await;
        }
        self.committed(|t| Box::pin(t.query_one_raw(stmt))).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if only_reads(&stmt.sql) {
            return self.conn.query_all_raw(stmt).await;
        }
        self.committed(|t| Box::pin(t.query_all_raw(stmt))).await
    }
}

#[async_trait]
impl TransactionTrait for CheckedWriter {
    type Transaction = DatabaseTransaction;

    /// On SQLite the write lock is taken at BEGIN (IMMEDIATE): a
    /// transaction that reads first and writes later would otherwise fail
    /// at once with "database is locked" when another process (a command
    /// run beside the server) wrote in between, instead of waiting its turn.
    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        match self.conn.get_database_backend() {
            DbBackend::Sqlite => {
                self.conn
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..Default::default()
                    })
                    .await
            }
            _ => self.conn.begin().await,
        }
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.conn
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.conn.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.conn.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.conn
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::only_reads;

    #[test]
    fn only_selects_skip_the_commit() {
        assert!(only_reads("SELECT 1"));
        assert!(only_reads("  select * from x"));
        assert!(!only_reads("INSERT INTO x VALUES (1)"));
        assert!(!only_reads("UPDATE x SET y = 1 RETURNING y"));
        assert!(!only_reads(
            "WITH d AS (DELETE FROM x RETURNING *) SELECT * FROM d"
        ));
        assert!(!only_reads("sel"));
    }
}
