//! Help request pages: the queue, a new request, a request with its
//! suggestions, matching, status changes; and the volunteer's own tasks.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{coordinator, form, id_of, list, page_base};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::care::matching::{self, Suggestion};
use crate::care::requests::{
    self, ListFilter, PARTS, RequestDetail, RequestInput, Source, Status, Task, URGENCIES,
};
use crate::care::{Actor, Error, dutch};
use crate::error::AppError;
use crate::pagination::ListQuery;
use crate::validation::Invalid;
use crate::web::components::{Action, Cell, Field, FormSpec, Kind, ListSpec, Opt, Row};
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hulpvragen", get(index))
        .route("/hulpvragen/nieuw", get(new_form).post(create))
        .route("/hulpvragen/{id}", get(show))
        .route("/hulpvragen/{id}/koppelen", post(match_volunteer))
        .route("/hulpvragen/{id}/status", post(change_status))
        .route(
            "/hulpvragen/{id}/aanvrager-wissen",
            get(erase_requester_confirm).post(erase_requester),
        )
        .route("/taken", get(tasks))
        .route("/taken/{id}/antwoord", post(respond))
}

#[derive(Deserialize, Default)]
struct RequestsQuery {
    #[serde(flatten)]
    list: ListQuery,
    status: Option<String>,
}

async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<RequestsQuery>,
) -> Result<Response, AppError> {
    coordinator(&user)?;
    let status = q.status.as_deref().and_then(Status::parse);
    let filter = ListFilter {
        status,
        search: q.list.search().map(str::to_owned),
    };
    let result = requests::list(&state.db, &filter, q.list.page_request()).await?;
    let status_str = status.map(|s| s.as_str()).unwrap_or("");
    let mut spec = ListSpec::new(
        "requests.title",
        vec![
            "requests.number",
            "requests.date",
            "requests.requester",
            "requests.category",
            "requests.status",
        ],
        &result,
        page_base("/hulpvragen", q.list.search(), &[("status", status_str)]),
    );
    spec.actions = vec![("/hulpvragen/nieuw".into(), "requests.new")];
    if result.total > requests::SEARCH_COUNT_CAP {
        spec.more_than = Some(requests::SEARCH_COUNT_CAP);
    }
    spec.search_action = Some("/hulpvragen".into());
    if let Some(s) = status {
        spec.search_hidden = vec![("status", s.as_str().to_owned())];
    }
    spec.search_label = "requests.search";
    spec.q = q.list.search().unwrap_or("").to_owned();
    // Filters keep the search; the search form keeps the status.
    let q_part = q
        .list
        .search()
        .map(|s| format!("&q={}", crate::auth::extract::encode(s)))
        .unwrap_or_default();
    spec.filters = std::iter::once((
        format!("/hulpvragen?{q_part}"),
        "requests.filter_all",
        status.is_none(),
    ))
    .chain(Status::ALL.into_iter().map(|s| {
        (
            format!("/hulpvragen?status={}{q_part}", s.as_str()),
            s.label_key(),
            status == Some(s),
        )
    }))
    .collect();
    spec.rows = result
        .items
        .iter()
        .map(|r| {
            vec![
                Cell::link(r.id.to_string(), format!("/hulpvragen/{}", r.id)),
                Cell::text(crate::web::time::local_date(&r.created_at)),
                Cell::text(r.requester.clone()),
                Cell::text(r.category.clone()),
                Cell::text(page.t.t(r.status.label_key())),
            ]
        })
        .collect();
    list(page, spec)
}

