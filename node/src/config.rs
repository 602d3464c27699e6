//! The node's settings: one typed [`Settings`], read once at start.
//!
//! Sources, later ones winning: built-in defaults, the TOML file given with
//! `--config`, environment variables `NOABER_<SECTION>_<KEY>` (plus
//! `DATABASE_URL`), then command-line flags (`--listen`, `--data-dir`).
//! Every value is validated before anything starts; a bad one stops the start
//! with one line that names the key as the operator wrote it.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

/// A settings error. The message always names the key where it came from.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("instelling {key}: {reason}")]
    Invalid { key: String, reason: String },
    #[error("instellingenbestand {path}: {reason}")]
    File { path: String, reason: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub server: ServerSettings,
    pub storage: StorageSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub auth: AuthSettings,
    pub federation: FederationConfig,
    pub mail: MailSettings,
}

/// How the node sends e-mail. Without a server, mail is off: nothing is
/// queued and no page offers it.
#[derive(Clone)]
pub struct MailSettings {
    pub smtp: Option<SmtpSettings>,
    /// First retry delay of a mail that could not be sent, in seconds; it
    /// doubles.
    pub retry_base_seconds: u32,
}

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// Never printed: `Debug` shows only whether it is set.
    pub password: Option<String>,
    /// The sender, as `Naam <adres>` or a bare address.
    pub from: String,
    /// An extra certificate authority (PEM) to trust, for a mail server
    /// with a certificate of the initiative's own.
    pub ca_file: Option<PathBuf>,
}

/// Mail always goes over TLS: either from the first byte or after STARTTLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    StartTls,
    Tls,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp", &self.smtp)
            .field("retry_base_seconds", &self.retry_base_seconds)
            .finish()
    }
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct FederationConfig {
    /// Allow plain http base URLs of other nodes (tests, intranets).
    pub allow_http: bool,
    /// Private networks or hosts that may be contacted anyway.
    pub allow_private: Vec<noaber_federation::net::AllowEntry>,
    /// First retry delay of a failed delivery, in seconds; it doubles.
    pub retry_base_seconds: u32,
    /// Deliveries sent at the same time.
    pub concurrency: u32,
    /// How long one outgoing request may take, in seconds.
    pub request_timeout_seconds: u32,
}

#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    /// Proxies whose `X-Forwarded-For` is believed. Empty: the peer address
    /// of the connection is the client's.
    pub trusted_proxies: Vec<IpAddr>,
    /// Certificate chain and private key (PEM) to serve HTTPS directly.
    /// Without them the node serves plain HTTP, for a reverse proxy.
    pub tls: Option<TlsFiles>,
    /// Seconds a client gets to send a request's headers (and a TLS
    /// handshake); a connection that sends nothing is closed after it.
    pub header_timeout_seconds: u32,
    /// Seconds a request may take, body and answer included.
    pub request_timeout_seconds: u32,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: u32,
    /// Seconds open requests get to finish when the node stops.
    pub shutdown_timeout_seconds: u32,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone)]
pub struct StorageSettings {
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `None`: embedded SQLite in the data directory.
    pub url: Option<String>,
    pub max_connections: u32,
}

#[derive(Debug, Clone)]
pub struct LogSettings {
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// A browser session ends after this many days without use.
    pub session_days: u32,
    /// Failed logins for one account within 15 minutes before it is paused.
    pub max_failures_per_account: u32,
    /// Failed logins from one address within 15 minutes before it is paused.
    pub max_failures_per_address: u32,
}

impl Settings {
    /// Settings for a node in `data_dir` with every other value at its default.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            server: ServerSettings {
                listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                trusted_proxies: Vec::new(),
                header_timeout_seconds: 10,
                request_timeout_seconds: 60,
                max_connections: 1024,
                shutdown_timeout_seconds: 10,
                tls: None,
            },
            storage: StorageSettings {
                data_dir: data_dir.into(),
            },
            database: DatabaseSettings {
                url: None,
                max_connections: 10,
            },
            log: LogSettings {
                level: "info".into(),
                format: LogFormat::Text,
            },
            auth: AuthSettings {
                session_days: 14,
                max_failures_per_account: 5,
                max_failures_per_address: 30,
            },
            federation: FederationConfig {
                allow_http: false,
                allow_private: Vec::new(),
                retry_base_seconds: 60,
                concurrency: 256,
                request_timeout_seconds: 15,
            },
            mail: MailSettings {
                smtp: None,
                retry_base_seconds: 60,
            },
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::with_data_dir("data")
    }
}

