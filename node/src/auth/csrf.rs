//! Cross-site request forgery protection for every browser form.
//!
//! Three checks, all on every unsafe request to a page (the API takes
//! bearer tokens only, which a browser never sends by itself):
//! - The browser must say the request comes from this site: a
//!   `Sec-Fetch-Site` other than `same-origin` (or `none`, typed by the
//!   user) is refused, and so is an `Origin` that is not the node's own.
//!   Old browsers that send neither still meet the next check.
//! - Every form carries a token in a hidden `csrf_token` field, in the form
//!   body and nowhere else (a token in a URL leaks into logs and Referer).
//! - The token is bound to the session: a hash of the session cookie, or,
//!   before login, of a random cookie of this browser. A page on another
//!   site can make the browser send those cookies but cannot read them, so
//!   it cannot compute the token; and logging in gives a new session, so
//!   the token changes with it.
//!
//! The check runs as middleware on all non-API routes, so no form can
//! forget it.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{secret, session};
use crate::app::{AppState, FORM_BODY_LIMIT};
use crate::error::AppError;

pub const COOKIE: &str = "noaber_csrf";
/// The name on HTTPS (see [`session::HOST_COOKIE`]).
pub const HOST_COOKIE: &str = "__Host-noaber_csrf";
pub const FIELD: &str = "csrf_token";
/// The largest multipart body read to find the token: a members import.
pub const MULTIPART_LIMIT: usize = crate::care::import::MAX_BYTES + 64 * 1024;

/// The token to put in this page's forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

pub fn cookie_name(secure: bool) -> &'static str {
    if secure { HOST_COOKIE } else { COOKIE }
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

/// The form token for a session (or pre-login browser) secret. Domain
/// separated, so it is never the session's stored hash.
pub fn token_for(binding: &str) -> String {
    secret::hash(&format!("noaber csrf v1:{binding}"))
}

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let secure = state.secure_cookies().await;
    let session = cookie_value(request.headers(), session::cookie_name(secure));
    let browser = cookie_value(request.headers(), cookie_name(secure));
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe {
        let fresh = browser.is_none().then(secret::random_token);
        let binding = session
            .or_else(|| browser.clone())
            .or_else(|| fresh.clone())
            .unwrap_or_default();
        let mut request = request;
        request
            .extensions_mut()
            .insert(CsrfToken(token_for(&binding)));
        let mut response = next.run(request).await;
        if let Some(value) = fresh {
            let cookie = format!(
                "{}={value}; Path=/; HttpOnly; SameSite=Strict{}",
                cookie_name(secure),
                if secure { "; Secure" } else { "" }
            );
            crate::web::set_cookie(&mut response, &cookie);
        }
        return response;
    }

    if let Err(why) = same_site(&state, request.headers(), request.uri()).await {
        tracing::info!(why, "form refused: not sent from this site");
        return AppError::Csrf.into_response();
    }
    let Some(binding) = session.or(browser) else {
        return AppError::Csrf.into_response();
    };
    let expected = token_for(&binding);
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (parts, body) = request.into_parts();
    let limit = if multipart {
        MULTIPART_LIMIT
    } else {
        FORM_BODY_LIMIT
    };
    let bytes = match to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return AppError::TooLarge.into_response(),
    };
    let (given, rest) = if multipart {
        let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();
        (multipart_token(content_type, bytes.clone()).await, bytes)
    } else {
        let given = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned());
        // The token has done its work; handlers get the form without it,
        // so their input types can refuse fields they do not know.
        let rest: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form_urlencoded::parse(&bytes).filter(|(k, _)| k != FIELD))
            .finish();
        (given, Bytes::from(rest))
    };
    match given {
        Some(given) if secret::same(&given, &expected) => {
            let mut parts = parts;
            parts.headers.remove(header::CONTENT_LENGTH);
            let mut request = Request::from_parts(parts, Body::from(rest));
            request.extensions_mut().insert(CsrfToken(expected));
            next.run(request).await
        }
        _ => {
            tracing::info!("form refused: CSRF token missing or wrong");
            AppError::Csrf.into_response()
        }
    }
}

/// The `csrf_token` field of a multipart body, read from a copy.
async fn multipart_token(
    content_type: Option<header::HeaderValue>,
    bytes: Bytes,
) -> Option<String> {
    let mut copy = Request::new(Body::from(bytes));
    if let Some(ct) = content_type {
        copy.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    let mut form = Multipart::from_request(copy, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(FIELD) {
            return field.text().await.ok();
        }
    }
    None
}

/// Whether the browser says the request comes from a page of this node.
async fn same_site(
    state: &AppState,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err("sec-fetch-site");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let Ok(origin) = url::Url::parse(origin) else {
        // "null" (a sandboxed frame, a file) and anything unreadable.
        return Err("origin unreadable");
    };
    let Some(origin_host) = host_and_port(&origin) else {
        return Err("origin without host");
    };
    // The host the browser asked for (what it shows in its address bar),
    // or the node's own address when a proxy rewrote the Host header.
    let asked = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.as_str().to_owned()));
    let own = state
        .profile()
        .await
        .and_then(|p| url::Url::parse(&p.base_url).ok())
        .and_then(|u| host_and_port(&u));
    if asked.as_deref() == Some(origin_host.as_str()) || own.as_deref() == Some(&origin_host) {
        Ok(())
    } else {
        Err("origin")
    }
}

/// `host` or `host:port` as a browser writes it in `Host` (the port only
/// when it is not the scheme's default).
fn host_and_port(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}