async fn request_fields(state: &AppState, input: &RequestInput) -> Result<Vec<Field>, AppError> {
    let cats = crate::care::categories::list(&state.db, true).await?;
    let mut cat_opts = vec![Opt::key("", "form.choose", input.category_id.is_empty())];
    cat_opts.extend(cats.iter().map(|c| {
        Opt::text(
            c.id.to_string(),
            c.name.clone(),
            input.category_id == c.id.to_string(),
        )
    }));
    let part = if input.wanted_part.is_empty() {
        "any"
    } else {
        input.wanted_part.as_str()
    };
    let urgency = if input.urgency.is_empty() {
        "normal"
    } else {
        input.urgency.as_str()
    };
    Ok(vec![
        Field::new(
            "member_id",
            "requests.member_number",
            Kind::Number,
            &input.member_id,
        )
        .narrow()
        .hint("requests.member_hint"),
        Field::new(
            "walk_in_name",
            "requests.walk_in_name",
            Kind::Text,
            &input.walk_in_name,
        ),
        Field::new(
            "walk_in_contact",
            "requests.walk_in_contact",
            Kind::Text,
            &input.walk_in_contact,
        ),
        Field::new(
            "category_id",
            "requests.category",
            Kind::Select(cat_opts),
            "",
        ),
        Field::new(
            "description",
            "requests.description",
            Kind::TextArea,
            &input.description,
        )
        .hint("requests.description_hint"),
        Field::new(
            "wanted_date",
            "requests.wanted_date",
            Kind::Date,
            &input.wanted_date,
        )
        .narrow()
        .hint("form.date_hint"),
        Field::new(
            "wanted_part",
            "requests.wanted_part",
            Kind::Radios(
                PARTS
                    .iter()
                    .map(|p| Opt::key(*p, &format!("part.{p}"), *p == part))
                    .collect(),
            ),
            "",
        ),
        Field::new(
            "recurrence",
            "requests.recurrence",
            Kind::Text,
            &input.recurrence,
        )
        .hint("requests.recurrence_hint"),
        Field::new(
            "urgency",
            "requests.urgency",
            Kind::Radios(
                URGENCIES
                    .iter()
                    .map(|u| Opt::key(*u, &format!("urgency.{u}"), *u == urgency))
                    .collect(),
            ),
            "",
        ),
    ])
}

#[derive(Deserialize, Default)]
struct NewQuery {
    lid: Option<String>,
}

