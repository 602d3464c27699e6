//! The application: shared state, the router, and the server lifecycle.
//!
//! `main` only loads settings and calls [`Application::build`]; tests build
//! the same application on port 0 and speak HTTP to it.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::Request;
use axum::{Router, middleware};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::AppError;
use crate::profile::{self, NodeProfile};

/// Largest form body a browser may send.
pub const FORM_BODY_LIMIT: usize = 64 * 1024;
/// Largest JSON body an API client may send.
pub const API_BODY_LIMIT: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub federation: noaber_federation::Federation,
    pub settings: Arc<Settings>,
    /// E-mail notifications; off without a mail server.
    pub mail: crate::mail::Mailer,
    /// The profile changes rarely but is shown on every page; it is read
    /// again after a few seconds so that a change made with the command
    /// line while the server runs shows up without a restart.
    profile: Arc<RwLock<(Instant, Option<NodeProfile>)>>,
}

const PROFILE_TTL: Duration = Duration::from_secs(5);

impl AppState {
    pub fn new(
        db: Db,
        settings: Settings,
        profile: Option<NodeProfile>,
    ) -> Result<Self, StartError> {
        // The node names itself to the mail server by its own host name.
        let hello = profile
            .as_ref()
            .and_then(|p| url::Url::parse(&p.base_url).ok())
            .and_then(|u| u.host_str().map(str::to_owned));
        Ok(Self {
            federation: crate::fed::handle(&db, &settings).map_err(StartError::Http)?,
            mail: crate::mail::Mailer::new(&settings.mail, hello.as_deref())?,
            db,
            settings: Arc::new(settings),
            profile: Arc::new(RwLock::new((Instant::now(), profile))),
        })
    }

    /// The node profile; `None` before setup.
    pub async fn profile(&self) -> Option<NodeProfile> {
        let cached = self.profile.read().ok().map(|p| p.clone());
        match cached {
            Some((at, p)) if at.elapsed() < PROFILE_TTL => p,
            stale => match self.refresh_profile().await {
                Ok(p) => p,
                // The database hiccuped: an old profile beats none.
                Err(_) => stale.and_then(|(_, p)| p),
            },
        }
    }

    /// Reads the profile again now (after setup or a change by an admin).
    pub async fn refresh_profile(&self) -> Result<Option<NodeProfile>, AppError> {
        let fresh = profile::get(&self.db).await?;
        if let Ok(mut slot) = self.profile.write() {
            *slot = (Instant::now(), fresh.clone());
        }
        Ok(fresh)
    }

    /// What notices need: the database, the mail, and the node's name and
    /// address for the links in them.
    pub async fn notifier(&self) -> crate::mail::notices::Notifier {
        let profile = self.profile().await;
        crate::mail::notices::Notifier {
            db: self.db.clone(),
            mailer: self.mail.clone(),
            base_url: profile
                .as_ref()
                .map(|p| p.base_url.clone())
                .unwrap_or_default(),
            name: profile.map(|p| p.name).unwrap_or_else(|| "Noaber".into()),
        }
    }

    /// Cookies are `Secure` once the node knows it is served over HTTPS.
    pub async fn secure_cookies(&self) -> bool {
        self.profile().await.is_some_and(|p| p.is_https())
    }
}

impl FromRef<AppState> for noaber_federation::Federation {
    fn from_ref(state: &AppState) -> Self {
        state.federation.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::Error),
    #[error("kan niet luisteren op {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("het profiel van de node kan niet gelezen worden: {0}")]
    Profile(#[from] profile::Error),
    #[error("het certificaat of de sleutel voor HTTPS kan niet gelezen worden: {0}")]
    Tls(std::io::Error),
    #[error("de veilige HTTP-client voor federatie kan niet gemaakt worden: {0}")]
    Http(noaber_federation::client::FetchError),
    #[error(transparent)]
    Mail(#[from] crate::mail::Error),
}

/// Builds the complete router for a state.
pub fn router(state: AppState) -> Router {
    let server = &state.settings.server;
    let request_timeout = Duration::from_secs(u64::from(server.request_timeout_seconds));
    let body_timeout = Duration::from_secs(u64::from(server.header_timeout_seconds));
    let web = Router::new()
        .merge(crate::web::router())
        .merge(crate::setup::web::router())
        .merge(crate::auth::web::router())
        .merge(crate::accounts::web::router())
        .merge(crate::profile::web::router())
        .merge(crate::care::web::router())
        .merge(crate::network::web::router())
        .merge(crate::knowledge::web::router())
        .merge(crate::knowledge::bottleneck_web::router())
        .merge(crate::figures::web::router())
        .merge(crate::figures::open_data::router())
        .merge(crate::mail::web::router())
        .layer(middleware::from_fn(crate::web::clear_flash))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::csrf::protect,
        ))
        .layer(DefaultBodyLimit::max(FORM_BODY_LIMIT));

    Router::new()
        .merge(web)
        .merge(crate::api::router().layer(DefaultBodyLimit::max(API_BODY_LIMIT)))
        .merge(crate::health::router())
        .merge(
            noaber_federation::routes::router()
                .layer(DefaultBodyLimit::max(noaber_federation::routes::MAX_INBOX_BODY)),
        )
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn(crate::error::render_problems))
        // A request, body included, gets a deadline; a body that stops
        // arriving is cut off sooner.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ))
        .layer(middleware::from_fn(noaber_federation::routes::home_negotiation))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::web::headers::security_headers,
        ))
        .layer(
            // Only the path is logged: query strings can carry search terms
            // such as a member's name.
            // One line per answered request (status and time), at info so
            // that `docker logs` shows the traffic without debug noise.
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
                })
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                ),
        )
        .with_state(state)
}