/// Values given on the command line; they win over every other source.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub listen: Option<String>,
    pub data_dir: Option<String>,
}

/// Every key the node knows, as `(section, key)`.
const KEYS: &[(&str, &str)] = &[
    ("server", "listen"),
    ("server", "trusted_proxies"),
    ("server", "tls_cert"),
    ("server", "tls_key"),
    ("server", "header_timeout_seconds"),
    ("server", "request_timeout_seconds"),
    ("server", "max_connections"),
    ("server", "shutdown_timeout_seconds"),
    ("storage", "data_dir"),
    ("database", "url"),
    ("database", "max_connections"),
    ("log", "level"),
    ("log", "format"),
    ("auth", "session_days"),
    ("auth", "max_failures_per_account"),
    ("auth", "max_failures_per_address"),
    ("federation", "allow_http"),
    ("federation", "allow_private"),
    ("federation", "retry_base_seconds"),
    ("federation", "concurrency"),
    ("federation", "request_timeout_seconds"),
    ("mail", "smtp_host"),
    ("mail", "smtp_port"),
    ("mail", "smtp_security"),
    ("mail", "smtp_username"),
    ("mail", "smtp_password"),
    ("mail", "from"),
    ("mail", "ca_file"),
    ("mail", "retry_base_seconds"),
];

/// A raw value and where it came from, so that an error can name its source.
struct Raw {
    source: String,
    value: String,
}

