//! The database connection: embedded SQLite by default, PostgreSQL by URL.
//!
//! SQLite allows one writer at a time. Rather than letting concurrent requests
//! race for the write lock (and fail with "database is locked"), every write
//! goes through a pool of exactly one connection, which queues writers inside
//! the process; reads use a separate small pool and, thanks to WAL, never wait
//! for a writer. On PostgreSQL both handles share one pool.

use std::path::Path;
use std::time::Duration;

use noaber_federation::checked::CheckedWriter;
use noaber_migrations::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Alias, OnConflict, Query};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

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
    #[error(
        "er draait al een Noaber-node op de datamap {path}; stop die eerst \
         (twee nodes op dezelfde SQLite-database zouden elkaars werk kwijtraken)"
    )]
    InUse { path: String },
    #[error(
        "deze database is al bijgewerkt door een nieuwere versie van Noaber \
         (onbekende stap {migration}); start die nieuwere versie, of zet een \
         back-up terug die bij deze versie hoort"
    )]
    NewerSchema { migration: String },
    #[error("het slot op de datamap {path} kan niet gezet worden: {source}")]
    Lock {
        path: String,
        source: std::io::Error,
    },
}

/// Read and write handles to the node's database.
#[derive(Clone, Debug)]
pub struct Db {
    write: CheckedWriter,
    read: DatabaseConnection,
}

impl Db {
    /// The handle for anything that changes data (and reads that must see
    /// the latest write inside the same transaction).
    pub fn write(&self) -> &CheckedWriter {
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
                // One connection listens for other processes' work for
                // good, and a turn (`exclusive`) holds one while its work
                // uses another: fewer than three would stall.
                opts.max_connections(settings.database.max_connections.max(3))
                    .connect_timeout(Duration::from_secs(10))
                    .acquire_timeout(Duration::from_secs(10))
                    .sqlx_logging(false);
                let conn = Database::connect(opts).await.map_err(Error::Connect)?;
                Ok(Self {
                    write: CheckedWriter::new(conn.clone()),
                    read: conn,
                })
            }
            Some(url) => Self::sqlite(url, settings.database.max_connections).await,
            None => {
                let dir = &settings.storage.data_dir;
                private_dir(dir)?;
                let file = dir.join("noaber.db");
                private_files(&file)?;
                Self::sqlite(&sqlite_url(&file), settings.database.max_connections).await
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
                        // Deleted content is overwritten with zeros, so an
                        // erased person cannot be read back from free pages.
                        .pragma("secure_delete", "ON")
                });
            opts
        };
        // The writer first: it creates the file and switches it to WAL.
        let mut writer = open(1);
        writer.map_sqlx_sqlite_before_acquire(|conn, _| Box::pin(writer_is_clean(conn)));
        let write = Database::connect(writer).await.map_err(Error::Connect)?;
        let read = Database::connect(open(max_readers.clamp(1, 8)))
            .await
            .map_err(Error::Connect)?;
        Ok(Self {
            write: CheckedWriter::new(write),
            read,
        })
    }

    /// Applies pending migrations; returns how many ran. Refuses a
    /// database that a newer version already changed: this version does
    /// not know those tables and could damage them.
    pub async fn migrate(&self) -> Result<usize, Error> {
        // Processes starting together on one PostgreSQL migrate one after
        // the other; the later ones find nothing left to do.
        let _turn = self
            .exclusive(TurnKey::Migrations)
            .await
            .map_err(Error::Migrate)?;
        if let Some(migration) = self.newer_schema().await? {
            return Err(Error::NewerSchema { migration });
        }
        let pending = Migrator::get_pending_migrations(self.write.connection())
            .await
            .map_err(Error::Migrate)?
            .len();
        if pending > 0 {
            Migrator::up(self.write.connection(), None)
                .await
                .map_err(Error::Migrate)?;
        }
        Ok(pending)
    }

    /// The first applied migration this binary does not know, if any.
    async fn newer_schema(&self) -> Result<Option<String>, Error> {
        let applied = Migrator::get_migration_models(self.write.connection())
            .await
            .map_err(Error::Migrate)?;
        let known: std::collections::HashSet<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        Ok(applied
            .into_iter()
            .map(|m| m.version)
            .find(|v| !known.contains(v)))
    }

    /// Serialises a short piece of work across every process on the
    /// database (login throttling, the public form's limits), for as long
    /// as the returned turn lives. On SQLite there is one process and the
    /// caller's in-process lock is enough; on PostgreSQL a transaction
    /// holds an advisory lock, released when the turn is dropped.
    pub async fn exclusive(&self, key: TurnKey) -> Result<Turn, DbErr> {
        if self.is_sqlite() {
            return Ok(Turn(None));
        }
        let txn = sea_orm::TransactionTrait::begin(self.write.connection()).await?;
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({})", key as i64))
            .await?;
        Ok(Turn(Some(txn)))
    }

    /// True when the database answers, no migration is pending and the
    /// writer can commit a change.
    pub async fn is_ready(&self) -> bool {
        match Migrator::get_pending_migrations(&self.read).await {
            Ok(pending) if pending.is_empty() => {}
            _ => return false,
        }
        match self.check_writer().await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "readiness: the database cannot commit a write");
                false
            }
        }
    }

    /// Commits a one-row change through the writer (which checks every
    /// commit): it fails when the disk is full or the writer is stuck,
    /// which a read would not show.
    pub async fn check_writer(&self) -> Result<(), DbErr> {
        let mut upsert = Query::insert();
        upsert
            .into_table(Alias::new("writer_checks"))
            .columns([Alias::new("id"), Alias::new("checked_at")])
            .values([1.into(), chrono::Utc::now().into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .on_conflict(
                OnConflict::column(Alias::new("id"))
                    .update_column(Alias::new("checked_at"))
                    .to_owned(),
            );
        self.write.execute(&upsert).await.map(|_| ())
    }

    /// Moves everything in SQLite's write-ahead log into the database file
    /// and empties the log, so that values just overwritten (an erasure) do
    /// not linger in the log's old frames. A no-op on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), DbErr> {
        if self.is_sqlite() {
            // On the connection itself: a checkpoint cannot run inside the
            // transaction the checked writer would wrap it in.
            self.write
                .connection()
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
        Ok(())
    }

    pub async fn close(self) {
        // Errors on close leave nothing to repair: the pools are gone either way.
        let _ = self.write.connection().clone().close().await;
        let _ = self.read.close().await;
    }
}

/// Whether the one writer connection may be handed out. After a failed
/// COMMIT (a full disk, an I/O error) the connection can be left inside a
/// transaction that nobody will finish: every later write would then be
/// answered as done and silently never committed. Such a connection is
/// thrown away (closing it rolls the transaction back) and a fresh one
/// opened. Two statements that touch no data are the price of knowing.
async fn writer_is_clean(
    conn: &mut sea_orm::sqlx::sqlite::SqliteConnection,
) -> Result<bool, sea_orm::sqlx::Error> {
    use sea_orm::sqlx::Executor as _;
    if conn.execute("BEGIN").await.is_err() {
        tracing::warn!("database writer left inside a transaction; replacing it");
        return Ok(false);
    }
    Ok(conn.execute("ROLLBACK").await.is_ok())
}

/// The data directory, created readable for the node's own user only: it
/// holds every member's data, the password hashes and the node's key.
fn private_dir(dir: &Path) -> Result<(), Error> {
    let failed = |source| Error::DataDir {
        path: dir.display().to_string(),
        source,
    };
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(failed)?;
    }
    Ok(())
}