async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    coordinator(&user)?;
    let input = RequestInput {
        member_id: q.lid.unwrap_or_default(),
        ..Default::default()
    };
    let fields = request_fields(&state, &input).await?;
    form(
        page,
        FormSpec::new("requests.new", "/hulpvragen/nieuw", fields)
            .back("/hulpvragen", "requests.back"),
    )
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(input): Form<RequestInput>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    match requests::create(&state.db, Some(actor), Source::Coordinator, &input).await {
        Ok(r) => Ok(flash_redirect(
            &format!("/hulpvragen/{}", r.id),
            "flash.saved",
        )),
        Err(Error::Invalid(errors)) => {
            let fields = request_fields(&state, &input).await?;
            form(
                page,
                FormSpec::new("requests.new", "/hulpvragen/nieuw", fields)
                    .errors(errors)
                    .back("/hulpvragen", "requests.back"),
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage {
    page: PageCtx,
    r: RequestDetail,
    rows: Vec<Row>,
    actions: Vec<Action>,
    suggestions: Vec<Suggestion>,
    problem: Option<&'static str>,
}

fn status_label(s: &str) -> &'static str {
    Status::parse(s)
        .map(Status::label_key)
        .unwrap_or("status.new")
}

fn match_label(s: &str) -> &'static str {
    match s {
        "proposed" => "match.proposed",
        "accepted" => "match.accepted",
        "declined" => "match.declined",
        "completed" => "match.completed",
        _ => "match.cancelled",
    }
}

async fn render_request(
    state: &AppState,
    actor: Actor,
    page: PageCtx,
    id: i32,
    problem: Option<&'static str>,
) -> Result<Response, AppError> {
    let r = requests::view(&state.db, actor, id).await?;
    let suggestions = if r.request.status == Status::New {
        matching::suggest(&state.db, id, 10).await?
    } else {
        Vec::new()
    };
    let req = &r.request;
    let rows = vec![
        Row {
            label: "requests.requester",
            value: req.requester.clone(),
        },
        Row {
            label: "requests.walk_in_contact",
            value: req.walk_in_contact.clone().unwrap_or_default(),
        },
        Row {
            label: "requests.description",
            value: req.description.clone().unwrap_or_default(),
        },
        Row {
            label: "requests.wanted_date",
            value: req.wanted_date.map(dutch::format_date).unwrap_or_default(),
        },
        Row {
            label: "requests.wanted_part",
            value: page.t.t(&format!("part.{}", req.wanted_part)).to_owned(),
        },
        Row {
            label: "requests.recurrence",
            value: req.recurrence.clone().unwrap_or_default(),
        },
        Row {
            label: "requests.urgency",
            value: page.t.t(&format!("urgency.{}", req.urgency)).to_owned(),
        },
        Row {
            label: "requests.date",
            value: crate::web::time::local_date(&req.created_at),
        },
    ];
    let actions = req
        .status
        .next()
        .iter()
        .map(|s| Action {
            action: format!("/hulpvragen/{id}/status"),
            label: match s {
                Status::Done => "requests.mark_done",
                Status::Cancelled => "requests.mark_cancelled",
                _ => "requests.mark_failed",
            },
            secondary: *s != Status::Done,
            fields: vec![("to", s.as_str().to_owned())],
        })
        .collect();
    let status = if problem.is_some() {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        render(&RequestPage {
            page,
            r,
            rows,
            actions,
            suggestions,
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
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    render_request(&state, actor, page, id_of(&id)?, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MatchForm {
    volunteer_id: String,
}

async fn match_volunteer(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
    Form(f): Form<MatchForm>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    let volunteer_id = f.volunteer_id.trim().parse::<i32>().unwrap_or(0);
    match requests::match_volunteer(&state.db, actor, id, volunteer_id).await {
        Ok(_) => Ok(flash_redirect(
            &format!("/hulpvragen/{id}"),
            "flash.matched",
        )),
        Err(Error::Conflict(key)) => render_request(&state, actor, page, id, Some(key)).await,
        Err(Error::Invalid(inv)) => {
            render_request(&state, actor, page, id, inv.0.first().map(|e| e.message)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusForm {
    to: String,
    /// "ja" once the coordinator confirmed a withdrawal or failure.
    bevestigd: String,
}

async fn change_status(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    let Some(to) = Status::parse(&f.to) else {
        return Err(Invalid::one("to", "error.choice").into());
    };
    // Withdrawing or giving up cannot be undone: ask once more.
    if matches!(to, Status::Cancelled | Status::Failed) && f.bevestigd != "ja" {
        return Ok(render(&super::ConfirmPage {
            page,
            title: if to == Status::Cancelled {
                "requests.confirm_cancel_title"
            } else {
                "requests.confirm_fail_title"
            },
            text: "requests.confirm_text",
            button: if to == Status::Cancelled {
                "requests.mark_cancelled"
            } else {
                "requests.mark_failed"
            },
            action: format!("/hulpvragen/{id}/status"),
            back: format!("/hulpvragen/{id}"),
            fields: vec![
                ("to", to.as_str().to_owned()),
                ("bevestigd", "ja".to_owned()),
            ],
        })?
        .into_response());
    }
    match requests::change_status(&state.db, actor, id, to).await {
        Ok(_) => Ok(flash_redirect(&format!("/hulpvragen/{id}"), "flash.saved")),
        Err(Error::Conflict(key)) => render_request(&state, actor, page, id, Some(key)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    page: PageCtx,
    tasks: Vec<Task>,
    is_volunteer: bool,
}

async fn tasks(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    let actor = Actor::of(&user.0);
    let is_volunteer = crate::care::members::volunteer_of_user(&state.db, actor.user_id)
        .await?
        .is_some();
    let tasks = requests::tasks_of(&state.db, actor).await?;
    Ok(render(&TasksPage {
        page,
        tasks,
        is_volunteer,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AnswerForm {
    accept: String,
}

async fn respond(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let actor = Actor::of(&user.0);
    let accept = f.accept == "ja";
    requests::respond(&state.db, actor, id_of(&id)?, accept).await?;
    let back = if actor.is_coordinator() {
        "/hulpvragen"
    } else {
        "/taken"
    };
    Ok(flash_redirect(
        back,
        if accept {
            "flash.accepted"
        } else {
            "flash.declined"
        },
    ))
}

async fn erase_requester_confirm(
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    coordinator(&user)?;
    let id = id_of(&id)?;
    Ok(render(&super::ConfirmPage {
        page,
        title: "requests.erase_requester",
        text: "requests.erase_requester_text",
        button: "requests.erase_requester_button",
        action: format!("/hulpvragen/{id}/aanvrager-wissen"),
        back: format!("/hulpvragen/{id}"),
        fields: Vec::new(),
    })?
    .into_response())
}

async fn erase_requester(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    crate::care::privacy::erase_requester(&state.db, actor, id).await?;
    Ok(flash_redirect(
        &format!("/hulpvragen/{id}"),
        "flash.requester_erased",
    ))
}