/// Reads settings from the file, the environment (`env` looks a variable up)
/// and the command line.
pub fn load(overrides: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> Result<Settings> {
    // An empty variable counts as not set: compose files pass every
    // variable through, empty where the operator chose the default.
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let mut raw: BTreeMap<(&'static str, &'static str), Raw> = BTreeMap::new();

    let config_file = overrides
        .config_file
        .clone()
        .or_else(|| env("NOABER_CONFIG").map(PathBuf::from));
    if let Some(path) = &config_file {
        read_file(path, &mut raw)?;
    }

    for &(section, key) in KEYS {
        let var = format!(
            "NOABER_{}_{}",
            section.to_ascii_uppercase(),
            key.to_ascii_uppercase()
        );
        if let Some(value) = env(&var) {
            raw.insert((section, key), Raw { source: var, value });
        }
    }
    if let Some(value) = env("DATABASE_URL") {
        raw.insert(
            ("database", "url"),
            Raw {
                source: "DATABASE_URL".into(),
                value,
            },
        );
    }
    // The short variables documented next to the flags.
    for (var, flag, slot, given) in [
        (
            "NOABER_LISTEN",
            "--listen",
            ("server", "listen"),
            &overrides.listen,
        ),
        (
            "NOABER_DATA_DIR",
            "--data-dir",
            ("storage", "data_dir"),
            &overrides.data_dir,
        ),
    ] {
        if let Some(value) = given {
            raw.insert(
                slot,
                Raw {
                    source: flag.into(),
                    value: value.clone(),
                },
            );
        } else if let Some(value) = env(var) {
            raw.insert(
                slot,
                Raw {
                    source: var.into(),
                    value,
                },
            );
        }
    }

    let mut settings = Settings::default();
    for ((section, key), Raw { source, value }) in &raw {
        apply(&mut settings, section, key, value.trim()).map_err(|reason| Error::Invalid {
            key: source.clone(),
            reason,
        })?;
    }
    // Certificate and key come as a pair, and must be readable now rather
    // than at the first visitor.
    let cert = raw.get(&("server", "tls_cert"));
    let key = raw.get(&("server", "tls_key"));
    match (cert, key) {
        (None, None) => {}
        (Some(c), None) | (None, Some(c)) => {
            return Err(Error::Invalid {
                key: c.source.clone(),
                reason: "server.tls_cert en server.tls_key horen samen: vul ze allebei in".into(),
            });
        }
        (Some(c), Some(k)) => {
            for r in [c, k] {
                if std::fs::metadata(r.value.trim()).is_err() {
                    return Err(Error::Invalid {
                        key: r.source.clone(),
                        reason: format!("het bestand {} kan niet gelezen worden", r.value.trim()),
                    });
                }
            }
            settings.server.tls = Some(TlsFiles {
                cert: PathBuf::from(c.value.trim()),
                key: PathBuf::from(k.value.trim()),
            });
        }
    }
    settings.mail.smtp = smtp(&raw)?;
    Ok(settings)
}

/// The mail server's keys belong together: a host needs a sender, the
/// other keys need a host, a user name needs a password.
fn smtp(raw: &BTreeMap<(&'static str, &'static str), Raw>) -> Result<Option<SmtpSettings>> {
    let get = |key: &'static str| {
        raw.get(&("mail", key))
            .map(|r| (r.source.clone(), r.value.trim().to_owned()))
            .filter(|(_, v)| !v.is_empty())
    };
    let invalid = |key: String, reason: &str| Error::Invalid {
        key,
        reason: reason.to_owned(),
    };
    let Some((_, host)) = get("smtp_host") else {
        for key in [
            "smtp_port",
            "smtp_security",
            "smtp_username",
            "smtp_password",
            "from",
            "ca_file",
        ] {
            if let Some((source, _)) = get(key) {
                return Err(invalid(
                    source,
                    "hoort bij een mailserver: vul ook mail.smtp_host in",
                ));
            }
        }
        return Ok(None);
    };
    let security = match get("smtp_security") {
        None => SmtpSecurity::StartTls,
        Some((_, v)) if v == "starttls" => SmtpSecurity::StartTls,
        Some((_, v)) if v == "tls" => SmtpSecurity::Tls,
        Some((source, v)) => {
            return Err(Error::Invalid {
                key: source,
                reason: format!(
                    "'{v}' kan niet: kies starttls of tls (mail gaat altijd versleuteld)"
                ),
            });
        }
    };
    let port = match get("smtp_port") {
        None if security == SmtpSecurity::Tls => 465,
        None => 587,
        Some((source, v)) => match v.parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => {
                return Err(Error::Invalid {
                    key: source,
                    reason: format!("'{v}' is geen poortnummer, zoals 587"),
                });
            }
        },
    };
    let Some((from_source, from)) = get("from") else {
        return Err(invalid(
            raw.get(&("mail", "smtp_host"))
                .map(|r| r.source.clone())
                .unwrap_or_default(),
            "een mailserver heeft een afzender nodig: vul ook mail.from in",
        ));
    };
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(Error::Invalid {
            key: from_source,
            reason: format!("'{from}' is geen e-mailadres, zoals Stadsdorp <info@stadsdorp.nl>"),
        });
    }
    let username = get("smtp_username").map(|(_, v)| v);
    // A password is taken as given: spaces at either end may be part of it.
    let password = raw
        .get(&("mail", "smtp_password"))
        .filter(|r| !r.value.is_empty())
        .map(|r| (r.source.clone(), r.value.clone()));
    match (&username, &password) {
        (Some(_), None) => {
            return Err(invalid(
                raw.get(&("mail", "smtp_username"))
                    .map(|r| r.source.clone())
                    .unwrap_or_default(),
                "een gebruikersnaam heeft een wachtwoord nodig: vul ook mail.smtp_password in",
            ));
        }
        (None, Some((source, _))) => {
            return Err(invalid(
                source.clone(),
                "een wachtwoord hoort bij een gebruikersnaam: vul ook mail.smtp_username in",
            ));
        }
        _ => {}
    }
    let ca_file = match get("ca_file") {
        None => None,
        Some((source, v)) => {
            if std::fs::metadata(&v).is_err() {
                return Err(Error::Invalid {
                    key: source,
                    reason: format!("het bestand {v} kan niet gelezen worden"),
                });
            }
            Some(PathBuf::from(v))
        }
    };
    Ok(Some(SmtpSettings {
        host,
        port,
        security,
        username,
        password: password.map(|(_, v)| v),
        from,
        ca_file,
    }))
}

fn read_file(path: &Path, raw: &mut BTreeMap<(&'static str, &'static str), Raw>) -> Result<()> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::File {
        path: shown.clone(),
        reason: format!("kan niet gelezen worden ({e})"),
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| Error::File {
        path: shown.clone(),
        reason: format!("is geen geldige TOML: {}", e.message()),
    })?;
    for (section, body) in table {
        let Some(body) = body.as_table() else {
            return Err(Error::Invalid {
                key: section,
                reason: "verwacht een sectie zoals [server]".into(),
            });
        };
        for (key, value) in body {
            let Some(&known) = KEYS.iter().find(|(s, k)| *s == section && *k == key) else {
                return Err(Error::Invalid {
                    key: format!("{section}.{key}"),
                    reason: "onbekende instelling".into(),
                });
            };
            let value = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Array(items) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            raw.insert(
                known,
                Raw {
                    source: format!("{section}.{key} in {shown}"),
                    value,
                },
            );
        }
    }
    Ok(())
}

