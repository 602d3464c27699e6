//! The federation handle the node keeps: database, settings, HTTP client,
//! key caches and the outbox worker's wake-up bell.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::checked::CheckedWriter;
use tokio::sync::Notify;

use crate::client::{HttpClient, Signer};
use crate::keys::KeyCache;
use crate::net::AllowEntry;

#[derive(Debug, Clone)]
pub struct FederationSettings {
    /// Allow plain `http://` base URLs (tests, intranets).
    pub allow_http: bool,
    /// Private networks or hosts that may be contacted anyway.
    pub allow_private: Vec<AllowEntry>,
    /// First retry delay of a failed delivery; it doubles each time.
    pub retry_base: Duration,
    /// Longest delay between two tries.
    pub retry_max: Duration,
    /// A delivery is given up after this long.
    pub give_up_after: Duration,
    /// An inbox failing this long is unreachable and only probed rarely.
    pub unreachable_after: Duration,
    /// How often an unreachable inbox is probed.
    pub probe_every: Duration,
    /// Deliveries under way at the same time (active slots). Large enough
    /// that hosts which never answer leave most slots to the others; a
    /// request unanswered after `slow_after` moves to a parked slot.
    pub concurrency: usize,
    /// Deliveries to one host at the same time.
    pub per_host: usize,
    /// Failures in a row after which a host's circuit opens.
    pub breaker_after: u32,
    /// A request still unanswered after this gives its active slot to
    /// another host and waits on in a parked one.
    pub slow_after: Duration,
    /// How long one outgoing request may take in all.
    pub request_timeout: Duration,
    pub user_agent: String,
}

impl Default for FederationSettings {
    fn default() -> Self {
        Self {
            allow_http: false,
            allow_private: Vec::new(),
            retry_base: Duration::from_secs(60),
            retry_max: Duration::from_secs(6 * 3600),
            give_up_after: Duration::from_secs(7 * 24 * 3600),
            unreachable_after: Duration::from_secs(24 * 3600),
            probe_every: Duration::from_secs(12 * 3600),
            concurrency: 256,
            per_host: 4,
            breaker_after: 3,
            slow_after: Duration::from_secs(2),
            request_timeout: Duration::from_secs(15),
            user_agent: format!("Noaber/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// NodeInfo `usage.users`, as the node counts them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub total: u64,
    pub active_month: u64,
    pub active_halfyear: u64,
}

/// Where NodeInfo gets real counts from; the node implements it, so that
/// this crate never reads the node's tables.
pub trait UsageSource: Send + Sync {
    fn usage(&self) -> Pin<Box<dyn Future<Output = Usage> + Send + '_>>;
}

#[derive(Clone)]
pub struct Federation {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub write: CheckedWriter,
    pub read: DatabaseConnection,
    pub settings: FederationSettings,
    pub http: HttpClient,
    pub keys: KeyCache,
    pub signer: RwLock<Option<Signers>>,
    pub wake: Notify,
    pub usage: Option<Arc<dyn UsageSource>>,
    pub version: String,
    pub forms: crate::servers::FormCache,
    pub key_owners: crate::remote::KeyOwners,
    /// Names this process in delivery claims and job leases.
    pub process_id: String,
    /// The library's context for `Activity` and `Object`, made once. It
    /// holds a handle to this struct, so it lives as long as the process.
    pub library:
        tokio::sync::OnceCell<activitypub_federation::config::FederationConfig<Federation>>,
}

impl Federation {
    pub fn new(
        write: CheckedWriter,
        read: DatabaseConnection,
        settings: FederationSettings,
        usage: Option<Arc<dyn UsageSource>>,
        version: &str,
    ) -> Result<Self, crate::client::FetchError> {
        // Fails closed: without the safe client (its resolver refuses
        // private addresses) the node must not start at all.
        let http = HttpClient::new(
            settings.allow_private.clone(),
            settings.allow_http,
            &settings.user_agent,
            settings.request_timeout,
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                write,
                read,
                settings,
                http,
                keys: KeyCache::default(),
                signer: RwLock::new(None),
                wake: Notify::new(),
                usage,
                version: version.to_owned(),
                forms: crate::servers::FormCache::default(),
                key_owners: crate::remote::KeyOwners::default(),
                process_id: new_process_id(),
                library: tokio::sync::OnceCell::new(),
            }),
        })
    }

