//! Operating a node from its own binary: the container health check,
//! backups while it runs, and restoring one into an empty data directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Statement};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::Settings;
use crate::db::Db;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("de node antwoordt niet op {addr}: {reason}")]
    Unhealthy { addr: String, reason: String },
    #[error(
        "deze node gebruikt PostgreSQL; maak een back-up met pg_dump \
         (bijvoorbeeld: pg_dump --format=custom --file=noaber.dump DATABASE_URL) \
         en zet die terug met pg_restore"
    )]
    Postgres,
    #[error("{path} bestaat al; kies een nieuwe bestandsnaam, dan blijft de oude back-up heel")]
    Exists { path: String },
    #[error(
        "de datamap {path} is niet leeg; zet een back-up alleen terug in een lege map \
         (verplaats wat er staat, of kies met --data-dir een nieuwe map)"
    )]
    NotEmpty { path: String },
    #[error(
        "terugzetten gaat met --data-dir (of NOABER_DATA_DIR), niet met een \
         DATABASE_URL die naar een SQLite-bestand wijst"
    )]
    SqliteUrl,
    #[error(
        "{path} kan niet gelezen worden: {source} (in een container: maak het bestand \
         leesbaar voor de gebruiker van de node, bijvoorbeeld met chmod 644)"
    )]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("er is geen database in {path}; kies met --data-dir de map van de node")]
    NoDatabase { path: String },
    #[error("{path} is geen bruikbare back-up van Noaber: {reason}")]
    NotABackup { path: String, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("de back-up is mislukt: {0}")]
    Db(#[from] sea_orm::DbErr),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Asks the running node's `/readyz` over loopback. With TLS switched on
/// only the port is checked: the certificate is for the public name, not
/// for the loopback address.
pub async fn healthcheck(settings: &Settings) -> Result<(), Error> {
    let mut addr = settings.server.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let unhealthy = |reason: String| Error::Unhealthy {
        addr: addr.to_string(),
        reason,
    };
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| unhealthy(e.to_string()))?;
        if settings.server.tls.is_some() {
            return Ok(());
        }
        stream
            .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .map_err(|e| unhealthy(e.to_string()))?;
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .await
            .map_err(|e| unhealthy(e.to_string()))?;
        let status_line = String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        if status_line.split_whitespace().nth(1) == Some("200") {
            Ok(())
        } else {
            Err(unhealthy(format!("/readyz antwoordt '{status_line}'")))
        }
    };
    tokio::time::timeout(Duration::from_secs(5), ask)
        .await
        .map_err(|_| unhealthy("geen antwoord binnen 5 seconden".into()))?
}

/// Writes a consistent copy of the SQLite database to `file` while the
/// node may be running (`VACUUM INTO` reads one snapshot). The copy is
/// readable by its owner only: it holds everyone's personal data.
pub async fn backup(db: &Db, file: &Path) -> Result<u64, Error> {
    if !db.is_sqlite() {
        return Err(Error::Postgres);
    }
    let target = absolute(file)?;
    // Made empty first, readable by its owner only, and only if it does not
    // exist: the copy is never readable by others, not even for a moment,
    // and an older backup is never overwritten. VACUUM INTO fills an empty
    // file.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&target) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Exists {
                path: file.display().to_string(),
            });
        }
        Err(e) => return Err(io_error(&target)(e)),
    }
    let quoted = target.display().to_string().replace('\'', "''");
    // The plain connection: VACUUM cannot run inside the transaction the
    // checked writer wraps statements in.
    let conn = db.write().connection();
    if let Err(e) = conn
        .execute_raw(Statement::from_string(
            conn.get_database_backend(),
            format!("VACUUM INTO '{quoted}'"),
        ))
        .await
    {
        // No half backup left behind to be mistaken for a good one.
        let _ = std::fs::remove_file(&target);
        return Err(e.into());
    }
    Ok(std::fs::metadata(&target).map_err(io_error(&target))?.len())
}

/// Puts a backup in place as the database of an empty data directory.
/// The file is checked first (a SQLite database that Noaber made, intact);
/// it is copied under a temporary name and renamed, so an interrupted
/// restore leaves no half database behind.
pub async fn restore(settings: &Settings, file: &Path) -> Result<PathBuf, Error> {
    match &settings.database.url {
        Some(url) if url.starts_with("sqlite:") => return Err(Error::SqliteUrl),
        Some(_) => return Err(Error::Postgres),
        None => {}
    }
    let not_a_backup = |reason: String| Error::NotABackup {
        path: file.display().to_string(),
        reason,
    };
    if !file.is_file() {
        return Err(not_a_backup("het bestand bestaat niet".into()));
    }
    // A file we may not read is not a broken backup: say which it is.
    std::fs::File::open(file).map_err(|source| Error::Unreadable {
        path: file.display().to_string(),
        source,
    })?;
    check_backup(file).await.map_err(not_a_backup)?;
    let dir = &settings.storage.data_dir;
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let occupied = std::fs::read_dir(dir)
        .map_err(io_error(dir))?
        .filter_map(std::result::Result::ok)
        // A lock file left by an earlier start holds no data.
        .any(|e| e.file_name() != "noaber.lock");
    if occupied {
        return Err(Error::NotEmpty {
            path: dir.display().to_string(),
        });
    }
    let target = dir.join("noaber.db");
    let partial = dir.join("noaber.db.restoring");
    std::fs::copy(file, &partial).map_err(io_error(&partial))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o600))
            .map_err(io_error(&partial))?;
    }
    std::fs::rename(&partial, &target).map_err(io_error(&target))?;
    Ok(target)
}

/// Opens `file` read-only: an intact SQLite database with Noaber's tables.
async fn check_backup(file: &Path) -> Result<(), String> {
    use sea_orm::sqlx::sqlite::SqliteConnectOptions;
    use sea_orm::sqlx::{ConnectOptions as _, Row};
    let mut conn = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .connect()
        .await
        .map_err(|_| "het is geen SQLite-database".to_owned())?;
    let check: String = sea_orm::sqlx::query("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(|_| "het is geen SQLite-database".to_owned())?;
    if check != "ok" {
        return Err("het bestand is beschadigd".into());
    }
    let tables: i64 = sea_orm::sqlx::query(
        "SELECT count(*) FROM sqlite_master WHERE name IN ('seaql_migrations', 'node_profile')",
    )
    .fetch_one(&mut conn)
    .await
    .and_then(|row| row.try_get(0))
    .map_err(|e| e.to_string())?;
    if tables != 2 {
        return Err("de tabellen van Noaber ontbreken".into());
    }
    Ok(())
}

fn absolute(file: &Path) -> Result<PathBuf, Error> {
    if file.is_absolute() {
        return Ok(file.to_owned());
    }
    Ok(std::env::current_dir().map_err(io_error(file))?.join(file))
}

/// Refuses to go on when the settings point at a data directory without a
/// database: opening it would make an empty one and back that up.
pub fn has_database(settings: &Settings) -> Result<(), Error> {
    if settings.database.url.is_some() {
        return Ok(());
    }
    let dir = &settings.storage.data_dir;
    if dir.join("noaber.db").is_file() {
        Ok(())
    } else {
        Err(Error::NoDatabase {
            path: dir.display().to_string(),
        })
    }
}
