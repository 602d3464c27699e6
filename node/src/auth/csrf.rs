//! Cross-site request forgery protection for every browser form.
//!
//! Double-submit: each browser gets a random token in an `HttpOnly`,
//! `SameSite=Strict` cookie, and every form carries the same token in a
//! hidden `csrf_token` field. A page on another site can make the browser
//! send the cookie but cannot read it, so it cannot fill in the field. The
//! check runs as middleware on all non-API routes, so no form can forget it.
//! (The API takes bearer tokens only, which a browser never sends by itself.)

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::secret;
use crate::app::{AppState, FORM_BODY_LIMIT};
use crate::error::AppError;

pub const COOKIE: &str = "noaber_csrf";
pub const FIELD: &str = "csrf_token";

/// The token to put in this page's forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

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

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let existing = cookie_value(request.headers(), COOKIE);
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe {
        let token = existing.clone().unwrap_or_else(secret::random_token);
        let mut request = request;
        request.extensions_mut().insert(CsrfToken(token.clone()));
        let mut response = next.run(request).await;
        if existing.is_none() {
            let secure = state.secure_cookies().await;
            let cookie = format!(
                "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}",
                if secure { "; Secure" } else { "" }
            );
            crate::web::set_cookie(&mut response, &cookie);
        }
        return response;
    }

    let Some(expected) = existing else {
        return AppError::Csrf.into_response();
    };
    // File uploads are multipart, which this middleware does not parse; their
    // form carries the token in its action URL instead (same-origin only).
    let in_query = request.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned())
    });
    if let Some(given) = in_query {
        if secret::same(&given, &expected) {
            let mut request = request;
            request.extensions_mut().insert(CsrfToken(expected));
            return next.run(request).await;
        }
        return AppError::Csrf.into_response();
    }
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, FORM_BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => return AppError::TooLarge.into_response(),
    };
    let given = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned());
    match given {
        Some(given) if secret::same(&given, &expected) => {
            // The token has done its work; handlers get the form without it,
            // so their input types can refuse fields they do not know.
            let rest: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form_urlencoded::parse(&bytes).filter(|(k, _)| k != FIELD))
                .finish();
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