/// The database file and its companions are made `0600`. A new database
/// file is created here with that mode first: SQLite gives its log files
/// the mode of the database file.
fn private_files(db_file: &Path) -> Result<(), Error> {
    let failed = |source| Error::DataDir {
        path: db_file.display().to_string(),
        source,
    };
    if !db_file.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(db_file) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(failed(e)),
        }
    }
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let path = Path::new(&format!("{}{suffix}", db_file.display())).to_owned();
        if let Ok(meta) = std::fs::metadata(&path)
            && meta.permissions().mode() & 0o077 != 0
        {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(failed)?;
        }
    }
    Ok(())
}

/// What [`Db::exclusive`] serialises; each key is its own lock.
#[derive(Debug, Clone, Copy)]
pub enum TurnKey {
    Migrations = 7_300,
    LoginThrottle = 7_301,
    PublicForm = 7_302,
}

/// A held turn; dropping it ends the turn.
#[must_use]
pub struct Turn(#[allow(dead_code)] Option<sea_orm::DatabaseTransaction>);

/// Held by a serving node for as long as it runs: a second `serve` on the
/// same SQLite database would otherwise run beside the first, each with its
/// own writer queue and outbox worker.
#[derive(Debug)]
pub struct DataDirLock {
    _file: std::fs::File,
}

/// Takes the data directory's lock for a serving node. `None` on
/// PostgreSQL, where any number of processes may share the database.
pub fn lock_for_serving(settings: &Settings) -> Result<Option<DataDirLock>, Error> {
    let dir = match &settings.database.url {
        Some(url) if !url.starts_with("sqlite:") => return Ok(None),
        Some(url) => {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or(path);
            match Path::new(path).parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
                _ => std::path::PathBuf::from("."),
            }
        }
        None => settings.storage.data_dir.clone(),
    };
    private_dir(&dir)?;
    let path = dir.join("noaber.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Lock {
            path: path.display().to_string(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(Some(DataDirLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::InUse {
            path: dir.display().to_string(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(Error::Lock {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Whether a database error means the storage itself failed: the disk is
/// full, an I/O error, a read-only file system, or the database cannot be
/// reached. The request did not change anything and may be tried later;
/// such errors are answered with 503, not a bare 500.
pub fn is_storage_failure(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx.as_ref() {
        sea_orm::sqlx::Error::Database(db) => match db.code() {
            Some(code) => storage_code(&code),
            None => false,
        },
        sea_orm::sqlx::Error::Io(_)
        | sea_orm::sqlx::Error::PoolTimedOut
        | sea_orm::sqlx::Error::PoolClosed
        | sea_orm::sqlx::Error::WorkerCrashed => true,
        _ => false,
    }
}

/// SQLite result codes (primary code in the low byte) and PostgreSQL
/// SQLSTATEs that mean the storage failed rather than the statement.
fn storage_code(code: &str) -> bool {
    if let Ok(n) = code.parse::<i32>() {
        // SQLITE_IOERR 10, SQLITE_CORRUPT 11, SQLITE_FULL 13,
        // SQLITE_CANTOPEN 14, SQLITE_READONLY 8, SQLITE_NOTADB 26.
        return matches!(n & 0xff, 8 | 10 | 11 | 13 | 14 | 26);
    }
    // 53xxx insufficient resources (53100 disk full), 58xxx system errors,
    // 57P0x the server is shutting down.
    code.starts_with("53") || code.starts_with("58") || code.starts_with("57P")
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