fn apply(s: &mut Settings, section: &str, key: &str, value: &str) -> Result<(), String> {
    match (section, key) {
        ("server", "listen") => {
            s.server.listen = value
                .parse()
                .map_err(|_| format!("'{value}' is geen adres met poort, zoals 127.0.0.1:8080"))?;
        }
        ("server", "trusted_proxies") => {
            s.server.trusted_proxies = value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    v.parse::<IpAddr>()
                        .map_err(|_| format!("'{v}' is geen IP-adres"))
                })
                .collect::<Result<_, _>>()?;
        }
        // Checked together after all sources are read.
        ("server", "tls_cert") | ("server", "tls_key") => {}
        ("server", "header_timeout_seconds") => {
            s.server.header_timeout_seconds = positive(value, 300)?
        }
        ("server", "request_timeout_seconds") => {
            s.server.request_timeout_seconds = positive(value, 3600)?
        }
        ("server", "max_connections") => s.server.max_connections = positive(value, 100_000)?,
        ("server", "shutdown_timeout_seconds") => {
            s.server.shutdown_timeout_seconds = positive(value, 600)?
        }
        ("storage", "data_dir") => {
            if value.is_empty() {
                return Err("mag niet leeg zijn".into());
            }
            s.storage.data_dir = PathBuf::from(value);
        }
        ("database", "url") => {
            s.database.url = if value.is_empty() {
                None
            } else if value.starts_with("postgres://")
                || value.starts_with("postgresql://")
                || value.starts_with("sqlite:")
            {
                Some(value.to_owned())
            } else {
                return Err("verwacht een adres dat begint met postgres:// of sqlite:".into());
            };
        }
        ("database", "max_connections") => {
            s.database.max_connections = positive(value, 1000)?;
        }
        ("log", "level") => {
            tracing_subscriber::EnvFilter::try_new(value)
                .map_err(|_| format!("'{value}' is geen logniveau (error, warn, info, debug)"))?;
            s.log.level = value.to_owned();
        }
        ("log", "format") => {
            s.log.format = match value {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => return Err(format!("'{value}' is geen logformaat: kies text of json")),
            };
        }
        ("auth", "session_days") => s.auth.session_days = positive(value, 366)?,
        ("auth", "max_failures_per_account") => {
            s.auth.max_failures_per_account = positive(value, 1000)?
        }
        ("auth", "max_failures_per_address") => {
            s.auth.max_failures_per_address = positive(value, 100_000)?
        }
        ("federation", "allow_http") => {
            s.federation.allow_http = match value {
                "true" | "ja" | "1" => true,
                "false" | "nee" | "0" => false,
                _ => return Err(format!("'{value}' is geen true of false")),
            };
        }
        ("federation", "allow_private") => {
            s.federation.allow_private = value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::parse)
                .collect::<Result<_, _>>()?;
        }
        ("federation", "retry_base_seconds") => {
            s.federation.retry_base_seconds = positive(value, 86_400)?
        }
        ("federation", "concurrency") => s.federation.concurrency = positive(value, 1024)?,
        ("federation", "request_timeout_seconds") => {
            s.federation.request_timeout_seconds = positive(value, 300)?
        }
        // Checked together after all sources are read.
        ("mail", "smtp_host")
        | ("mail", "smtp_port")
        | ("mail", "smtp_security")
        | ("mail", "smtp_username")
        | ("mail", "smtp_password")
        | ("mail", "from")
        | ("mail", "ca_file") => {}
        ("mail", "retry_base_seconds") => s.mail.retry_base_seconds = positive(value, 86_400)?,
        _ => return Err("onbekende instelling".into()),
    }
    Ok(())
}

