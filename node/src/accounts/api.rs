//! `/api/v1/users`: accounts for integrations and scripts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, AccountChange};
use super::{Account, NewAccount, Role};
use crate::api::{ApiJson, ApiQuery, IdPath};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::{AppError, ErrorBody};
use crate::pagination::{ListQuery, Page};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(reset_password))
}

/// Accounts, by username (coordinators and admins).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<Account>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<Account>>, AppError> {
    user.require(Role::Coordinator)?;
    Ok(Json(
        service::list(&state.db, query.search(), query.page_request()).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    username: String,
    #[serde(default)]
    display_name: String,
    /// `admin`, `coordinator` or `volunteer`.
    role: String,
    /// At least 10 characters.
    password: String,
}

/// Creates an account (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUser,
    security(("bearer" = [])),
    responses((status = 201, body = Account), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<Account>), AppError> {
    user.require(Role::Admin)?;
    let account = service::create(
        &state.db,
        &NewAccount {
            username: body.username,
            display_name: body.display_name,
            role: body.role,
            password: body.password,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(account)))
}

/// One account (coordinators and admins).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i32, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Account), (status = 404, body = ErrorBody)))]
async fn get_user(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<Account>, AppError> {
    user.require(Role::Coordinator)?;
    Ok(Json(service::get(&state.db, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    display_name: Option<String>,
    role: Option<String>,
    disabled: Option<bool>,
}

/// Changes name, role or disabled state (admin). Disabling ends the
/// account's sessions; the last active admin cannot be demoted or disabled.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i32, Path)),
    request_body = UpdateUser, security(("bearer" = [])),
    responses((status = 200, body = Account), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<Json<Account>, AppError> {
    user.require(Role::Admin)?;
    let change = AccountChange {
        display_name: body.display_name,
        role: body.role,
        disabled: body.disabled,
    };
    Ok(Json(service::update(&state.db, id, &change).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    password: String,
}

/// Sets a new password for an account (admin) and ends its sessions.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", params(("id" = i32, Path)),
    request_body = NewPassword, security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<NewPassword>,
) -> Result<StatusCode, AppError> {
    user.require(Role::Admin)?;
    service::set_password(&state.db, id, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
