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
use crate::care::members::Filter;
use crate::care::requests::{
    self, ListFilter, PARTS, RequestChange, RequestDetail, RequestInput, Sort, Source, Status,
    Task, URGENCIES,
};
use crate::care::{Actor, Error, dutch};
use crate::error::AppError;
use crate::pagination::ListQuery;
use crate::validation::Invalid;
use crate::web::components::{
    Action, CategoryFilter, Cell, Field, FormSpec, Kind, ListSpec, Opt, Row,
};
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hulpvragen", get(index))
        .route("/hulpvragen/nieuw", get(new_form).post(create))
        .route("/hulpvragen/{id}", get(show))
        .route("/hulpvragen/{id}/bewerken", get(edit_form).post(edit))
        .route("/hulpvragen/{id}/lid", post(link_member))
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
    soort: Option<String>,
    sorteer: Option<String>,
    /// `ja`: only what the home page lists as urgent or this week.
    deze_week: Option<String>,
    /// `ja`: only what the home page lists as late.
    te_laat: Option<String>,
}

/// The words of the sort choices in the address bar.
fn sort_word(s: Sort) -> &'static str {
    match s {
        Sort::Newest => "nieuw",
        Sort::WantedDate => "datum",
        Sort::Urgency => "spoed",
    }
}

