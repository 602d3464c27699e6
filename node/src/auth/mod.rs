//! Who is asking: browser sessions, API tokens, login with throttling, CSRF.

pub mod api;
pub mod csrf;
pub mod extract;
pub mod login;
pub mod secret;
pub mod session;
pub mod throttle;
pub mod token;
pub mod web;

pub use extract::{ApiUser, CurrentUser, MaybeUser};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: wrong username or password (deliberately not saying which).
    #[error("bad credentials")]
    BadCredentials,
    /// 403: the account is disabled.
    #[error("account disabled")]
    Disabled,
    /// 429: too many failed attempts for this account and address; the
    /// seconds to wait.
    #[error("too many attempts")]
    Throttled(u64),
    /// 401: no valid session or token.
    #[error("not authenticated")]
    Unauthenticated,
    /// 401: the session or token has expired or was revoked.
    #[error("expired")]
    Expired,
    /// 403: the role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// 404: no such token.
    #[error("token not found")]
    TokenNotFound,
    /// 422
    #[error(transparent)]
    Invalid(#[from] crate::validation::Invalid),
    /// 500
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
