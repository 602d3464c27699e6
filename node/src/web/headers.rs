//! Response headers that every answer carries: what a browser may load and
//! frame, what it may keep in its cache, and that it must stay on HTTPS.
//!
//! The pages have no scripts and one stylesheet from the node itself, so the
//! policy can forbid everything else. Personal data must not linger in a
//! shared computer's cache (a library, a community centre), so nothing but the
//! stylesheet may be stored.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::AppState;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A year, the usual HSTS lifetime; no `preload`, which is the operator's
/// decision to make.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let https = state.settings.server.tls.is_some() || state.secure_cookies().await;
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Same origin only: the answer page's address holds a code, and no
    // other site may learn it. (No Referer at all would make browsers send
    // `Origin: null` with forms, which the CSRF check rightly refuses.)
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    response
}
