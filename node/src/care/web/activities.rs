//! Activity pages: the list, a new activity, one activity with who signed
//! up (added by name, without JavaScript), and changing it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{coordinator, form, id_of, list, page_base};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::care::activities::{self, ActivityDetail, ActivityInput};
use crate::care::members::{Filter, MemberSummary};
use crate::care::{Error, dutch};
use crate::error::AppError;
use crate::pagination::ListQuery;
use crate::web::components::{Cell, Field, FormSpec, Kind, ListSpec};
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activiteiten", get(index))
        .route("/activiteiten/nieuw", get(new_form).post(create))
        .route("/activiteiten/{id}", get(show))
        .route("/activiteiten/{id}/bewerken", get(edit_form).post(edit))
        .route("/activiteiten/{id}/aanmelden", post(sign_up))
        .route("/activiteiten/{id}/afmelden", post(remove_signup))
}

async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    coordinator(&user)?;
    let result = activities::list(&state.db, q.search(), q.page_request()).await?;
    let mut spec = ListSpec::new(
        "activities.title",
        vec![
            "activities.date",
            "activities.name",
            "activities.time",
            "activities.place",
            "activities.participants",
        ],
        &result,
        page_base("/activiteiten", q.search(), &[]),
    );
    spec.search_action = Some("/activiteiten".into());
    spec.search_label = "activities.search";
    spec.q = q.search().unwrap_or("").to_owned();
    spec.actions = vec![("/activiteiten/nieuw".into(), "activities.new")];
    spec.empty = "activities.none_yet";
    spec.rows = result
        .items
        .iter()
        .map(|a| {
            vec![
                Cell::text(dutch::format_date(a.date)),
                Cell::link(a.title.clone(), format!("/activiteiten/{}", a.id)),
                Cell::text(a.times()),
                Cell::text(a.place.clone().unwrap_or_default()),
                Cell::text(a.participants.to_string()),
            ]
        })
        .collect();
    list(page, spec)
}

fn fields(input: &ActivityInput) -> Vec<Field> {
    vec![
        Field::new("title", "activities.name", Kind::Text, &input.title)
            .hint("activities.name_hint"),
        Field::new("date", "activities.date", Kind::Date, &input.date)
            .narrow()
            .hint("form.date_hint"),
        Field::new(
            "start_time",
            "activities.start_time",
            Kind::Text,
            &input.start_time,
        )
        .narrow()
        .hint("activities.time_hint"),
        Field::new(
            "end_time",
            "activities.end_time",
            Kind::Text,
            &input.end_time,
        )
        .narrow()
        .hint("member.optional"),
        Field::new("place", "activities.place", Kind::Text, &input.place)
            .hint("activities.place_hint"),
        Field::new(
            "description",
            "activities.description",
            Kind::TextArea,
            &input.description,
        )
        .hint("activities.description_hint"),
        Field::new(
            "public",
            "activities.public",
            Kind::Checkbox(dutch::parse_yes_no(&input.public).unwrap_or(false)),
            "",
        ),
        Field::new(
            "participants",
            "activities.participants",
            Kind::Number,
            &input.participants,
        )
        .narrow()
        .hint("activities.participants_hint"),
    ]
}

async fn new_form(user: CurrentUser, page: PageCtx) -> Result<Response, AppError> {
    coordinator(&user)?;
    form(
        page,
        FormSpec::new(
            "activities.new",
            "/activiteiten/nieuw",
            fields(&ActivityInput::default()),
        )
        .back("/activiteiten", "activities.back"),
    )
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(input): Form<ActivityInput>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    match activities::create(&state.db, actor, &input).await {
        Ok(a) => Ok(flash_redirect(
            &format!("/activiteiten/{}", a.id),
            "flash.activity_created",
        )),
        Err(Error::Invalid(errors)) => form(
            page,
            FormSpec::new("activities.new", "/activiteiten/nieuw", fields(&input))
                .errors(errors)
                .back("/activiteiten", "activities.back"),
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    page: PageCtx,
    a: ActivityDetail,
    q: String,
    found: Option<Vec<MemberSummary>>,
    problem: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    /// A name, to sign someone up.
    lid: String,
}

async fn render_activity(
    state: &AppState,
    user: &CurrentUser,
    page: PageCtx,
    id: i32,
    q: String,
    problem: Option<&'static str>,
) -> Result<Response, AppError> {
    let actor = coordinator(user)?;
    let a = activities::get(&state.db, actor, id).await?;
    let found = super::find_people(state, &q, Filter::All, 10).await?;
    let status = if problem.is_some() {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        render(&ActivityPage {
            page,
            a,
            q,
            found,
            problem,
        })?,
    )
        .into_response())
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    render_activity(&state, &user, page, id_of(&id)?, q.lid, None).await
}

async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    let a = activities::get(&state.db, actor, id).await?;
    form(
        page,
        FormSpec::new(
            "activities.edit",
            format!("/activiteiten/{id}/bewerken"),
            fields(&a.activity.input()),
        )
        .back(format!("/activiteiten/{id}"), "activities.back_to_one"),
    )
}

async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
    Form(input): Form<ActivityInput>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    match activities::update(&state.db, actor, id, &input).await {
        Ok(_) => Ok(flash_redirect(
            &format!("/activiteiten/{id}"),
            "flash.activity_changed",
        )),
        Err(Error::Invalid(errors)) => form(
            page,
            FormSpec::new(
                "activities.edit",
                format!("/activiteiten/{id}/bewerken"),
                fields(&input),
            )
            .errors(errors)
            .back(format!("/activiteiten/{id}"), "activities.back_to_one"),
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignUpForm {
    member_id: String,
    signup_id: String,
}

async fn sign_up(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
    Form(f): Form<SignUpForm>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    let member_id = f.member_id.trim().parse::<i32>().unwrap_or(0);
    match activities::sign_up(&state.db, actor, id, member_id).await {
        Ok(()) => Ok(flash_redirect(
            &format!("/activiteiten/{id}"),
            "flash.signed_up",
        )),
        Err(Error::Conflict(key)) => {
            render_activity(&state, &user, page, id, String::new(), Some(key)).await
        }
        Err(Error::Invalid(inv)) => {
            let key = inv.0.first().map(|e| e.message);
            let mut response = render_activity(&state, &user, page, id, String::new(), key).await?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

async fn remove_signup(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<SignUpForm>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    let signup_id = f.signup_id.trim().parse::<i32>().unwrap_or(0);
    activities::remove_signup(&state.db, actor, id, signup_id).await?;
    Ok(flash_redirect(
        &format!("/activiteiten/{id}"),
        "flash.signup_removed",
    ))
}
