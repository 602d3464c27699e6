//! Errors of the federation crate, with their HTTP status at the edge of
//! its own endpoints (inbox, actor, objects).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: unsigned, badly signed, stale or altered request.
    #[error("signature: {0}")]
    Signature(#[from] crate::signature::SignatureError),
    /// 400: not an activity we can read, or origins do not match.
    #[error("bad activity: {0}")]
    BadActivity(String),
    /// 403: the sender's domain is blocked, or it may not see this.
    #[error("forbidden")]
    Forbidden,
    /// 404
    #[error("not found")]
    NotFound,
    /// 410: deleted.
    #[error("gone")]
    Gone,
    /// 413
    #[error("body too large")]
    TooLarge,
    /// 409: the node has no actor yet (not set up).
    #[error("this node is not set up yet")]
    NotSetUp,
    /// 422: a handle, URL or domain given by an operator is wrong.
    #[error("{0}")]
    Invalid(String),
    /// 502: a remote server could not be reached or answered wrongly.
    #[error("remote: {0}")]
    Remote(#[from] crate::client::FetchError),
    /// 202: valid, but nothing this node acts on (why, for the log).
    #[error("ignored: {0}")]
    Ignored(&'static str),
    /// 500
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    /// 500
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    /// 500
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whether a database error is a violated unique key: a row that another
/// request wrote a moment earlier.
pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Signature(_) => StatusCode::UNAUTHORIZED,
            Self::BadActivity(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Gone => StatusCode::GONE,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotSetUp => StatusCode::CONFLICT,
            Self::Ignored(_) => StatusCode::ACCEPTED,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Remote(_) => StatusCode::BAD_GATEWAY,
            Self::Key(_) | Self::Db(_) | Self::Json(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// What a remote server is told: a short reason, never internals.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = if status.is_server_error() {
            tracing::error!(error = %self, "federation request failed");
            "internal error".to_owned()
        } else {
            tracing::info!(status = status.as_u16(), reason = %self, "federation request refused");
            self.to_string()
        };
        (
            status,
            axum::Json(serde_json::json!({ "error": status.canonical_reason().unwrap_or(""), "message": message })),
        )
            .into_response()
    }
}
