//! `/api/v1/node`: the node's public profile.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{NodeProfile, ProfileInput};
use crate::accounts::Role;
use crate::api::ApiJson;
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::{AppError, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_node, update_node))
}

/// The node's profile. Public: it says no more than the home page.
#[utoipa::path(get, path = "/api/v1/node", tag = "node",
    responses((status = 200, body = NodeProfile), (status = 409, body = ErrorBody)))]
async fn get_node(State(state): State<AppState>) -> Result<Json<NodeProfile>, AppError> {
    Ok(Json(super::require(&state.db).await?))
}

/// Fields to change; the ones left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeChange {
    name: Option<String>,
    kind: Option<String>,
    place: Option<String>,
    /// The region the network counts the node in; empty to clear.
    region: Option<String>,
    /// stadsdorp, zorgcooperatie, noaberzorgpunt, dorpscooperatie,
    /// buurtinitiatief or anders; empty to clear.
    initiative_type: Option<String>,
    base_url: Option<String>,
}

/// Changes the node's profile (admin).
#[utoipa::path(patch, path = "/api/v1/node", tag = "node", request_body = NodeChange,
    security(("bearer" = [])),
    responses((status = 200, body = NodeProfile), (status = 422, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn update_node(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(change): ApiJson<NodeChange>,
) -> Result<Json<NodeProfile>, AppError> {
    user.require(Role::Admin)?;
    let current = super::require(&state.db).await?;
    let input = ProfileInput {
        name: change.name.unwrap_or(current.name),
        kind: change
            .kind
            .unwrap_or_else(|| current.kind.as_str().to_owned()),
        place: change.place.unwrap_or(current.place),
        region: change
            .region
            .unwrap_or_else(|| current.region.unwrap_or_default()),
        initiative_type: change
            .initiative_type
            .unwrap_or_else(|| current.initiative_type.unwrap_or_default()),
        base_url: change.base_url.unwrap_or(current.base_url),
    };
    let updated = super::update(&state.db, &state.federation, &input).await?;
    state.refresh_profile().await?;
    Ok(Json(updated))
}
