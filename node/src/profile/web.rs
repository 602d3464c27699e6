//! The settings page where an admin changes the node's profile.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use noaber_federation::NodeKind;
use serde::Deserialize;

use super::{Error, ProfileInput};
use crate::accounts::Role;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::setup::kind_options;
use crate::validation::Invalid;
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/instellingen", get(show).post(save))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SettingsForm {
    name: String,
    kind: String,
    place: String,
    region: String,
    initiative_type: String,
    base_url: String,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    page: PageCtx,
    form: SettingsForm,
    errors: Invalid,
    kinds: [(NodeKind, &'static str); 3],
    types: &'static [(&'static str, &'static str)],
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let p = super::require(&state.db).await?;
    let form = SettingsForm {
        name: p.name,
        kind: p.kind.as_str().into(),
        place: p.place,
        region: p.region.unwrap_or_default(),
        initiative_type: p.initiative_type.unwrap_or_default(),
        base_url: p.base_url,
    };
    Ok(render(&SettingsPage {
        page,
        form,
        errors: Invalid::default(),
        kinds: kind_options(),
        types: super::INITIATIVE_TYPES,
    })?
    .into_response())
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let input = ProfileInput {
        name: form.name.clone(),
        kind: form.kind.clone(),
        place: form.place.clone(),
        region: form.region.clone(),
        initiative_type: form.initiative_type.clone(),
        base_url: form.base_url.clone(),
    };
    match super::update(&state.db, &state.federation, &input).await {
        Ok(_) => {
            state.refresh_profile().await?;
            Ok(flash_redirect("/instellingen", "flash.saved"))
        }
        Err(Error::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&SettingsPage {
                page,
                form,
                errors,
                kinds: kind_options(),
                types: super::INITIATIVE_TYPES,
            })?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