    /// This process's name in claims and leases: host, process id and a
    /// random part, so that a restarted container reusing a pid is still
    /// another process.
    pub fn process_id(&self) -> &str {
        &self.inner.process_id
    }

    /// Whether other processes may share the database (PostgreSQL). A
    /// SQLite node is always one process: its data directory is locked.
    pub fn shares_database(&self) -> bool {
        use sea_orm::ConnectionTrait;
        self.inner.write.get_database_backend() == sea_orm::DbBackend::Postgres
    }

    pub(crate) fn write(&self) -> &CheckedWriter {
        &self.inner.write
    }

    pub(crate) fn read(&self) -> &DatabaseConnection {
        &self.inner.read
    }

    /// The context the library's traits are called with. Only its data
    /// is used: fetching, signing and queueing stay with this crate.
    pub async fn data(&self) -> crate::Result<activitypub_federation::config::Data<Federation>> {
        let config = self
            .inner
            .library
            .get_or_try_init(|| async {
                activitypub_federation::config::FederationConfig::builder()
                    .domain("noaber.invalid")
                    .app_data(self.clone())
                    .build()
                    .await
                    .map_err(|e| crate::Error::Invalid(e.to_string()))
            })
            .await?;
        Ok(config.to_request_data())
    }

    /// Moves the write-ahead log into the database file and empties it
    /// (SQLite), so that text just overwritten is not left in the log.
    pub async fn checkpoint(&self) -> crate::Result<()> {
        use sea_orm::ConnectionTrait;
        let conn = self.inner.write.connection();
        if conn.get_database_backend() == sea_orm::DbBackend::Sqlite {
            conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
        Ok(())
    }

    pub fn settings(&self) -> &FederationSettings {
        &self.inner.settings
    }

    pub(crate) fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// Wakes the outbox worker after new deliveries were stored.
    pub(crate) fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Our signing key, parsed once, with the organisation's key id.
    pub(crate) async fn signer(&self) -> crate::Result<Signer> {
        Ok(self.signers().await?.org)
    }

    /// The signers of both our actors (one key pair, two key ids), parsed
    /// once; dropped when the actor changes.
    pub(crate) async fn signers(&self) -> crate::Result<Signers> {
        if let Ok(guard) = self.inner.signer.read()
            && let Some(s) = guard.as_ref()
        {
            return Ok(s.clone());
        }
        let actor = crate::actor::load(self).await?;
        let key = Arc::new(crate::keys::SigningKey::from_pkcs8_pem(
            &actor.row.private_key_pem,
        )?);
        let signers = Signers {
            org: Signer {
                key_id: actor.key_id(),
                key: key.clone(),
            },
            instance: Signer {
                key_id: actor.instance_key_id(),
                key,
            },
            instance_id: actor.instance_id(),
        };
        if let Ok(mut guard) = self.inner.signer.write() {
            *guard = Some(signers.clone());
        }
        Ok(signers)
    }
}

/// What our two actors sign with.
#[derive(Clone)]
pub(crate) struct Signers {
    pub org: Signer,
    /// The instance actor's, for relay subscriptions.
    pub instance: Signer,
    pub instance_id: String,
}

fn new_process_id() -> String {
    use rand::Rng;
    let host = std::env::var("HOSTNAME").unwrap_or_default();
    let n: u32 = rand::thread_rng().r#gen();
    format!("{host}:{}:{n:08x}", std::process::id())
}