fn positive(value: &str, max: u32) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{value}' is geen geheel getal van 1 tot en met {max}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = load(&Overrides::default(), &env_of(&[])).unwrap();
        assert_eq!(s.storage.data_dir, PathBuf::from("data"));
        assert!(s.database.url.is_none());
        assert_eq!(s.server.listen.port(), 8080);
    }

    #[test]
    fn environment_sets_keys_and_flags_win() {
        let env = env_of(&[
            ("NOABER_SERVER_LISTEN", "0.0.0.0:9000"),
            ("NOABER_DATA_DIR", "/srv/noaber"),
        ]);
        let s = load(&Overrides::default(), &env).unwrap();
        assert_eq!(s.server.listen.port(), 9000);
        assert_eq!(s.storage.data_dir, PathBuf::from("/srv/noaber"));

        let flags = Overrides {
            listen: Some("127.0.0.1:7000".into()),
            ..Default::default()
        };
        let s = load(&flags, &env).unwrap();
        assert_eq!(s.server.listen.port(), 7000);
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let env = env_of(&[("NOABER_DATABASE_MAX_CONNECTIONS", "veel")]);
        let err = load(&Overrides::default(), &env).unwrap_err().to_string();
        assert!(err.contains("NOABER_DATABASE_MAX_CONNECTIONS"), "{err}");
        assert!(!err.contains('\n'));

        let flags = Overrides {
            listen: Some("localhost".into()),
            ..Default::default()
        };
        let err = load(&flags, &env_of(&[])).unwrap_err().to_string();
        assert!(err.contains("--listen"), "{err}");
    }

    #[test]
    fn file_keys_are_checked() {
        let dir = std::env::temp_dir().join(format!("noaber-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("noaber.toml");
        std::fs::write(
            &file,
            "[server]\nlisten = \"127.0.0.1:8181\"\n[log]\nformat = \"json\"\n",
        )
        .unwrap();
        let o = Overrides {
            config_file: Some(file.clone()),
            ..Default::default()
        };
        let s = load(&o, &env_of(&[])).unwrap();
        assert_eq!(s.server.listen.port(), 8181);
        assert_eq!(s.log.format, LogFormat::Json);

        std::fs::write(&file, "[server]\nlisen = \"127.0.0.1:8181\"\n").unwrap();
        let err = load(&o, &env_of(&[])).unwrap_err().to_string();
        assert!(err.contains("server.lisen"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn mail_is_off_until_a_server_is_set() {
        let s = load(&Overrides::default(), &env_of(&[])).unwrap();
        assert!(s.mail.smtp.is_none());

        let env = env_of(&[
            ("NOABER_MAIL_SMTP_HOST", "smtp.example.nl"),
            ("NOABER_MAIL_FROM", "Stadsdorp <info@example.nl>"),
            ("NOABER_MAIL_SMTP_USERNAME", "info"),
            ("NOABER_MAIL_SMTP_PASSWORD", "geheim-wachtwoord"),
        ]);
        let s = load(&Overrides::default(), &env).unwrap();
        let smtp = s.mail.smtp.as_ref().unwrap();
        assert_eq!(smtp.port, 587);
        assert_eq!(smtp.security, SmtpSecurity::StartTls);
        // The password is never printed.
        assert!(!format!("{s:?}").contains("geheim-wachtwoord"));
    }

    #[test]
    fn mail_keys_that_do_not_fit_together_are_named() {
        let err = |pairs: &[(&str, &str)]| {
            load(&Overrides::default(), &env_of(pairs))
                .unwrap_err()
                .to_string()
        };
        let e = err(&[("NOABER_MAIL_FROM", "info@example.nl")]);
        assert!(
            e.contains("NOABER_MAIL_FROM") && e.contains("smtp_host"),
            "{e}"
        );
        let e = err(&[("NOABER_MAIL_SMTP_HOST", "smtp.example.nl")]);
        assert!(
            e.contains("NOABER_MAIL_SMTP_HOST") && e.contains("mail.from"),
            "{e}"
        );
        let e = err(&[
            ("NOABER_MAIL_SMTP_HOST", "smtp.example.nl"),
            ("NOABER_MAIL_FROM", "geen adres"),
        ]);
        assert!(e.contains("NOABER_MAIL_FROM"), "{e}");
        let e = err(&[
            ("NOABER_MAIL_SMTP_HOST", "smtp.example.nl"),
            ("NOABER_MAIL_FROM", "info@example.nl"),
            ("NOABER_MAIL_SMTP_SECURITY", "none"),
        ]);
        assert!(e.contains("NOABER_MAIL_SMTP_SECURITY"), "{e}");
        let e = err(&[
            ("NOABER_MAIL_SMTP_HOST", "smtp.example.nl"),
            ("NOABER_MAIL_FROM", "info@example.nl"),
            ("NOABER_MAIL_SMTP_PASSWORD", "geheim-wachtwoord"),
        ]);
        assert!(e.contains("NOABER_MAIL_SMTP_PASSWORD"), "{e}");
        assert!(!e.contains("geheim-wachtwoord"), "{e}");
    }
}
