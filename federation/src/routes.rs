//! The federation endpoints: WebFinger, NodeInfo, the actor, the inboxes,
//! collections, and published objects. The node merges this router; its
//! state only has to give a [`Federation`] (`FromRef`).

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRef, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{Error, Federation, actor, follows, inbox, objects};

/// Largest activity accepted, read no further than this.
pub const MAX_INBOX_BODY: usize = 256 * 1024;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Federation: FromRef<S>,
{
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/2.1", get(nodeinfo))
        .route("/actor", get(actor_document))
        .route("/instance", get(instance_document))
        .route("/instance/inbox", post(inbox_post))
        .route("/actor/outbox", get(outbox_collection))
        .route("/actor/followers", get(followers_collection))
        .route("/actor/following", get(following_collection))
        .route("/inbox", post(inbox_post))
        .route("/actor/inbox", post(inbox_post))
        .route("/objects/{id}", get(object_get))
        .route("/ns", get(context_document))
}

/// Whether a request asks for ActivityPub JSON rather than a page.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            a.contains("application/activity+json") || a.contains("application/ld+json")
        })
}

/// Whether a request prefers a page to JSON: it names `text/html` with a
/// higher weight than any JSON type. `*/*`, `application/json` or no Accept
/// header get JSON, which is what key fetchers and verifiers send.
pub fn prefers_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut html: Option<f32> = None;
    let mut json: Option<f32> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let slot = match media.as_str() {
            "text/html" | "application/xhtml+xml" => &mut html,
            "application/activity+json" | "application/ld+json" | "application/json" => &mut json,
            _ => continue,
        };
        *slot = Some(slot.map_or(q, |old: f32| old.max(q)));
    }
    match (html, json) {
        (Some(h), Some(j)) => h > 0.0 && h > j,
        (Some(h), None) => h > 0.0,
        _ => false,
    }
}

/// Middleware: the home URL asked for ActivityPub redirects to the actor,
/// so that a node can be followed by its plain address.
pub async fn home_negotiation(request: Request, next: Next) -> Response {
    if request.uri().path() == "/"
        && request.method() == Method::GET
        && wants_activity_json(request.headers())
    {
        return Redirect::to("/actor").into_response();
    }
    next.run(request).await
}

fn activity_json(value: Value) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/activity+json; charset=utf-8"),
        )],
        axum::Json(value),
    )
        .into_response()
}

#[derive(Deserialize)]
struct WebfingerQuery {
    resource: Option<String>,
}

async fn webfinger(
    State(fed): State<Federation>,
    Query(q): Query<WebfingerQuery>,
) -> Result<Response, Error> {
    let local = actor::load(&fed).await?;
    let resource = q.resource.unwrap_or_default();
    let wanted = resource.strip_prefix("acct:").unwrap_or(&resource);
    let (name, host) = wanted.split_once('@').unwrap_or((wanted, ""));
    // The instance actor is `host@host`, as Mastodon names its own.
    if (name.eq_ignore_ascii_case(&local.host()) && host.eq_ignore_ascii_case(&local.host()))
        || resource == local.instance_id()
    {
        let doc = json!({
            "subject": format!("acct:{}@{}", local.host(), local.host()),
            "aliases": [local.instance_id()],
            "links": [
                { "rel": "self", "type": "application/activity+json", "href": local.instance_id() },
            ],
        });
        return Ok((
            [(header::CONTENT_TYPE, "application/jrd+json; charset=utf-8")],
            axum::Json(doc),
        )
            .into_response());
    }
    let ours = (name.eq_ignore_ascii_case(&local.row.username)
        && host.eq_ignore_ascii_case(&local.host()))
        || resource == local.id()
        || resource == format!("{}/", local.base());
    if !ours {
        return Err(Error::NotFound);
    }
    let doc = json!({
        "subject": format!("acct:{}@{}", local.row.username, local.host()),
        "aliases": [local.id(), format!("{}/", local.base())],
        "links": [
            { "rel": "self", "type": "application/activity+json", "href": local.id() },
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": format!("{}/", local.base()) },
        ],
    });
    Ok((
        [(header::CONTENT_TYPE, "application/jrd+json; charset=utf-8")],
        axum::Json(doc),
    )
        .into_response())
}

async fn nodeinfo_links(State(fed): State<Federation>) -> Result<Response, Error> {
    let local = actor::load(&fed).await?;
    Ok(axum::Json(json!({
        "links": [{
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": format!("{}/nodeinfo/2.1", local.base()),
        }]
    }))
    .into_response())
}

