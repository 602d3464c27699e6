//! Login, logout, and the user's own account page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::csrf::cookie_value;
use super::extract::{ClientAddr, CurrentUser, safe_next};
use super::{Error, login, session};
use crate::app::AppState;
use crate::error::AppError;
use crate::validation::Invalid;
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inloggen", get(login_page).post(login_submit))
        .route("/uitloggen", post(logout))
        .route("/account", get(show_account))
        .route("/account/wachtwoord", post(change_password))
        .route("/account/overal-uitloggen", post(logout_everywhere))
}

/// Adds the session cookie to a response.
pub async fn with_session_cookie(
    mut response: Response,
    state: &AppState,
    token: &str,
) -> Response {
    let secure = state.secure_cookies().await;
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        session::cookie_name(secure),
        u64::from(state.settings.auth.session_days) * 86_400,
        if secure { "; Secure" } else { "" }
    );
    crate::web::set_cookie(&mut response, &cookie);
    response
}

fn without_session_cookie(mut response: Response, secure: bool) -> Response {
    let cookie = format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        session::cookie_name(secure),
        if secure { "; Secure" } else { "" }
    );
    crate::web::set_cookie(&mut response, &cookie);
    response
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageCtx,
    username: String,
    next: String,
    expired: bool,
    message: Option<&'static str>,
    errors: Invalid,
}

#[derive(Deserialize)]
struct LoginQuery {
    volgende: Option<String>,
    verlopen: Option<String>,
}

async fn login_page(page: PageCtx, Query(q): Query<LoginQuery>) -> Result<Response, AppError> {
    if page.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.volgende.as_deref())).into_response());
    }
    Ok(render(&LoginPage {
        page,
        username: String::new(),
        next: safe_next(q.volgende.as_deref()),
        expired: q.verlopen.is_some(),
        message: None,
        errors: Invalid::default(),
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    username: String,
    password: String,
    volgende: String,
}

async fn login_submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    page: PageCtx,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let result = login::authenticate(
        &state.db,
        &state.settings.auth,
        &form.username,
        &form.password,
        &addr.to_string(),
    )
    .await;
    let mut retry_after = None;
    let (status, message, errors) = match result {
        Ok(account) => {
            let token =
                session::start(&state.db, account.id, state.settings.auth.session_days).await?;
            let next = safe_next(Some(&form.volgende));
            return Ok(with_session_cookie(
                flash_redirect(&next, "flash.logged_in"),
                &state,
                &token,
            )
            .await);
        }
        Err(Error::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, None, errors),
        Err(Error::BadCredentials) => (
            StatusCode::UNAUTHORIZED,
            Some("error.bad_credentials"),
            Invalid::default(),
        ),
        Err(Error::Throttled(seconds)) => {
            retry_after = Some(seconds);
            (
                StatusCode::TOO_MANY_REQUESTS,
                Some("error.throttled"),
                Invalid::default(),
            )
        }
        Err(Error::Disabled) => (
            StatusCode::FORBIDDEN,
            Some("error.account_disabled"),
            Invalid::default(),
        ),
        Err(e) => return Err(e.into()),
    };
    let body = render(&LoginPage {
        page,
        username: form.username.trim().to_owned(),
        next: safe_next(Some(&form.volgende)),
        expired: false,
        message,
        errors,
    })?;
    let mut response = (status, body).into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, seconds.into());
    }
    Ok(response)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let secure = state.secure_cookies().await;
    if let Some(token) = cookie_value(&headers, session::cookie_name(secure)) {
        session::end(&state.db, &token).await?;
    }
    Ok(without_session_cookie(
        flash_redirect("/inloggen", "flash.logged_out"),
        secure,
    ))
}

async fn logout_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let ended = session::end_all(&state.db, user.0.id).await?;
    tracing::info!(user_id = user.0.id, ended, "logged out everywhere");
    Ok(without_session_cookie(
        flash_redirect("/inloggen", "flash.logged_out_everywhere"),
        state.secure_cookies().await,
    ))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: PageCtx,
    errors: Invalid,
    /// The address for notices, for coordinators while mail is on.
    notice: Option<NoticeAddress>,
}

struct NoticeAddress {
    email: String,
    errors: Invalid,
}

/// The account page; `email` is what the coordinator typed, when the
/// address form is shown again with an error.
pub async fn account_page(
    state: &AppState,
    page: PageCtx,
    errors: Invalid,
    email_errors: Invalid,
    typed_email: String,
) -> Result<axum::response::Html<String>, AppError> {
    let notice = match &page.user {
        Some(u) if u.role.at_least(crate::accounts::Role::Coordinator) => {
            let stored = crate::accounts::service::notice_email(&state.db, u.id).await?;
            // Shown while mail is on, to say why an address was not saved,
            // and while one is stored, so that it can be removed.
            let show = state.mail.is_on() || !email_errors.is_empty() || stored.is_some();
            show.then(|| NoticeAddress {
                email: if email_errors.is_empty() {
                    stored.unwrap_or_default()
                } else {
                    typed_email
                },
                errors: email_errors,
            })
        }
        _ => None,
    };
    render(&AccountPage {
        page,
        errors,
        notice,
    })
}

async fn show_account(
    State(state): State<AppState>,
    _user: CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    Ok(account_page(
        &state,
        page,
        Invalid::default(),
        Invalid::default(),
        String::new(),
    )
    .await?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    password: String,
}

async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    match crate::accounts::service::change_own_password(
        &state.db,
        user.0.id,
        &form.current_password,
        &form.password,
    )
    .await
    {
        Ok(()) => {
            // Every session ended with the change; this browser gets a new one.
            let token =
                session::start(&state.db, user.0.id, state.settings.auth.session_days).await?;
            Ok(with_session_cookie(
                flash_redirect("/account", "flash.password_changed"),
                &state,
                &token,
            )
            .await)
        }
        Err(crate::accounts::Error::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            account_page(&state, page, errors, Invalid::default(), String::new()).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
