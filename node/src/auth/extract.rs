//! Extractors that say who is asking.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::{Error, csrf::cookie_value, session, token};
use crate::accounts::{Account, Role};
use crate::app::AppState;
use crate::error::AppError;

/// The logged-in browser user, if any. Never rejects.
pub struct MaybeUser(pub Option<Account>);

/// A logged-in browser user. Without a session the browser is sent to the
/// login page, and brought back afterwards.
pub struct CurrentUser(pub Account);

/// The user behind an API bearer token.
pub struct ApiUser(pub Account);

impl CurrentUser {
    /// Refuses with 403 unless the user has at least `role`.
    pub fn require(&self, role: Role) -> Result<&Account, AppError> {
        require(&self.0, role)
    }
}

impl ApiUser {
    pub fn require(&self, role: Role) -> Result<&Account, AppError> {
        require(&self.0, role)
    }
}

fn require(account: &Account, role: Role) -> Result<&Account, AppError> {
    if account.role.at_least(role) {
        Ok(account)
    } else {
        Err(Error::Forbidden.into())
    }
}

/// The session's account, looked up once per request however many
/// extractors ask.
#[derive(Clone)]
struct Resolved(Option<Account>);

async fn session_user(parts: &mut Parts, state: &AppState) -> Result<Account, Error> {
    if let Some(Resolved(known)) = parts.extensions.get::<Resolved>() {
        return known.clone().ok_or(Error::Unauthenticated);
    }
    let secure = state.secure_cookies().await;
    let Some(token) = cookie_value(&parts.headers, session::cookie_name(secure)) else {
        return Err(Error::Unauthenticated);
    };
    let result = session::resolve(&state.db, &token, state.settings.auth.session_days).await;
    match &result {
        Ok(a) => parts.extensions.insert(Resolved(Some(a.clone()))),
        Err(Error::Db(_)) => None,
        Err(_) => parts.extensions.insert(Resolved(None)),
    };
    result
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match session_user(parts, state).await {
            Ok(a) => Ok(Self(Some(a))),
            Err(Error::Db(e)) => Err(e.into()),
            Err(_) => Ok(Self(None)),
        }
    }
}

/// Why a browser is sent to the login page.
pub struct LoginRedirect(Response);

impl IntoResponse for LoginRedirect {
    fn into_response(self) -> Response {
        self.0
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = LoginRedirect;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match session_user(parts, state).await {
            Ok(a) => Ok(Self(a)),
            Err(Error::Db(e)) => Err(LoginRedirect(AppError::from(e).into_response())),
            Err(err) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let reason = if matches!(err, Error::Expired) {
                    "&verlopen=1"
                } else {
                    ""
                };
                let target = format!("/inloggen?volgende={}{reason}", encode(next));
                Err(LoginRedirect(Redirect::to(&target).into_response()))
            }
        }
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let Some(token) = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
        else {
            return Err(Error::Unauthenticated.into());
        };
        Ok(Self(token::authenticate(&state.db, token.trim()).await?))
    }
}

/// The client's address: the connection's peer, or the last hop that a
/// trusted proxy added to `X-Forwarded-For`.
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, StatusCode> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        if state.settings.server.trusted_proxies.contains(&peer) {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok());
            if let Some(ip) = forwarded {
                return Ok(Self(ip));
            }
        }
        Ok(Self(peer))
    }
}

/// Percent-encodes a value for a query string.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Only local paths are followed after login, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                // Browsers drop tabs and newlines: "/\t/evil" becomes "//evil".
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}
