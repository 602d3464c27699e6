//! The JSON API under `/api/v1`: shared extractors and the OpenAPI document.
//!
//! Every area puts its API handlers in its own `api.rs`; this module merges
//! them and serves `/api/v1/openapi.json`, generated from those handlers.
//! The API authenticates with bearer tokens only.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use crate::error::AppError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Noaber API",
        description = "JSON API of a Noaber node. Authenticate with `Authorization: Bearer <token>`; \
                       create a token with `noaber token create --user NAME`. Errors are \
                       `{error, message, field?}`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and their OpenAPI description.
fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::profile::api::router())
        .merge(crate::accounts::api::router())
        .merge(crate::auth::api::router())
        .merge(crate::care::api::router())
        .merge(crate::network::api::router())
        .merge(crate::knowledge::api::router())
        .merge(crate::figures::api::router())
        .split_for_parts()
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().1
}

pub fn router() -> Router<AppState> {
    let (router, doc) = documented();
    let doc = std::sync::Arc::new(doc);
    router.route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json((*doc).clone()) }
        }),
    )
}

/// A JSON body whose errors name the field at fault.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v == "application/json" || v.ends_with("+json")
            });
        if !is_json {
            return Err(AppError::MediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::TooLarge)?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(value) => Ok(Self(value)),
            Err(err) => {
                let path = err.path().to_string();
                let inner = err.into_inner();
                let field = (path != "." && !path.is_empty()).then_some(path);
                let message = if inner.is_syntax() || inner.is_eof() {
                    "error.json_syntax"
                } else {
                    "error.json_data"
                };
                Err(AppError::BadRequest { field, message })
            }
        }
    }
}

/// A numeric id in the path; anything else is simply not found.
pub struct IdPath(pub i32);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| AppError::NotFound)?;
        raw.parse().map(Self).map_err(|_| AppError::NotFound)
    }
}

/// Query parameters; a malformed query string is a 400 naming `query`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or("");
        query_string::decode(query)
            .map(Self)
            .map_err(|_| AppError::BadRequest {
                field: Some("query".into()),
                message: "error.bad_request",
            })
    }
}

mod query_string {
    use serde::de::DeserializeOwned;

    /// Decodes `a=1&b=2` into a struct of optional strings.
    pub fn decode<T: DeserializeOwned>(query: &str) -> Result<T, serde_json::Error> {
        let map: serde_json::Map<String, serde_json::Value> =
            form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
                .collect();
        serde_json::from_value(serde_json::Value::Object(map))
    }
}
