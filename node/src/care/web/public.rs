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
use crate::care::public_form::{self, FormSettings, PublicInput};
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
    settings: FormSettings,
    categories: Vec<crate::care::categories::Category>,
}

/// The label of a field of the public form, for the error summary.
fn public_label(field: &str) -> &'static str {
    match field {
        "name" => "public.name",
        "contact" => "public.contact",
        "category_id" => "public.category",
        "wanted_date" => "public.when",
        _ => "public.description",
    }
}

impl PublicPage {
    /// "We bellen u binnen 2 werkdagen terug" with the number filled in.
    fn callback(&self) -> String {
        self.page
            .t
            .t("public.callback")
            .replace("{dagen}", &self.settings.callback_days.to_string())
    }
}

async fn public_page(
    state: &AppState,
    page: PageCtx,
    form: PublicInput,
    errors: Invalid,
    done: bool,
) -> Result<PublicPage, AppError> {
    Ok(PublicPage {
        page,
        form,
        errors,
        done,
        settings: public_form::form_settings(&state.db).await?,
        categories: crate::care::categories::list(&state.db, true).await?,
    })
}

async fn show(State(state): State<AppState>, page: PageCtx) -> Result<Response, AppError> {
    let p = public_page(
        &state,
        page,
        PublicInput::default(),
        Invalid::default(),
        false,
    )
    .await?;
    Ok(render(&p)?.into_response())
}

async fn submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    page: PageCtx,
    Form(input): Form<PublicInput>,
) -> Result<Response, AppError> {
    match public_form::submit(&state.db, &addr.to_string(), &input).await {
        Ok(outcome) => {
            if let public_form::Outcome::Received { request_id } = outcome {
                state
                    .notifier()
                    .await
                    .after_public_request(request_id)
                    .await;
            }
            let p = public_page(
                &state,
                page,
                PublicInput::default(),
                Invalid::default(),
                true,
            )
            .await?;
            Ok(render(&p)?.into_response())
        }
        Err(Error::Invalid(errors)) => {
            let kept = PublicInput {
                website: String::new(),
                ..input
            };
            let p = public_page(&state, page, kept, errors, false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
