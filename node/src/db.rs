//! The database connection: embedded SQLite by default, PostgreSQL by URL.
//!
//! SQLite allows one writer at a time. Rather than letting concurrent requests
//! race for the write lock (and fail with "database is locked"), every write
//! goes through a pool of exactly one connection, which queues writers inside
//! the process; reads use a separate small pool and, thanks to WAL, never wait
//! for a writer. On PostgreSQL both handles share one pool.

use std::path::Path;
use std::time::Duration;

use noaber_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::Settings;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("de datamap {path} kan niet aangemaakt worden: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("de database is niet bereikbaar: {0}")]
    Connect(#[source] DbErr),
    #[error("het bijwerken van de database is mislukt: {0}")]
    Migrate(#[source] DbErr),
}

/// Read and write handles to the node's database.
#[derive(Clone, Debug)]
pub struct Db {
    write: DatabaseConnection,
    read: DatabaseConnection,
}

impl Db {
    /// The handle for anything that changes data (and reads that must see
    /// the latest write inside the same transaction).
    pub fn write(&self) -> &DatabaseConnection {
        &self.write
    }

    /// The handle for plain reads.
    pub fn read(&self) -> &DatabaseConnection {
        &self.read
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(
            self.write.get_database_backend(),
            sea_orm::DatabaseBackend::Sqlite
        )
    }

    /// Opens the database the settings point at. Does not migrate.
    pub async fn connect(settings: &Settings) -> Result<Self, Error> {
        match &settings.database.url {
            Some(url) if !url.starts_with("sqlite:") => {
                let mut opts = ConnectOptions::new(url.clone());
                opts.max_connections(settings.database.max_connections)
                    .connect_timeout(Duration::from_secs(10))
                    .acquire_timeout(Duration::from_secs(10))
                    .sqlx_logging(false);
                let conn = Database::connect(opts).await.map_err(Error::Connect)?;
                Ok(Self {
                    write: conn.clone(),
                    read: conn,
                })
            }
            Some(url) => Self::sqlite(url, settings.database.max_connections).await,
            None => {
                let dir = &settings.storage.data_dir;
                std::fs::create_dir_all(dir).map_err(|source| Error::DataDir {
                    path: dir.display().to_string(),
                    source,
                })?;
                let url = sqlite_url(&dir.join("noaber.db"));
                Self::sqlite(&url, settings.database.max_connections).await
            }
        }
    }

    async fn sqlite(url: &str, max_readers: u32) -> Result<Self, Error> {
        let open = |max: u32| {
            let mut opts = ConnectOptions::new(url.to_owned());
            opts.max_connections(max)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .sqlx_logging(false)
                .map_sqlx_sqlite_opts(|o| {
                    o.create_if_missing(true)
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(10))
                        .foreign_keys(true)
                });
            opts
        };
        // The writer first: it creates the file and switches it to WAL.
        let write = Database::connect(open(1)).await.map_err(Error::Connect)?;
        let read = Database::connect(open(max_readers.clamp(1, 8)))
            .await
            .map_err(Error::Connect)?;
        Ok(Self { write, read })
    }

    /// Applies pending migrations; returns how many ran.
    pub async fn migrate(&self) -> Result<usize, Error> {
        let pending = Migrator::get_pending_migrations(&self.write)
            .await
            .map_err(Error::Migrate)?
            .len();
        if pending > 0 {
            Migrator::up(&self.write, None)
                .await
                .map_err(Error::Migrate)?;
        }
        Ok(pending)
    }

    /// True when the database answers and no migration is pending.
    pub async fn is_ready(&self) -> bool {
        match Migrator::get_pending_migrations(&self.read).await {
            Ok(pending) => pending.is_empty(),
            Err(_) => false,
        }
    }

    pub async fn close(self) {
        // Errors on close leave nothing to repair: the pools are gone either way.
        let _ = self.write.close().await;
        let _ = self.read.close().await;
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Whether a database error is a violated unique constraint, which callers
/// turn into "already exists" instead of an internal error.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
