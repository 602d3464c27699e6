//! Pages for the daily care work.

mod activities;
mod members;
mod other;
mod public;
mod reports;
mod requests;

use askama::Template;
use axum::Router;

use crate::app::AppState;
use crate::error::AppError;
use crate::web::components::{FormSpec, Kind, ListSpec};
use crate::web::{PageCtx, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(members::router())
        .merge(activities::router())
        .merge(requests::router())
        .merge(other::router())
        .merge(public::router())
        .merge(reports::router())
}

#[derive(Template)]
#[template(path = "generic_form.html")]
pub(crate) struct FormPage {
    pub page: PageCtx,
    pub form: FormSpec,
}

#[derive(Template)]
#[template(path = "generic_list.html")]
pub(crate) struct ListPage {
    pub page: PageCtx,
    pub list: ListSpec,
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub(crate) struct ConfirmPage {
    pub page: PageCtx,
    pub title: &'static str,
    /// Whom or what it is about, named in the heading.
    pub subject: String,
    pub text: &'static str,
    pub button: &'static str,
    pub action: String,
    pub back: String,
    /// Hidden fields the confirming form sends along.
    pub fields: Vec<(&'static str, String)>,
}

/// The first step of a form that needs a person: search by name, pick
/// from the results (a link that carries the id on), or take another way.
pub(crate) struct PickSpec {
    pub title: &'static str,
    pub intro: &'static str,
    /// This page; the search and each pick come back to it.
    pub action: String,
    /// The query parameter a pick sets, e.g. `lid`.
    pub param: &'static str,
    pub filter: crate::care::members::Filter,
    pub q: String,
    /// Other ways on: (href, label key).
    pub others: Vec<(String, &'static str)>,
    pub back: (String, &'static str),
}

#[derive(Template)]
#[template(path = "pick.html")]
pub(crate) struct PickPage {
    pub page: PageCtx,
    pub spec: PickSpec,
    /// (href, name, detail such as the neighbourhood)
    pub found: Vec<(String, String, String)>,
    pub searched: bool,
}

/// How many people a name search shows at once.
const PICK_LIMIT: u64 = 20;

/// The people whose name (or phone, neighbourhood…) holds `q`, at most
/// `limit`; `None` when nothing was typed. Every "find by name" step of the
/// pages uses this.
pub(crate) async fn find_people(
    state: &crate::app::AppState,
    q: &str,
    filter: crate::care::members::Filter,
    limit: u64,
) -> Result<Option<Vec<crate::care::members::MemberSummary>>, AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(None);
    }
    let page = crate::pagination::PageRequest {
        page: 1,
        per_page: limit,
    };
    Ok(Some(
        crate::care::members::list(&state.db, Some(q), filter, page)
            .await?
            .items,
    ))
}

pub(crate) async fn pick(
    state: &crate::app::AppState,
    page: PageCtx,
    spec: PickSpec,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let found = find_people(state, &spec.q, spec.filter, PICK_LIMIT).await?;
    let searched = found.is_some();
    let sep = if spec.action.contains('?') { '&' } else { '?' };
    let found = found
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            (
                format!("{}{sep}{}={}", spec.action, spec.param, m.id),
                m.name,
                m.neighbourhood.unwrap_or_default(),
            )
        })
        .collect();
    Ok(render(&PickPage {
        page,
        searched,
        spec,
        found,
    })?
    .into_response())
}

pub(crate) fn form(page: PageCtx, form: FormSpec) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let status = if form.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&FormPage { page, form })?).into_response())
}

pub(crate) fn list(page: PageCtx, list: ListSpec) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    Ok(render(&ListPage { page, list })?.into_response())
}

/// The acting coordinator, or 403 for anyone else.
pub(crate) fn coordinator(user: &crate::auth::CurrentUser) -> Result<crate::care::Actor, AppError> {
    Ok(crate::care::Actor::of(
        user.require(crate::accounts::Role::Coordinator)?,
    ))
}

/// A numeric id from the path; anything else is simply not found.
pub(crate) fn id_of(raw: &str) -> Result<i32, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// `?page=` joins a list URL that may already have a query.
pub(crate) fn page_base(path: &str, q: Option<&str>, extra: &[(&str, &str)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(q) = q {
        parts.push(format!("q={}", crate::auth::extract::encode(q)));
    }
    for (k, v) in extra {
        if !v.is_empty() {
            parts.push(format!("{k}={}", crate::auth::extract::encode(v)));
        }
    }
    if parts.is_empty() {
        format!("{path}?")
    } else {
        format!("{path}?{}&", parts.join("&"))
    }
}
