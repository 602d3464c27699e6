//! The one place where errors become HTTP responses.
//!
//! Handlers return [`AppError`]. Its `IntoResponse` only records a
//! [`Problem`] (status, code, message key, fields) in the response; the
//! [`render_problems`] middleware then writes it as JSON for `/api/` and as
//! an HTML page elsewhere, in the language the client asked for. The same
//! middleware gives axum's own plain-text rejections (unknown route, wrong
//! method, body too large) that shape, so no client ever sees a bare error.
//! Internal errors are logged with their cause and shown as an opaque 500.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::{self, Lang};
use crate::knowledge::privacy_check::Hit;
use crate::validation::{FieldError, Invalid};
use crate::{accounts, auth, care, figures, knowledge, profile, setup};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Accounts(#[from] accounts::Error),
    #[error(transparent)]
    Auth(#[from] auth::Error),
    #[error(transparent)]
    Profile(#[from] profile::Error),
    #[error(transparent)]
    Setup(#[from] setup::Error),
    #[error(transparent)]
    Care(#[from] care::Error),
    #[error(transparent)]
    Knowledge(#[from] knowledge::Error),
    #[error(transparent)]
    Figures(#[from] figures::Error),
    #[error(transparent)]
    Federation(#[from] noaber_federation::Error),
    #[error(transparent)]
    Mail(#[from] crate::mail::Error),
    /// 422
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// 400: the request could not be read; `field` names the part if known.
    #[error("bad request")]
    BadRequest {
        field: Option<String>,
        message: &'static str,
    },
    /// 404
    #[error("not found")]
    NotFound,
    /// 415: the body is not JSON.
    #[error("unsupported media type")]
    MediaType,
    /// 413
    #[error("payload too large")]
    TooLarge,
    /// 403: the form's CSRF token is missing or wrong.
    #[error("csrf")]
    Csrf,
    /// 500
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    /// 500
    #[error("template: {0}")]
    Template(#[from] askama::Error),
}

/// What a client is told about an error.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: &'static str,
    pub fields: Vec<FieldError>,
    /// A field name that is not one of ours (e.g. a JSON path).
    pub raw_field: Option<String>,
    /// What the privacy check found, to show in place.
    pub hits: Vec<Hit>,
}

impl Problem {
    fn new(status: StatusCode, code: &'static str, message: &'static str) -> Self {
        Self {
            status,
            code,
            message,
            fields: Vec::new(),
            raw_field: None,
            hits: Vec::new(),
        }
    }

    fn invalid(inv: &Invalid) -> Self {
        Self {
            fields: inv.0.clone(),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "error.invalid")
        }
    }
}

impl AppError {
    pub fn problem(&self) -> Problem {
        use StatusCode as S;
        match self {
            Self::Accounts(e) => accounts_problem(e),
            Self::Auth(e) => match e {
                auth::Error::BadCredentials => {
                    Problem::new(S::UNAUTHORIZED, "bad_credentials", "error.bad_credentials")
                }
                auth::Error::Disabled => {
                    Problem::new(S::FORBIDDEN, "account_disabled", "error.account_disabled")
                }
                auth::Error::Throttled(_) => {
                    Problem::new(S::TOO_MANY_REQUESTS, "too_many_attempts", "error.throttled")
                }
                auth::Error::Unauthenticated => {
                    Problem::new(S::UNAUTHORIZED, "unauthenticated", "error.unauthenticated")
                }
                auth::Error::Expired => Problem::new(S::UNAUTHORIZED, "expired", "error.expired"),
                auth::Error::Forbidden => {
                    Problem::new(S::FORBIDDEN, "forbidden", "error.forbidden")
                }
                auth::Error::TokenNotFound => {
                    Problem::new(S::NOT_FOUND, "not_found", "error.token_not_found")
                }
                auth::Error::Invalid(inv) => Problem::invalid(inv),
                auth::Error::Db(e) => db_problem(e),
            },
            Self::Profile(e) => match e {
                profile::Error::Invalid(inv) => Problem::invalid(inv),
                profile::Error::NotSetUp => {
                    Problem::new(S::CONFLICT, "not_set_up", "error.not_set_up")
                }
                profile::Error::Db(e) => db_problem(e),
            },
            Self::Setup(e) => match e {
                setup::Error::AlreadyDone => {
                    Problem::new(S::CONFLICT, "already_set_up", "error.already_set_up")
                }
                setup::Error::Invalid(inv) => Problem::invalid(inv),
                setup::Error::Accounts(inner) => accounts_problem(inner),
                setup::Error::Db(e) => db_problem(e),
            },
            Self::Care(e) => match e {
                care::Error::Invalid(inv) => Problem::invalid(inv),
                care::Error::NotFound => Problem::new(S::NOT_FOUND, "not_found", "error.not_found"),
                care::Error::Conflict(key) => Problem::new(S::CONFLICT, "conflict", key),
                care::Error::Forbidden => {
                    Problem::new(S::FORBIDDEN, "forbidden", "error.forbidden")
                }
                care::Error::TooMany => {
                    Problem::new(S::TOO_MANY_REQUESTS, "too_many", "error.public_too_many")
                }
                care::Error::FormBusy => {
                    Problem::new(S::TOO_MANY_REQUESTS, "too_many", "error.public_busy")
                }
                care::Error::Db(e) => db_problem(e),
            },
            Self::Knowledge(e) => match e {
                knowledge::Error::Invalid(inv) => Problem::invalid(inv),
                knowledge::Error::PrivacyCheck(hits) => {
                    let mut fields: Vec<FieldError> = Vec::new();
                    for h in hits {
                        if !fields.iter().any(|f| f.field == h.field) {
                            fields.push(FieldError {
                                field: h.field,
                                message: h.kind.label(),
                            });
                        }
                    }
                    Problem {
                        fields,
                        hits: hits.clone(),
                        ..Problem::new(
                            S::UNPROCESSABLE_ENTITY,
                            "privacy_check",
                            "error.privacy_check",
                        )
                    }
                }
                knowledge::Error::NotFound => {
                    Problem::new(S::NOT_FOUND, "not_found", "error.not_found")
                }
                knowledge::Error::Federation(noaber_federation::Error::NotFound) => {
                    Problem::new(S::NOT_FOUND, "not_found", "error.not_found")
                }
                knowledge::Error::Federation(e) => federation_problem(e),
                knowledge::Error::Db(e) => db_problem(e),
            },
            Self::Figures(e) => match e {
                figures::Error::Invalid(inv) => Problem::invalid(inv),
                figures::Error::NotFound
                | figures::Error::Federation(noaber_federation::Error::NotFound) => {
                    Problem::new(S::NOT_FOUND, "not_found", "error.not_found")
                }
                figures::Error::Federation(e) => federation_problem(e),
                figures::Error::Db(e) => db_problem(e),
                figures::Error::Json(_) => internal(),
            },
            Self::Federation(e) => federation_problem(e),
            Self::Invalid(inv) => Problem::invalid(inv),
            Self::BadRequest { field, message } => Problem {
                raw_field: field.clone(),
                ..Problem::new(S::BAD_REQUEST, "bad_request", message)
            },
            Self::NotFound => Problem::new(S::NOT_FOUND, "not_found", "error.not_found"),
            Self::MediaType => Problem::new(
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "error.media_type",
            ),
            Self::TooLarge => Problem::new(S::PAYLOAD_TOO_LARGE, "too_large", "error.too_large"),
            Self::Csrf => Problem::new(S::FORBIDDEN, "csrf", "error.csrf"),
            Self::Db(e) => db_problem(e),
            Self::Mail(crate::mail::Error::Db(e)) => db_problem(e),
            Self::Mail(crate::mail::Error::Setup(_)) => internal(),
            Self::Template(_) => internal(),
        }
    }
}

fn federation_problem(e: &noaber_federation::Error) -> Problem {
    use StatusCode as S;

    use noaber_federation::Error as F;
    match e {
        F::Ignored(_) => Problem::new(S::CONFLICT, "nothing_to_do", "error.federation_invalid"),
        F::Invalid(_) => Problem::new(
            S::UNPROCESSABLE_ENTITY,
            "invalid",
            "error.federation_invalid",
        ),
        F::NotFound => Problem::new(S::NOT_FOUND, "not_found", "error.federation_not_found"),
        F::NotSetUp => Problem::new(S::CONFLICT, "not_set_up", "error.not_set_up"),
        F::Forbidden => Problem::new(S::FORBIDDEN, "blocked", "error.federation_blocked"),
        F::Remote(_) | F::BadActivity(_) | F::Signature(_) | F::Gone => {
            Problem::new(S::BAD_GATEWAY, "remote", "error.federation_remote")
        }
        F::TooLarge => Problem::new(S::PAYLOAD_TOO_LARGE, "too_large", "error.too_large"),
        F::Db(e) => db_problem(e),
        F::Key(_) | F::Json(_) => internal(),
    }
}

fn accounts_problem(e: &accounts::Error) -> Problem {
    use StatusCode as S;
    match e {
        accounts::Error::Invalid(inv) => Problem::invalid(inv),
        accounts::Error::UsernameTaken => Problem {
            fields: vec![FieldError {
                field: "username",
                message: "error.username_taken",
            }],
            ..Problem::new(S::CONFLICT, "username_taken", "error.username_taken")
        },
        accounts::Error::NotFound => {
            Problem::new(S::NOT_FOUND, "not_found", "error.user_not_found")
        }
        accounts::Error::LastAdmin => Problem::new(S::CONFLICT, "last_admin", "error.last_admin"),
        accounts::Error::Db(e) => db_problem(e),
        accounts::Error::Hash(_) => internal(),
    }
}

/// A failed database call: the storage itself (a full disk, an I/O error,
/// the database gone) is a 503 that says nothing was saved; anything else
/// is an internal error.
fn db_problem(err: &sea_orm::DbErr) -> Problem {
    if crate::db::is_storage_failure(err) {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "storage", "error.storage")
    } else {
        internal()
    }
}

fn internal() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "error.internal",
    )
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        if problem.status.is_server_error() {
            // The cause chain goes to the log, never to the client.
            tracing::error!(error = %ErrorChain(&self), "request failed");
        }
        let mut response = problem.status.into_response();
        if let Self::Auth(auth::Error::Throttled(seconds)) = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, (*seconds).into());
        }
        response.extensions_mut().insert(problem);
        response
    }
}

struct ErrorChain<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid`, `unauthenticated`.
    pub error: String,
    /// A sentence for people, in the language asked for.
    pub message: String,
    /// The first field at fault, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault with its own message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldMessage>,
    /// The privacy check's hits: the field, the kind and the text found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hits: Vec<Hit>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

impl ErrorBody {
    pub fn from_problem(p: &Problem, lang: Lang) -> Self {
        let errors: Vec<FieldMessage> = p
            .fields
            .iter()
            .map(|f| FieldMessage {
                field: f.field.to_owned(),
                message: i18n::text(lang, f.message).to_owned(),
            })
            .collect();
        let field = p
            .raw_field
            .clone()
            .or_else(|| p.fields.first().map(|f| f.field.to_owned()));
        let mut message = i18n::text(lang, p.message).to_owned();
        if let Some(hit) = p.hits.first() {
            message = format!(
                "{message} {}: {} \"{}\"",
                hit.field,
                i18n::text(lang, hit.kind.label()),
                hit.text
            );
        } else if let (Some(first), true) = (errors.first(), p.fields.len() == 1) {
            message = format!("{message} {}: {}", first.field, first.message);
        }
        Self {
            error: p.code.to_owned(),
            message,
            field,
            errors,
            hits: p.hits.clone(),
        }
    }
}

/// Renders recorded problems (and axum's bare rejections) for the client.
pub async fn render_problems(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let lang = crate::web::request_lang(request.headers());
    let mut response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let problem = match response.extensions_mut().remove::<Problem>() {
        Some(p) => p,
        None if response.headers().contains_key(header::CONTENT_TYPE)
            && !is_plain_text(&response) =>
        {
            return response;
        }
        None => bare_problem(status),
    };
    let headers = std::mem::take(response.headers_mut());
    let mut rendered = if is_api {
        (status, axum::Json(ErrorBody::from_problem(&problem, lang))).into_response()
    } else {
        (status, Html(crate::web::error_page(&problem, lang))).into_response()
    };
    // Keep headers the handler set (cookies, Retry-After, WWW-Authenticate).
    for (name, value) in headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().append(name.clone(), value.clone());
        }
    }
    if status == StatusCode::UNAUTHORIZED && is_api {
        rendered.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"noaber\""),
        );
    }
    rendered
}

fn is_plain_text(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"))
}

fn bare_problem(status: StatusCode) -> Problem {
    use StatusCode as S;
    match status {
        S::NOT_FOUND => Problem::new(status, "not_found", "error.not_found"),
        S::METHOD_NOT_ALLOWED => {
            Problem::new(status, "method_not_allowed", "error.method_not_allowed")
        }
        S::PAYLOAD_TOO_LARGE => Problem::new(status, "too_large", "error.too_large"),
        S::UNSUPPORTED_MEDIA_TYPE => {
            Problem::new(status, "unsupported_media_type", "error.media_type")
        }
        S::UNAUTHORIZED => Problem::new(status, "unauthenticated", "error.unauthenticated"),
        S::FORBIDDEN => Problem::new(status, "forbidden", "error.forbidden"),
        s if s.is_server_error() => internal(),
        _ => Problem::new(status, "bad_request", "error.bad_request"),
    }
}
