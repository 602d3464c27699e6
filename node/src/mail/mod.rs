//! E-mail notifications, off until an SMTP server is configured.
//!
//! A notice is queued in the database right after the change it tells of
//! (an answer link in the same transaction as its mail) and sent by a
//! worker, so a slow or absent mail server never holds up a page and a
//! mail survives a restart. Mails say no more about anyone than the
//! volunteer sees on their task card: what kind of help, which day, and a
//! link; names, phone numbers and addresses stay behind the login.

pub mod links;
pub mod notices;
pub mod outbox;
pub mod smtp;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::config::MailSettings;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The mail server's settings cannot be used (an unreadable CA file).
    #[error("e-mail: {0}")]
    Setup(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The node's mail: whether it is on, how to send, and a bell that wakes
/// the sender when something was queued.
#[derive(Clone, Default)]
pub struct Mailer {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    transport: smtp::Transport,
    wake: Notify,
    retry_base: Duration,
    /// Shown on the settings page: where mail goes out.
    server: String,
    from: String,
}

impl Mailer {
    /// Mail as the settings say: off without a server. `hello` is the name
    /// the node gives itself to the mail server (its own host name).
    pub fn new(settings: &MailSettings, hello: Option<&str>) -> Result<Self> {
        let Some(smtp) = &settings.smtp else {
            return Ok(Self::default());
        };
        Ok(Self {
            inner: Some(Arc::new(Inner {
                transport: smtp::Transport::new(smtp, hello)?,
                wake: Notify::new(),
                retry_base: Duration::from_secs(u64::from(settings.retry_base_seconds)),
                server: format!("{}:{}", smtp.host, smtp.port),
                from: smtp.from.clone(),
            })),
        })
    }

    pub fn is_on(&self) -> bool {
        self.inner.is_some()
    }

    /// The server and sender, for the settings page; `None` when mail is off.
    pub fn describe(&self) -> Option<(String, String)> {
        self.inner
            .as_ref()
            .map(|i| (i.server.clone(), i.from.clone()))
    }

    /// Tells the sender that a mail is waiting.
    pub fn wake(&self) {
        if let Some(inner) = &self.inner {
            inner.wake.notify_one();
        }
    }
}