async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<RequestsQuery>,
) -> Result<Response, AppError> {
    coordinator(&user)?;
    let status = q.status.as_deref().and_then(Status::parse);
    let cats = crate::care::categories::list(&state.db, false).await?;
    let category = q
        .soort
        .as_deref()
        .and_then(|c| c.trim().parse::<i32>().ok())
        .filter(|c| cats.iter().any(|x| x.id == *c));
    let sort = Sort::ALL
        .into_iter()
        .find(|s| q.sorteer.as_deref() == Some(sort_word(*s)))
        .unwrap_or_default();
    let today = crate::web::time::today();
    let focus = if q.te_laat.as_deref() == Some("ja") {
        Some(requests::Focus::Overdue(today))
    } else if q.deze_week.as_deref() == Some("ja") {
        Some(requests::Focus::ThisWeek(today))
    } else {
        None
    };
    let focus_param = match focus {
        Some(requests::Focus::Overdue(_)) => ("te_laat", "ja"),
        Some(requests::Focus::ThisWeek(_)) => ("deze_week", "ja"),
        None => ("", ""),
    };
    let filter = ListFilter {
        status,
        category,
        focus,
        sort,
        search: q.list.search().map(str::to_owned),
    };
    let result = requests::list(&state.db, &filter, q.list.page_request()).await?;
    let status_str = status.map(|s| s.as_str()).unwrap_or("");
    let category_str = category.map(|c| c.to_string()).unwrap_or_default();
    let sort_str = if sort == Sort::Newest {
        ""
    } else {
        sort_word(sort)
    };
    let mut spec = ListSpec::new(
        "requests.title",
        vec![
            "requests.number",
            "requests.date",
            "requests.requester",
            "requests.category",
            "requests.wanted_date",
            "requests.urgency",
            "requests.status",
        ],
        &result,
        page_base(
            "/hulpvragen",
            q.list.search(),
            &[
                ("status", status_str),
                ("soort", &category_str),
                ("sorteer", sort_str),
                focus_param,
            ],
        ),
    );
    spec.intro = match focus {
        Some(requests::Focus::Overdue(_)) => "requests.focus_overdue",
        Some(requests::Focus::ThisWeek(_)) => "requests.focus_this_week",
        None => "",
    };
    spec.actions = vec![("/hulpvragen/nieuw".into(), "requests.new")];
    if result.total > requests::SEARCH_COUNT_CAP {
        spec.more_than = Some(requests::SEARCH_COUNT_CAP);
    }
    spec.search_action = Some("/hulpvragen".into());
    spec.search_hidden = [
        ("status", status_str.to_owned()),
        ("soort", category_str.clone()),
        ("sorteer", sort_str.to_owned()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    spec.search_label = "requests.search";
    spec.q = q.list.search().unwrap_or("").to_owned();
    // Each choice keeps the others (and the search).
    let link = |status: &str, category: &str, sort: &str| {
        let mut parts = Vec::new();
        for (k, v) in [("status", status), ("soort", category), ("sorteer", sort)] {
            if !v.is_empty() {
                parts.push(format!("{k}={v}"));
            }
        }
        if let Some(text) = q.list.search() {
            parts.push(format!("q={}", crate::auth::extract::encode(text)));
        }
        format!("/hulpvragen?{}", parts.join("&"))
    };
    spec.filters = std::iter::once((
        link("", &category_str, sort_str),
        "requests.filter_all",
        status.is_none(),
    ))
    .chain(Status::ALL.into_iter().map(|s| {
        (
            link(s.as_str(), &category_str, sort_str),
            s.label_key(),
            status == Some(s),
        )
    }))
    .collect();
    spec.sorts = Sort::ALL
        .into_iter()
        .map(|s| {
            let word = if s == Sort::Newest { "" } else { sort_word(s) };
            (
                link(status_str, &category_str, word),
                match s {
                    Sort::Newest => "requests.sort_newest",
                    Sort::WantedDate => "requests.sort_date",
                    Sort::Urgency => "requests.sort_urgency",
                },
                s == sort,
            )
        })
        .collect();
    spec.category_filter = Some(CategoryFilter {
        action: "/hulpvragen".into(),
        hidden: [
            ("status", status_str.to_owned()),
            ("sorteer", sort_str.to_owned()),
            ("q", q.list.search().unwrap_or("").to_owned()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect(),
        options: std::iter::once(Opt::key("", "requests.all_categories", category.is_none()))
            .chain(
                cats.iter()
                    .map(|c| Opt::text(c.id.to_string(), c.name.clone(), category == Some(c.id))),
            )
            .collect(),
    });
    spec.rows = result
        .items
        .iter()
        .map(|r| {
            let mut requester = r.requester.clone();
            if r.source == "public_form" {
                requester = format!("{requester} ({})", page.t.t("requests.via_form"));
            }
            vec![
                Cell::link(r.id.to_string(), format!("/hulpvragen/{}", r.id)),
                Cell::text(crate::web::time::local_date(&r.created_at)),
                Cell::text(requester),
                Cell::text(r.category.clone()),
                Cell::text(r.wanted_date.map(dutch::format_date).unwrap_or_default()),
                Cell::text(page.t.t(&format!("urgency.{}", r.urgency))),
                Cell::text(page.t.t(r.status.label_key())),
            ]
        })
        .collect();
    list(page, spec)
}

fn category_field(cats: &[crate::care::categories::Category], chosen: &str) -> Field {
    let mut opts = vec![Opt::key("", "form.choose", chosen.is_empty())];
    opts.extend(
        cats.iter()
            .map(|c| Opt::text(c.id.to_string(), c.name.clone(), chosen == c.id.to_string())),
    );
    Field::new("category_id", "requests.category", Kind::Select(opts), "")
}

/// What is asked, when and how urgently: the fields a new request and an
/// edit share.
fn detail_fields(input: &RequestInput) -> Vec<Field> {
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
    vec![
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
    ]
}

/// The new-request form for a chosen member (by id) or for someone who is
/// not a member (walk-in name and contact).
async fn request_fields(state: &AppState, input: &RequestInput) -> Result<Vec<Field>, AppError> {
    let cats = crate::care::categories::list(&state.db, true).await?;
    let mut fields = Vec::new();
    let member = match input.member_id.trim().parse::<i32>() {
        Ok(id) => crate::care::members::names(&state.db, &[id])
            .await?
            .remove(&id)
            .map(|name| (id, name)),
        Err(_) => None,
    };
    if let Some((id, name)) = member {
        fields.push(Field::new(
            "member_id",
            "requests.requester",
            Kind::Chosen {
                name,
                change: "/hulpvragen/nieuw".into(),
            },
            id.to_string(),
        ));
    } else {
        fields.push(
            Field::new(
                "walk_in_name",
                "requests.walk_in_name",
                Kind::Text,
                &input.walk_in_name,
            )
            .hint("requests.walk_in_hint"),
        );
        fields.push(Field::new(
            "walk_in_contact",
            "requests.walk_in_contact",
            Kind::Text,
            &input.walk_in_contact,
        ));
    }
    fields.push(category_field(&cats, &input.category_id));
    fields.extend(detail_fields(input));
    Ok(fields)
}

#[derive(Deserialize, Default)]
struct NewQuery {
    /// The member who asks, chosen on the first step.
    lid: Option<String>,
    /// `ja`: someone who is not a member.
    los: Option<String>,
    /// A name typed on the first step.
    zoek: Option<String>,
}

async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    coordinator(&user)?;
    let chosen = q.lid.as_deref().is_some_and(|l| !l.trim().is_empty());
    if !chosen && q.los.as_deref() != Some("ja") {
        // First step: who asks? A search by name, no number to know.
        return super::pick(
            &state,
            page,
            super::PickSpec {
                title: "requests.new",
                intro: "requests.pick_intro",
                action: "/hulpvragen/nieuw".into(),
                param: "lid",
                filter: Filter::All,
                q: q.zoek.unwrap_or_default(),
                others: vec![
                    ("/hulpvragen/nieuw?los=ja".into(), "requests.pick_walk_in"),
                    ("/leden/nieuw".into(), "requests.pick_new_member"),
                ],
                back: ("/hulpvragen".into(), "requests.back"),
            },
        )
        .await;
    }
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
            "flash.request_created",
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
    /// "Iemand anders vragen": the name typed and the volunteers found.
    volunteer_search: Option<Search>,
    /// "Koppelen aan een lid": the name typed and the members found.
    member_search: Option<Search>,
    /// The open match of the volunteer asked, who has not answered yet.
    waiting_for: Option<(i32, String)>,
    /// Said after an answer entered for a volunteer, naming them.
    notice: Option<String>,
    problem: Option<&'static str>,
}

/// A name search on the request page and what it found.
struct Search {
    q: String,
    found: Vec<crate::care::members::MemberSummary>,
}

impl RequestPage {
    /// The contact given with the request, when the member's own record
    /// does not already show it.
    fn extra_contact(&self) -> Option<&str> {
        let given = self.r.request.walk_in_contact.as_deref()?;
        let c = self.r.contact.as_ref()?;
        (c.phone.as_deref() != Some(given) && c.email.as_deref() != Some(given)).then_some(given)
    }

    /// A `tel:` link for the member's phone, or a walk-in's if it is one.
    fn phone(&self) -> Option<&str> {
        self.r
            .contact
            .as_ref()
            .and_then(|c| c.phone.as_deref())
            .or(self
                .r
                .request
                .walk_in_contact
                .as_deref()
                .filter(|c| !c.contains('@')))
    }
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

#[derive(Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    /// A volunteer's name, for "iemand anders vragen".
    vrijwilliger: String,
    /// A member's name, to link the request to.
    lid: String,
}

/// How many people a name search on the request page shows.
const FOUND_LIMIT: u64 = 10;

async fn search(state: &AppState, q: &str, filter: Filter) -> Result<Option<Search>, AppError> {
    Ok(super::find_people(state, q, filter, FOUND_LIMIT)
        .await?
        .map(|found| Search {
            q: q.trim().to_owned(),
            found,
        }))
}

async fn render_request(
    state: &AppState,
    actor: Actor,
    mut page: PageCtx,
    id: i32,
    query: ShowQuery,
    problem: Option<&'static str>,
) -> Result<Response, AppError> {
    let r = requests::view(&state.db, actor, id).await?;
    let suggestions = if r.request.status == Status::New {
        matching::suggest(&state.db, id, 10).await?
    } else {
        Vec::new()
    };
    let volunteer_search = if r.request.status == Status::New {
        let mut found = search(state, &query.vrijwilliger, Filter::Volunteers).await?;
        if let Some(s) = found.as_mut() {
            // Only those who can be asked: active, and not the asker.
            let ids: Vec<i32> = s.found.iter().map(|m| m.id).collect();
            let active = crate::care::members::active_volunteers(&state.db, &ids).await?;
            s.found
                .retain(|m| active.contains(&m.id) && Some(m.id) != r.request.member_id);
        }
        found
    } else {
        None
    };
    let member_search = if r.request.member_id.is_none() && !r.request.status.is_closed() {
        search(state, &query.lid, Filter::All).await?
    } else {
        None
    };
    let waiting_for = r
        .matches
        .iter()
        .rev()
        .find(|m| m.status == "proposed")
        .map(|m| (m.id, m.volunteer.clone()));
    // An answer entered for a volunteer is told back naming them.
    let notice = match page.flash {
        Some(key @ ("flash.recorded_yes" | "flash.recorded_no")) => {
            let answered = if key == "flash.recorded_yes" {
                "accepted"
            } else {
                "declined"
            };
            r.matches
                .iter()
                .rev()
                .find(|m| m.status == answered)
                .map(|m| page.t.t(key).replace("{naam}", &m.volunteer))
        }
        _ => None,
    };
    if notice.is_some() {
        page.flash = None;
    }
    let req = &r.request;
    let rows = vec![
        Row {
            label: "requests.category",
            value: req.category.clone(),
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
        Row {
            label: "requests.source",
            value: page.t.t(&format!("source.{}", req.source)).to_owned(),
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
            volunteer_search,
            member_search,
            waiting_for,
            notice,
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
    let actor = coordinator(&user)?;
    render_request(&state, actor, page, id_of(&id)?, q, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MatchForm {
    volunteer_id: String,
}

/// A conflict or a wrong choice is shown on the request page itself.
async fn on_request_page(
    state: &AppState,
    actor: Actor,
    page: PageCtx,
    id: i32,
    err: Error,
) -> Result<Response, AppError> {
    let (key, status) = match err {
        Error::Conflict(key) => (key, axum::http::StatusCode::CONFLICT),
        Error::Invalid(inv) => (
            inv.0.first().map(|e| e.message).unwrap_or("error.choice"),
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        ),
        e => return Err(e.into()),
    };
    let mut response =
        render_request(state, actor, page, id, ShowQuery::default(), Some(key)).await?;
    *response.status_mut() = status;
    Ok(response)
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
        Ok(asked) => {
            use crate::mail::notices::AskedMail;
            let flash = match state.notifier().await.after_ask(asked.id).await {
                AskedMail::Off => "flash.matched",
                AskedMail::Failed => "flash.matched_mail_failed",
                AskedMail::Queued => "flash.matched_mailed",
                AskedMail::NoAddress => "flash.matched_no_email",
            };
            Ok(flash_redirect(&format!("/hulpvragen/{id}"), flash))
        }
        Err(e) => on_request_page(&state, actor, page, id, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LinkForm {
    member_id: String,
}

/// Links a request (from the public form, or a walk-in) to a member.
async fn link_member(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
    Form(f): Form<LinkForm>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    let change = RequestChange {
        member_id: Some(f.member_id),
        ..Default::default()
    };
    match requests::update(&state.db, actor, id, &change).await {
        Ok(_) => Ok(flash_redirect(
            &format!("/hulpvragen/{id}"),
            "flash.member_linked",
        )),
        Err(e) => on_request_page(&state, actor, page, id, e).await,
    }
}

/// The categories an edit offers: the active ones, and the request's own
/// even if it was switched off since (so an edit need not change it).
async fn edit_categories(
    state: &AppState,
    keep: Option<&str>,
) -> Result<Vec<crate::care::categories::Category>, AppError> {
    Ok(crate::care::categories::list(&state.db, false)
        .await?
        .into_iter()
        .filter(|c| c.active || keep == Some(c.id.to_string().as_str()))
        .collect())
}

fn edit_fields(cats: &[crate::care::categories::Category], input: &RequestChange) -> Vec<Field> {
    let v = |x: &Option<String>| x.clone().unwrap_or_default();
    let mut fields = vec![category_field(cats, &v(&input.category_id))];
    fields.extend(detail_fields(&RequestInput {
        description: v(&input.description),
        wanted_date: v(&input.wanted_date),
        wanted_part: v(&input.wanted_part),
        recurrence: v(&input.recurrence),
        urgency: v(&input.urgency),
        ..Default::default()
    }));
    fields
}

async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    let r = requests::view(&state.db, actor, id).await?;
    if r.request.status.is_closed() {
        return on_request_page(
            &state,
            actor,
            page,
            id,
            Error::Conflict("error.request_closed"),
        )
        .await;
    }
    let input = RequestChange::from_request(&r.request);
    let cats = edit_categories(&state, input.category_id.as_deref()).await?;
    form(
        page,
        FormSpec::new(
            "requests.edit",
            format!("/hulpvragen/{id}/bewerken"),
            edit_fields(&cats, &input),
        )
        .back(format!("/hulpvragen/{id}"), "requests.back_to_one"),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EditForm {
    category_id: String,
    description: String,
    wanted_date: String,
    wanted_part: String,
    recurrence: String,
    urgency: String,
}

async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
    Form(f): Form<EditForm>,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let id = id_of(&id)?;
    // Every field of the form is sent; an empty date removes the date.
    let change = RequestChange {
        member_id: None,
        category_id: Some(f.category_id),
        description: Some(f.description),
        wanted_date: Some(f.wanted_date),
        wanted_part: Some(f.wanted_part),
        recurrence: Some(f.recurrence),
        urgency: Some(f.urgency),
    };
    match requests::update(&state.db, actor, id, &change).await {
        Ok(_) => Ok(flash_redirect(
            &format!("/hulpvragen/{id}"),
            "flash.request_changed",
        )),
        Err(Error::Invalid(errors)) => {
            let cats = edit_categories(&state, change.category_id.as_deref()).await?;
            form(
                page,
                FormSpec::new(
                    "requests.edit",
                    format!("/hulpvragen/{id}/bewerken"),
                    edit_fields(&cats, &change),
                )
                .errors(errors)
                .back(format!("/hulpvragen/{id}"), "requests.back_to_one"),
            )
        }
        Err(e) => on_request_page(&state, actor, page, id, e).await,
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
        let subject = format!("{} {id}", page.t.t("requests.one"));
        return Ok(render(&super::ConfirmPage {
            page,
            subject,
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
        Ok(_) => Ok(flash_redirect(
            &format!("/hulpvragen/{id}"),
            "flash.status_changed",
        )),
        Err(Error::Conflict(key)) => {
            render_request(&state, actor, page, id, ShowQuery::default(), Some(key)).await
        }
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
    let match_id = id_of(&id)?;
    let answered = requests::respond(&state.db, actor, match_id, accept).await?;
    state
        .notifier()
        .await
        .after_answer(actor.is_coordinator(), match_id, accept)
        .await;
    // A coordinator entering the answer for a volunteer stays on the
    // request and is told what was recorded, not thanked.
    if actor.is_coordinator() {
        return Ok(flash_redirect(
            &format!("/hulpvragen/{}", answered.request_id),
            if accept {
                "flash.recorded_yes"
            } else {
                "flash.recorded_no"
            },
        ));
    }
    Ok(flash_redirect(
        "/taken",
        if accept {
            "flash.accepted"
        } else {
            "flash.declined"
        },
    ))
}

async fn erase_requester_confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    coordinator(&user)?;
    let id = id_of(&id)?;
    let r = requests::get(&state.db, id).await?;
    Ok(render(&super::ConfirmPage {
        page,
        title: "requests.erase_requester",
        subject: r.request.requester,
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
