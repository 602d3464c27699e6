//! Account pages: the list (coordinators and admins), create and edit (admins).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::service::{self, AccountChange};
use super::{AccountList, Error, NewAccount, Role};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::auth::extract::encode;
use crate::error::AppError;
use crate::pagination::ListQuery;
use crate::validation::Invalid;
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/gebruikers", get(list))
        .route("/gebruikers/nieuw", get(new_form).post(create))
        .route("/gebruikers/{id}", get(edit_form).post(update))
}

#[derive(Template)]
#[template(path = "users.html")]
struct ListPage {
    page: PageCtx,
    list: AccountList,
    q: String,
    q_encoded: String,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let list = service::list(&state.db, query.search(), query.page_request()).await?;
    let q = query.search().unwrap_or("").to_owned();
    Ok(render(&ListPage {
        page,
        list,
        q_encoded: encode(&q),
        q,
    })?
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserForm {
    username: String,
    display_name: String,
    role: String,
    password: String,
    disabled: Option<String>,
    /// For a volunteer's login: the volunteer (member id) it belongs to.
    volunteer: String,
}

/// What the form shows, with the password never echoed back.
#[derive(Debug, Default)]
struct UserFormView {
    username: String,
    display_name: String,
    role: String,
    disabled: bool,
    volunteer: String,
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct FormPage {
    page: PageCtx,
    form: UserFormView,
    errors: Invalid,
    edit_id: Option<i32>,
    roles: [Role; 3],
    password_hint: &'static str,
    /// Volunteers without a login, for a volunteer account that has none.
    volunteers: Vec<(i32, String)>,
    /// Whether the form asks which volunteer: for a new account, and for
    /// one not linked to a volunteer yet.
    ask_volunteer: bool,
}

fn form_page(page: PageCtx, form: UserFormView, errors: Invalid, edit_id: Option<i32>) -> FormPage {
    FormPage {
        page,
        form,
        errors,
        edit_id,
        volunteers: Vec::new(),
        ask_volunteer: edit_id.is_none(),
        roles: [Role::Volunteer, Role::Coordinator, Role::Admin],
        password_hint: if edit_id.is_some() {
            "user.password_reset_hint"
        } else {
            "user.password_hint"
        },
    }
}

async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let view = UserFormView {
        role: Role::Volunteer.as_str().into(),
        ..Default::default()
    };
    let mut p = form_page(page, view, Invalid::default(), None);
    p.volunteers = crate::care::members::volunteers_without_login(&state.db).await?;
    Ok(render(&p)?.into_response())
}

/// A volunteer's login must belong to a volunteer, or saving hours and
/// seeing tasks would fail later: the choice is checked before anything is
/// made.
fn chosen_volunteer(form: &UserForm, free: &[(i32, String)]) -> Result<Option<i32>, Invalid> {
    if form.role != Role::Volunteer.as_str() {
        return Ok(None);
    }
    if free.is_empty() {
        return Err(Invalid::one(
            "volunteer",
            "error.no_volunteer_without_login",
        ));
    }
    match form.volunteer.trim().parse::<i32>() {
        Ok(id) if free.iter().any(|(m, _)| *m == id) => Ok(Some(id)),
        _ => Err(Invalid::one("volunteer", "error.choose_volunteer")),
    }
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(form): Form<UserForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let input = NewAccount {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        role: form.role.clone(),
        password: form.password.clone(),
    };
    let free = crate::care::members::volunteers_without_login(&state.db).await?;
    let errors = match chosen_volunteer(&form, &free) {
        Err(errors) => errors,
        Ok(volunteer) => match service::create(&state.db, &input).await {
            Ok(account) => {
                let Some(member_id) = volunteer else {
                    return Ok(flash_redirect("/gebruikers", "flash.user_created"));
                };
                if crate::care::members::link_login(&state.db, member_id, account.id).await? {
                    return Ok(flash_redirect(
                        "/gebruikers",
                        "flash.volunteer_login_created",
                    ));
                }
                // Someone linked this volunteer meanwhile: the account
                // exists, and the list says it is not linked.
                return Ok(flash_redirect("/gebruikers", "flash.user_created_unlinked"));
            }
            Err(Error::Invalid(errors)) => errors,
            Err(Error::UsernameTaken) => Invalid::one("username", "error.username_taken"),
            Err(e) => return Err(e.into()),
        },
    };
    let view = UserFormView {
        username: form.username,
        display_name: form.display_name,
        role: form.role,
        disabled: false,
        volunteer: form.volunteer,
    };
    let mut p = form_page(page, view, errors, None);
    p.volunteers = free;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
}

async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let id = parse_id(&id)?;
    let account = service::get(&state.db, id).await?;
    let view = UserFormView {
        username: account.username,
        display_name: account.display_name,
        role: account.role.as_str().into(),
        disabled: account.disabled,
        volunteer: String::new(),
    };
    let mut p = form_page(page, view, Invalid::default(), Some(id));
    if crate::care::members::volunteer_of_user(&state.db, id)
        .await?
        .is_none()
    {
        p.ask_volunteer = true;
        p.volunteers = crate::care::members::volunteers_without_login(&state.db).await?;
    }
    Ok(render(&p)?.into_response())
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<UserForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let id = parse_id(&id)?;
    let account = service::get(&state.db, id).await?;
    // An account that becomes a volunteer's login needs its volunteer,
    // unless it has one already.
    let linked = crate::care::members::volunteer_of_user(&state.db, id)
        .await?
        .is_some();
    let free = if linked {
        Vec::new()
    } else {
        crate::care::members::volunteers_without_login(&state.db).await?
    };
    // Asked only when the account becomes a volunteer's login now (or a
    // volunteer was chosen): an old unlinked volunteer account (made on the
    // command line, or of an erased volunteer) can still be renamed or
    // disabled.
    let becomes_volunteer =
        account.role != Role::Volunteer && form.role == Role::Volunteer.as_str();
    // Demoting the last admin is refused below, whatever else: that error
    // comes first, not a question about a volunteer.
    let demotes_last_admin = account.role == Role::Admin
        && !account.disabled
        && (form.role != Role::Admin.as_str() || form.disabled.is_some())
        && service::active_admins(state.db.read()).await? <= 1;
    let volunteer =
        if demotes_last_admin || linked || (!becomes_volunteer && form.volunteer.trim().is_empty())
        {
            Ok(None)
        } else {
            chosen_volunteer(&form, &free)
        };
    let change = AccountChange {
        display_name: Some(form.display_name.clone()),
        role: Some(form.role.clone()),
        disabled: Some(form.disabled.is_some()),
    };
    let result = async {
        let volunteer = volunteer?;
        // Check the new password before changing anything, so that a weak
        // one leaves the account exactly as it was.
        if !form.password.is_empty() {
            let mut errors = Invalid::default();
            super::password::check_strength(
                &mut errors,
                "password",
                &form.password,
                &account.username,
            );
            errors.into_result()?;
        }
        service::update(&state.db, id, &change).await?;
        if !form.password.is_empty() {
            service::set_password(&state.db, id, &form.password).await?;
        }
        Ok::<_, Error>(volunteer)
    }
    .await;
    let errors = match result {
        Ok(None) => return Ok(flash_redirect("/gebruikers", "flash.saved")),
        Ok(Some(member_id)) => {
            let flash = if crate::care::members::link_login(&state.db, member_id, id).await? {
                "flash.volunteer_login_linked"
            } else {
                "flash.volunteer_login_not_linked"
            };
            return Ok(flash_redirect("/gebruikers", flash));
        }
        Err(Error::Invalid(errors)) => errors,
        Err(Error::LastAdmin) => Invalid::one("role", "error.last_admin"),
        Err(e) => return Err(e.into()),
    };
    let view = UserFormView {
        username: account.username,
        display_name: form.display_name,
        role: form.role,
        disabled: form.disabled.is_some(),
        volunteer: form.volunteer,
    };
    let mut p = form_page(page, view, errors, Some(id));
    p.ask_volunteer = !linked;
    p.volunteers = free;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
}

fn parse_id(raw: &str) -> Result<i32, AppError> {
    raw.parse::<i32>().map_err(|_| AppError::NotFound)
}
