//! The setup page, shown only while the node has no admin.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use noaber_federation::NodeKind;
use serde::Deserialize;

use super::{SetupInput, kind_options};
use crate::app::AppState;
use crate::auth::web::with_session_cookie;
use crate::error::AppError;
use crate::profile::ProfileInput;
use crate::validation::Invalid;
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/installatie", get(show).post(submit))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    name: String,
    kind: String,
    place: String,
    base_url: String,
    admin_username: String,
    admin_name: String,
    admin_password: String,
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    page: PageCtx,
    form: SetupForm,
    errors: Invalid,
    kinds: [(NodeKind, &'static str); 3],
}

async fn show(State(state): State<AppState>, page: PageCtx) -> Result<Response, AppError> {
    if !super::is_needed(&state.db).await? {
        return Err(AppError::NotFound);
    }
    let form = SetupForm {
        kind: NodeKind::Initiative.as_str().into(),
        ..Default::default()
    };
    Ok(render(&SetupPage {
        page,
        form,
        errors: Invalid::default(),
        kinds: kind_options(),
    })?
    .into_response())
}

async fn submit(
    State(state): State<AppState>,
    page: PageCtx,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    if !super::is_needed(&state.db).await? {
        return Err(AppError::NotFound);
    }
    let input = SetupInput {
        profile: ProfileInput {
            name: form.name.clone(),
            kind: form.kind.clone(),
            place: form.place.clone(),
            region: String::new(),
            initiative_type: String::new(),
            base_url: form.base_url.clone(),
        },
        admin_username: form.admin_username.clone(),
        admin_name: form.admin_name.clone(),
        admin_password: form.admin_password.clone(),
    };
    match super::run(&state.db, &state.federation, &input).await {
        Ok((_, admin)) => {
            state.refresh_profile().await?;
            let token =
                crate::auth::session::start(&state.db, admin.id, state.settings.auth.session_days)
                    .await?;
            Ok(with_session_cookie(flash_redirect("/", "flash.setup_done"), &state, &token).await)
        }
        Err(super::Error::Invalid(errors))
        | Err(super::Error::Accounts(crate::accounts::Error::Invalid(errors))) => {
            let page = SetupPage {
                page,
                form: SetupForm {
                    admin_password: String::new(),
                    ..form
                },
                errors,
                kinds: kind_options(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
