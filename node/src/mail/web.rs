//! Pages for mail: the answer page behind the link in a volunteer's mail,
//! the admin's mail page (is it on, did it work, send a test), and a
//! coordinator's own address for notices on their account page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Utc;
use serde::Deserialize;

use super::links::{self, Error as LinkError};
use crate::accounts::Role;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::care::dutch;
use crate::entity::help_request;
use crate::error::AppError;
use crate::validation::Invalid;
use crate::web::{PageCtx, flash_redirect, render};
use sea_orm::EntityTrait;

pub fn router() -> Router<AppState> {
    Router::new()
        // The code goes in the query, not the path: request logs show the
        // path only.
        .route("/antwoord", get(answer_page).post(answer))
        .route("/instellingen/e-mail", get(settings_page))
        .route("/instellingen/e-mail/test", post(send_test))
        .route("/account/e-mail", post(save_own_address))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CodeQuery {
    code: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AnswerForm {
    code: String,
    antwoord: String,
}

/// What the answer page shows about the request.
struct Question {
    category: String,
    when: String,
}

#[derive(Template)]
#[template(path = "answer.html")]
struct AnswerPage {
    page: PageCtx,
    heading: &'static str,
    message: Option<&'static str>,
    question: Option<Question>,
    code: String,
    /// After a yes: where the volunteer finds the details, if they can log in.
    tasks_link: bool,
    /// The initiative's phone number, where the page says to call.
    phone: Option<String>,
}

impl AnswerPage {
    fn new(page: PageCtx, heading: &'static str) -> Self {
        Self {
            page,
            heading,
            message: None,
            question: None,
            code: String::new(),
            tasks_link: false,
            phone: None,
        }
    }
}

/// A link that cannot be used: the page that says why, and its status.
async fn refused(state: &AppState, page: PageCtx, e: LinkError) -> Result<Response, AppError> {
    let (status, heading, message) = match e {
        LinkError::Unknown => (
            StatusCode::NOT_FOUND,
            "answer.unknown_title",
            "answer.unknown_text",
        ),
        LinkError::Used => (
            StatusCode::CONFLICT,
            "answer.used_title",
            "answer.used_text",
        ),
        LinkError::Expired => (
            StatusCode::GONE,
            "answer.expired_title",
            "answer.expired_text",
        ),
        LinkError::Closed => (
            StatusCode::CONFLICT,
            "answer.closed_title",
            "answer.closed_text",
        ),
        LinkError::Care(e) => return Err(e.into()),
        LinkError::Db(e) => return Err(e.into()),
    };
    let mut p = AnswerPage::new(page, heading);
    p.message = Some(message);
    p.phone = contact_phone(state).await?;
    Ok((status, render(&p)?).into_response())
}

async fn contact_phone(state: &AppState) -> Result<Option<String>, AppError> {
    Ok(crate::care::public_form::form_settings(&state.db)
        .await?
        .contact_phone)
}

async fn answer_page(
    State(state): State<AppState>,
    page: PageCtx,
    Query(q): Query<CodeQuery>,
) -> Result<Response, AppError> {
    let open = match links::open(&state.db, &q.code, Utc::now()).await {
        Ok(open) => open,
        Err(e) => return refused(&state, page, e).await,
    };
    let Some(r) = help_request::Entity::find_by_id(open.question.request_id)
        .one(state.db.read())
        .await?
    else {
        return refused(&state, page, LinkError::Closed).await;
    };
    let cats = crate::care::categories::names(&state.db).await?;
    let mut p = AnswerPage::new(page, "answer.title");
    p.question = Some(Question {
        category: cats.get(&r.category_id).cloned().unwrap_or_default(),
        when: super::notices::when(r.wanted_date, &r.wanted_part),
    });
    p.code = q.code;
    Ok(render(&p)?.into_response())
}

async fn answer(
    State(state): State<AppState>,
    page: PageCtx,
    Form(form): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let accept = match form.antwoord.as_str() {
        "ja" => true,
        "nee" => false,
        _ => {
            return Err(AppError::BadRequest {
                field: Some("antwoord".into()),
                message: "error.answer_choice",
            });
        }
    };
    let answered = match links::answer(&state.db, &form.code, accept, Utc::now()).await {
        Ok(answered) => answered,
        Err(e) => return refused(&state, page, e).await,
    };
    let match_id = answered.question.id;
    let has_login = answered.volunteer.user_id.is_some();
    state
        .notifier()
        .await
        .after_answer(false, match_id, accept)
        .await;
    let mut p = AnswerPage::new(
        page,
        if accept {
            "answer.yes_title"
        } else {
            "answer.no_title"
        },
    );
    p.message = Some(if accept {
        if has_login {
            "answer.yes_text_login"
        } else {
            "answer.yes_text"
        }
    } else {
        "answer.no_text"
    });
    p.tasks_link = accept && has_login;
    Ok(render(&p)?.into_response())
}

#[derive(Template)]
#[template(path = "mail_settings.html")]
struct SettingsPage {
    page: PageCtx,
    /// Server and sender, when mail is on.
    server: Option<(String, String)>,
    counts: super::outbox::Counts,
    /// Coordinators and admins with an address for notices.
    receivers: usize,
    to: String,
    errors: Invalid,
    sent_test: bool,
}

async fn settings(
    state: &AppState,
    page: PageCtx,
    to: String,
    errors: Invalid,
    sent_test: bool,
) -> Result<SettingsPage, AppError> {
    Ok(SettingsPage {
        page,
        server: state.mail.describe(),
        counts: super::outbox::counts(&state.db).await?,
        receivers: crate::accounts::service::notice_addresses(state.db.read())
            .await?
            .len(),
        to,
        errors,
        sent_test,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SentQuery {
    verstuurd: String,
}

async fn settings_page(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<SentQuery>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let p = settings(
        &state,
        page,
        String::new(),
        Invalid::default(),
        q.verstuurd == "1",
    )
    .await?;
    Ok(render(&p)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TestForm {
    to: String,
}

async fn send_test(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(form): Form<TestForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let to = form.to.trim().to_owned();
    let problem = if !state.mail.is_on() {
        Some("error.mail_off")
    } else if !dutch::valid_email(&to) {
        Some("error.email")
    } else {
        None
    };
    if let Some(message) = problem {
        let p = settings(&state, page, to, Invalid::one("to", message), false).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    }
    state.notifier().await.test(&to).await?;
    Ok(axum::response::Redirect::to("/instellingen/e-mail?verstuurd=1").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AddressForm {
    email: String,
}

async fn save_own_address(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(form): Form<AddressForm>,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    // Clearing an address is always possible, also with mail off.
    let saved = if state.mail.is_on() || form.email.trim().is_empty() {
        crate::accounts::service::set_notice_email(&state.db, user.0.id, &form.email).await
    } else {
        Err(Invalid::one("email", "error.mail_off").into())
    };
    match saved {
        Ok(()) => Ok(flash_redirect("/account", "flash.notice_email_saved")),
        Err(crate::accounts::Error::Invalid(errors)) => {
            let p = crate::auth::web::account_page(
                &state,
                page,
                Invalid::default(),
                errors,
                form.email,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