async fn nodeinfo(State(fed): State<Federation>) -> Result<Response, Error> {
    let doc = actor::nodeinfo(&fed).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
        )],
        axum::Json(doc),
    )
        .into_response())
}

async fn actor_document(
    State(fed): State<Federation>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let local = actor::load(&fed).await?;
    // One address, two answers: caches must keep them apart.
    let vary = [(header::VARY, HeaderValue::from_static("Accept"))];
    if prefers_html(&headers) {
        // People get a small profile at the same address.
        return Ok((vary, axum::response::Html(profile_page(&local))).into_response());
    }
    Ok((vary, activity_json(local.document())).into_response())
}

/// The JSON-LD context of the `noaber:` terms, at a path that never
/// changes (documented in docs/vocabulary.md).
async fn context_document() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/ld+json; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        axum::Json(actor::context_document()),
    )
        .into_response()
}

/// The instance actor is for machines only: always JSON.
async fn instance_document(State(fed): State<Federation>) -> Result<Response, Error> {
    let local = actor::load(&fed).await?;
    Ok(activity_json(local.instance_document()))
}

async fn outbox_collection(State(fed): State<Federation>) -> Result<Response, Error> {
    let local = actor::load(&fed).await?;
    let total = objects::public_count(&fed).await?;
    Ok(activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/actor/outbox", local.base()),
        "type": "OrderedCollection",
        "totalItems": total,
    })))
}

/// Counts only: who follows an initiative is its own business.
async fn followers_collection(State(fed): State<Federation>) -> Result<Response, Error> {
    let local = actor::load(&fed).await?;
    let (total, _) = follows::accepted_counts(&fed).await?;
    Ok(activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": local.followers(),
        "type": "OrderedCollection",
        "totalItems": total,
    })))
}

async fn following_collection(State(fed): State<Federation>) -> Result<Response, Error> {
    let local = actor::load(&fed).await?;
    let (_, total) = follows::accepted_counts(&fed).await?;
    Ok(activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/actor/following", local.base()),
        "type": "OrderedCollection",
        "totalItems": total,
    })))
}

async fn inbox_post(
    State(fed): State<Federation>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Refuse oversized bodies before reading them.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_INBOX_BODY) {
        return Error::TooLarge.into_response();
    }
    let bytes = match to_bytes(body, MAX_INBOX_BODY).await {
        Ok(b) => b,
        Err(_) => return Error::TooLarge.into_response(),
    };
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/inbox");
    match inbox::receive(&fed, &method, path, &headers, &bytes).await {
        Ok(_) => StatusCode::ACCEPTED.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn object_get(
    State(fed): State<Federation>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let local = actor::load(&fed).await?;
    let full = format!("{}/objects/{id}", local.base());
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    match objects::serve(&fed, &full, &method, path, &headers).await {
        Ok(v) => Ok(activity_json(v)),
        Err(Error::Gone) => {
            let (kind, deleted) = objects::deleted_info(&fed, &full)
                .await?
                .ok_or(Error::NotFound)?;
            let mut res = activity_json(objects::tombstone_document(&full, &kind, deleted));
            *res.status_mut() = StatusCode::GONE;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The actor as a page for people: who this is, and where to go.
fn profile_page(local: &actor::LocalActor) -> String {
    let kind = match local.row.kind.as_str() {
        "regional" => "Regionaal netwerk",
        "national" => "Landelijk netwerk",
        _ => "Bewonersinitiatief",
    };
    format!(
        "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name}</title><link rel=\"stylesheet\" href=\"/static/noaber.css\"></head>\
         <body><main class=\"wrap\"><h1>{name}</h1><p class=\"lead\">{kind} in {place}</p>\
         <p>Volgen op het fediverse: <strong>@{user}@{host}</strong></p>\
         <p><a class=\"button\" href=\"/\">Naar de website</a></p></main></body></html>",
        name = escape(&local.row.name),
        kind = kind,
        place = escape(&local.row.place),
        user = escape(&local.row.username),
        host = escape(&local.host()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = v {
            h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_requests_that_prefer_html_get_a_page() {
        for json in [
            None,
            Some("*/*"),
            Some("application/json"),
            Some("application/activity+json"),
            Some("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""),
            Some("application/json, text/html;q=0.5"),
            Some("text/html;q=0"),
        ] {
            assert!(!prefers_html(&accept(json)), "{json:?}");
        }
        for html in [
            Some("text/html"),
            Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Some("text/html, application/json;q=0.5"),
        ] {
            assert!(prefers_html(&accept(html)), "{html:?}");
        }
    }
}
