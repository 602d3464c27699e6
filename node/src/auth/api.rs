//! `/api/v1/me` and `/api/v1/tokens`: the caller's own account and tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::token::{self, CreatedToken, TokenInfo};
use super::{ApiUser, session};
use crate::accounts::{self, Account, Role};
use crate::api::{ApiJson, IdPath};
use crate::app::AppState;
use crate::error::{AppError, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(logout_everywhere))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// The account behind the token.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Account), (status = 401, body = ErrorBody)))]
async fn me(user: ApiUser) -> Json<Account> {
    Json(user.0)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    password: String,
}

/// Changes the caller's own password; ends their browser sessions.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", request_body = PasswordChange,
    security(("bearer" = [])),
    responses((status = 204), (status = 422, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, AppError> {
    accounts::service::change_own_password(
        &state.db,
        user.0.id,
        &body.current_password,
        &body.password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ended {
    /// Number of browser sessions that were ended.
    pub ended: u64,
}

/// Ends every browser session of the caller ("log out everywhere").
#[utoipa::path(post, path = "/api/v1/me/logout-everywhere", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Ended)))]
async fn logout_everywhere(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Ended>, AppError> {
    let ended = session::end_all(&state.db, user.0.id).await?;
    Ok(Json(Ended { ended }))
}

/// The caller's tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = [TokenInfo])))]
async fn list_tokens(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<TokenInfo>>, AppError> {
    Ok(Json(token::list(&state.db, Some(user.0.id)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[serde(default)]
    label: String,
    /// Days until it expires; 0 for never. Default 365.
    days: Option<u32>,
}

/// Creates a token for the caller; the secret is in this response only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewToken,
    security(("bearer" = [])),
    responses((status = 201, body = CreatedToken), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), AppError> {
    let created =
        token::create(&state.db, user.0.id, &body.label, body.days.unwrap_or(365)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a token: the caller's own, or any token for an admin.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = i32, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = TokenInfo), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<TokenInfo>, AppError> {
    let owner = (!user.0.role.at_least(Role::Admin)).then_some(user.0.id);
    Ok(Json(token::revoke(&state.db, id, owner).await?))
}
