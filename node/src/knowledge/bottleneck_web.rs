//! The "Knelpunten" pages: the register with its counts per category, the
//! form (with the privacy check in place), and a page per bottleneck that
//! is open to anyone when it is public.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Error;
use super::api::BottleneckListQuery;
use super::bottlenecks::{
    self, BottleneckInput, BottleneckView, CATEGORIES, CategoryCount, STATUSES, category_key,
    status_key,
};
use super::publications::{self, PublicationView, Visibility};
use super::web::{DeletePage, Fields, HitView, visibility_key};
use crate::accounts::Role;
use crate::api::IdPath;
use crate::app::AppState;
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};
use crate::validation::Invalid;
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/knelpunten", get(list_page))
        .route("/knelpunten/nieuw", get(new_form).post(create_post))
        .route("/knelpunten/{id}", get(show))
        .route("/knelpunten/{id}/bewerken", get(edit_form).post(edit_post))
        .route(
            "/knelpunten/{id}/verwijderen",
            get(delete_confirm).post(delete_post),
        )
}

#[derive(Template)]
#[template(path = "bottlenecks.html")]
struct ListPage {
    page: PageCtx,
    list: Page<BottleneckView>,
    counts: Vec<CategoryCount>,
    status: String,
    category: String,
    can_write: bool,
}

async fn list_page(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<BottleneckListQuery>,
) -> Result<Response, AppError> {
    user.require(Role::Volunteer)?;
    let (status, category, req) = q.filters()?;
    let list = bottlenecks::list(&state.db, status.as_deref(), category.as_deref(), req).await?;
    Ok(render(&ListPage {
        page,
        list,
        counts: bottlenecks::counts(&state.db).await?,
        status: status.unwrap_or_default(),
        category: category.unwrap_or_default(),
        can_write: user.0.role.at_least(Role::Coordinator),
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "bottleneck_show.html")]
struct ShowPage {
    page: PageCtx,
    b: BottleneckView,
    can_write: bool,
}

async fn show(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    page: PageCtx,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    let b = bottlenecks::get(&state.db, id).await?;
    if user.is_none() && b.visibility != Visibility::Public {
        return Err(Error::NotFound.into());
    }
    Ok(render(&ShowPage {
        page,
        can_write: user.is_some_and(|u| u.role.at_least(Role::Coordinator)),
        b,
    })?
    .into_response())
}

#[derive(Default, Clone)]
struct Values {
    title: String,
    category: String,
    description: String,
    since: String,
    status: String,
    solved_by: String,
    visibility: String,
}

#[derive(Template)]
#[template(path = "bottleneck_form.html")]
struct FormPage {
    page: PageCtx,
    action: String,
    editing: bool,
    v: Values,
    errors: Invalid,
    hits: Vec<HitView>,
    articles: Vec<PublicationView>,
}

impl FormPage {
    fn visibility_is(&self, v: &str) -> bool {
        self.v.visibility == v || (self.v.visibility.is_empty() && v == "draft")
    }

    fn status_is(&self, s: &str) -> bool {
        self.v.status == s || (self.v.status.is_empty() && s == "open")
    }
}

async fn form_page(
    state: &AppState,
    page: PageCtx,
    action: String,
    editing: bool,
    v: Values,
) -> Result<FormPage, AppError> {
    // The articles that may have solved it: the node's own, newest first.
    let articles = publications::list(
        &state.db,
        Some(publications::Kind::Article),
        false,
        PageRequest {
            page: 1,
            per_page: 100,
        },
    )
    .await?
    .items;
    Ok(FormPage {
        page,
        action,
        editing,
        v,
        errors: Invalid::default(),
        hits: Vec::new(),
        articles,
    })
}

async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let form = form_page(
        &state,
        page,
        "/knelpunten/nieuw".into(),
        false,
        Values::default(),
    )
    .await?;
    Ok(render(&form)?.into_response())
}

async fn handle(
    state: &AppState,
    user: &CurrentUser,
    page: PageCtx,
    existing: Option<i32>,
    body: &[u8],
) -> Result<Response, AppError> {
    let me = user.require(Role::Coordinator)?.id;
    let f = Fields::parse(body);
    let v = Values {
        title: f.one("title"),
        category: f.one("category"),
        description: f.one("description"),
        since: f.one("since"),
        status: f.one("status"),
        solved_by: f.one("solved_by"),
        visibility: f.one("visibility"),
    };
    let input = BottleneckInput {
        title: Some(v.title.clone()),
        category: Some(v.category.clone()),
        description: Some(v.description.clone()),
        since: Some(v.since.clone()),
        status: Some(v.status.clone()),
        solved_by: Some(v.solved_by.trim().parse().unwrap_or(0)),
        visibility: Some(v.visibility.clone()),
        confirm_privacy_check: f.one("confirm_privacy_check") == "ja",
    };
    let action = match existing {
        Some(id) => format!("/knelpunten/{id}/bewerken"),
        None => "/knelpunten/nieuw".to_owned(),
    };
    let saved = match existing {
        Some(id) => bottlenecks::update(&state.db, &state.federation, id, &input).await,
        None => bottlenecks::create(&state.db, &state.federation, Some(me), &input).await,
    };
    match saved {
        Ok(b) => Ok(flash_redirect(
            &format!("/knelpunten/{}", b.id),
            if b.visibility == Visibility::Draft {
                "flash.saved_draft"
            } else {
                "flash.published"
            },
        )),
        Err(Error::Invalid(inv)) => {
            let mut form = form_page(state, page, action, existing.is_some(), v).await?;
            form.errors = inv;
            Ok(render(&form)?.into_response())
        }
        Err(Error::PrivacyCheck(hits)) => {
            let mut form = form_page(state, page, action, existing.is_some(), v.clone()).await?;
            form.hits = hits
                .iter()
                .map(|h| {
                    let text = if h.field == "title" {
                        &v.title
                    } else {
                        &v.description
                    };
                    HitView::of(h, text)
                })
                .collect();
            Ok(render(&form)?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_post(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    body: Bytes,
) -> Result<Response, AppError> {
    handle(&state, &user, page, None, &body).await
}

async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let b = bottlenecks::get(&state.db, id).await?;
    let v = Values {
        title: b.title,
        category: b.category,
        description: b.description,
        since: b
            .since
            .map(|d| d.format("%d-%m-%Y").to_string())
            .unwrap_or_default(),
        status: b.status,
        solved_by: b.solved_by.map(|i| i.to_string()).unwrap_or_default(),
        visibility: b.visibility.as_str().to_owned(),
    };
    let form = form_page(&state, page, format!("/knelpunten/{id}/bewerken"), true, v).await?;
    Ok(render(&form)?.into_response())
}

async fn edit_post(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    IdPath(id): IdPath,
    body: Bytes,
) -> Result<Response, AppError> {
    bottlenecks::get(&state.db, id).await?;
    handle(&state, &user, page, Some(id), &body).await
}

async fn delete_confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let b = bottlenecks::get(&state.db, id).await?;
    Ok(render(&DeletePage {
        page,
        published: b.object_id.is_some(),
        title: b.title,
        action: format!("/knelpunten/{id}/verwijderen"),
        back: format!("/knelpunten/{id}"),
    })?
    .into_response())
}

async fn delete_post(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    bottlenecks::delete(&state.db, &state.federation, id).await?;
    Ok(flash_redirect("/knelpunten", "flash.deleted"))
}