/// Stops a running application from elsewhere (signal handler, test).
#[derive(Clone)]
pub struct ShutdownHandle(watch::Sender<bool>);

impl ShutdownHandle {
    pub fn shutdown(&self) {
        // `send_replace` stores the value even when nobody listens yet: a
        // stop asked for before the server subscribed must not be lost.
        self.0.send_replace(true);
    }
}

pub struct Application {
    listener: TcpListener,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    router: Router,
    state: AppState,
    shutdown_tx: watch::Sender<bool>,
    /// Held until the database is closed; `None` on PostgreSQL.
    lock: Option<db::DataDirLock>,
}

impl Application {
    /// Connects to the database, applies pending migrations and binds the
    /// listening socket. Nothing is served until [`Self::run_until_stopped`].
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let lock = db::lock_for_serving(&settings)?;
        let db = Db::connect(&settings).await?;
        let applied = db.migrate().await?;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        let profile = profile::get(&db).await?;
        let addr = settings.server.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let tls = match &settings.server.tls {
            Some(files) => {
                let _ = rustls::crypto::ring::default_provider().install_default();
                Some(
                    axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                        .await
                        .map_err(StartError::Tls)?,
                )
            }
            None => None,
        };
        let state = AppState::new(db, settings, profile.clone())?;
        // A node set up before federation existed gets its actor now.
        if let Some(p) = &profile
            && noaber_federation::actor::find(&state.federation)
                .await
                .ok()
                .flatten()
                .is_none()
            && let Err(e) = crate::fed::publish_profile(&state.federation, p).await
        {
            tracing::warn!(error = %e, "could not create the node's actor");
        }
        spawn_housekeeping(state.clone());
        tokio::spawn(crate::mail::outbox::run_worker(
            state.db.clone(),
            state.mail.clone(),
            state.federation.process_id().to_owned(),
        ));
        tokio::spawn(noaber_federation::outbox::run_worker(
            state.federation.clone(),
        ));
        let (shutdown_tx, _) = watch::channel(false);
        Ok(Self {
            listener,
            tls,
            router: router(state.clone()),
            state,
            shutdown_tx,
            lock,
        })
    }

    /// The running node's own federation handle: what it publishes through
    /// here wakes its outbox worker at once.
    pub fn federation(&self) -> noaber_federation::Federation {
        self.state.federation.clone()
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Whether the node serves HTTPS itself.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown_tx.clone())
    }

    /// Serves until the shutdown handle fires, then lets open requests
    /// finish and closes the database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let mut rx = self.shutdown_tx.subscribe();
        let signal = async move {
            // Either a shutdown or a dropped sender ends the wait.
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let server = &self.state.settings.server;
        let limits = crate::serve::Limits {
            header_timeout: Duration::from_secs(u64::from(server.header_timeout_seconds)),
            max_connections: usize::try_from(server.max_connections).unwrap_or(1024),
            shutdown_timeout: Duration::from_secs(u64::from(server.shutdown_timeout_seconds)),
        };
        let tls = self
            .tls
            .map(|config| tokio_rustls::TlsAcceptor::from(config.get_inner()));
        crate::serve::serve(self.listener, tls, self.router, limits, signal).await;
        self.state.db.close().await;
        drop(self.lock);
        tracing::info!("stopped");
        Ok(())
    }
}

/// How often the chores run, across all processes together.
const HOUSEKEEPING_EVERY: chrono::Duration = chrono::Duration::hours(1);

/// Hourly chores: the retention period for closed requests' descriptions.
///
/// Every process looks every few minutes; the one that takes the turn
/// runs the chores, so that with several processes on one database they
/// run once an hour. A turn lasts the hour whoever took it: when that
/// process dies, another runs the chores when the hour is up.
fn spawn_housekeeping(state: AppState) {
    let db = state.db.clone();
    let fed = state.federation.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            match noaber_federation::leases::take_turn(
                db.write(),
                "housekeeping",
                fed.process_id(),
                HOUSEKEEPING_EVERY,
                chrono::Utc::now(),
            )
            .await
            {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "housekeeping: taking the turn failed");
                    continue;
                }
            }
            tracing::info!("housekeeping: running the hourly chores");
            if let Err(e) = crate::care::privacy::apply_retention(&db, chrono::Utc::now()).await {
                tracing::warn!(error = %e, "retention run failed");
            }
            if let Err(e) = crate::care::privacy::drop_leftovers(&db, chrono::Utc::now()).await {
                tracing::warn!(error = %e, "removing left-over uploads failed");
            }
            if let Err(e) = crate::figures::sent::send_due(&db, &fed).await {
                tracing::warn!(error = %e, "sending the figures report failed");
            }
            // Received ids only guard against replays within the signature's
            // lifetime; keep a month, not forever.
            if let Err(e) = noaber_federation::inbox::prune(&fed).await {
                tracing::warn!(error = %e, "pruning received activities failed");
            }
            if let Err(e) = state
                .notifier()
                .await
                .queue_reminders(chrono::Utc::now())
                .await
            {
                tracing::warn!(error = %e, "queueing task reminders failed");
            }
            if let Err(e) = crate::mail::outbox::prune(&db, chrono::Utc::now()).await {
                tracing::warn!(error = %e, "pruning sent mail failed");
            }
            if let Err(e) = crate::mail::links::prune(&db, chrono::Utc::now()).await {
                tracing::warn!(error = %e, "pruning answer links failed");
            }
        }
    });
}
