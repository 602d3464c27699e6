//! The public "Hulp vragen" form, for residents without a login.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};

use crate::app::AppState;
use crate::auth::extract::ClientAddr;
use crate::care::Error;
use crate::care::public_form::{self, PublicInput};
use crate::error::AppError;
use crate::validation::Invalid;
use crate::web::{PageCtx, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/hulp-vragen", get(show).post(submit))
}

#[derive(Template)]
#[template(path = "public_form.html")]
struct PublicPage {
    page: PageCtx,
    form: PublicInput,
    errors: Invalid,
    done: bool,
}

async fn show(page: PageCtx) -> Result<Response, AppError> {
    Ok(render(&PublicPage {
        page,
        form: PublicInput::default(),
        errors: Invalid::default(),
        done: false,
    })?
    .into_response())
}

async fn submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    page: PageCtx,
    Form(input): Form<PublicInput>,
) -> Result<Response, AppError> {
    match public_form::submit(&state.db, &addr.to_string(), &input).await {
        Ok(_) => Ok(render(&PublicPage {
            page,
            form: PublicInput::default(),
            errors: Invalid::default(),
            done: true,
        })?
        .into_response()),
        Err(Error::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&PublicPage {
                page,
                form: PublicInput {
                    website: String::new(),
                    ..input
                },
                errors,
                done: false,
            })?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
