//! Offers, hours, the audit log, help categories and the
//! retention setting.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{form, list, page_base};
use crate::accounts::Role;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::care::hours::{self, HoursInput};
use crate::care::offers::{self, OfferInput};
use crate::care::{Actor, Error, audit, categories, dutch, privacy};
use crate::error::AppError;
use crate::pagination::ListQuery;
use crate::validation::Invalid;
use crate::web::components::{Cell, Field, FormSpec, Kind, ListSpec, Opt};
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/aanbod", get(offers_index))
        .route("/aanbod/nieuw", get(offer_form).post(offer_create))
        .route("/uren", get(hours_index))
        .route("/uren/nieuw", get(hours_form).post(hours_create))
        .route("/audit", get(audit_index))
        .route(
            "/instellingen/categorieen",
            get(categories_index).post(category_create),
        )
        .route("/instellingen/categorieen/aan-uit", post(category_toggle))
        .route(
            "/instellingen/bewaartermijn",
            get(retention_form).post(retention_save),
        )
        .route(
            "/instellingen/hulpformulier",
            get(public_cap_form).post(public_cap_save),
        )
}

async fn offers_index(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let result = offers::list(&state.db, q.search(), q.page_request(), None).await?;
    let mut spec = ListSpec::new(
        "offers.title",
        vec![
            "offers.volunteer",
            "requests.category",
            "offers.area",
            "offers.times",
        ],
        &result,
        page_base("/aanbod", q.search(), &[]),
    );
    spec.search_action = Some("/aanbod".into());
    spec.search_label = "offers.search";
    spec.q = q.search().unwrap_or("").to_owned();
    spec.actions = vec![("/aanbod/nieuw".into(), "offers.new")];
    spec.empty = "offers.none_yet";
    spec.rows = result
        .items
        .iter()
        .map(|o| {
            vec![
                Cell::link(o.volunteer.clone(), format!("/leden/{}", o.volunteer_id)),
                Cell::text(o.category.clone()),
                Cell::text(o.area.clone()),
                Cell::text(o.times.clone()),
            ]
        })
        .collect();
    list(page, spec)
}

/// The chosen volunteer as a field: their name, the id hidden. `None` when
/// the id is not a volunteer's, so the page asks for a name first.
async fn chosen_volunteer(
    state: &AppState,
    raw_id: &str,
    change: &str,
) -> Result<Option<Field>, AppError> {
    let Ok(id) = raw_id.trim().parse::<i32>() else {
        return Ok(None);
    };
    let Some(name) = crate::care::members::names(&state.db, &[id])
        .await?
        .remove(&id)
    else {
        return Ok(None);
    };
    Ok(Some(Field::new(
        "volunteer_id",
        "offers.volunteer",
        Kind::Chosen {
            name,
            change: change.to_owned(),
        },
        id.to_string(),
    )))
}

async fn offer_fields(state: &AppState, input: &OfferInput) -> Result<Vec<Field>, AppError> {
    let cats = categories::list(&state.db, true).await?;
    let mut opts = vec![Opt::key("", "form.choose", input.category_id.is_empty())];
    opts.extend(cats.iter().map(|c| {
        Opt::text(
            c.id.to_string(),
            c.name.clone(),
            input.category_id == c.id.to_string(),
        )
    }));
    let mut fields = Vec::new();
    fields.extend(chosen_volunteer(state, &input.volunteer_id, "/aanbod/nieuw").await?);
    fields.extend([
        Field::new("category_id", "requests.category", Kind::Select(opts), ""),
        Field::new("area", "offers.area", Kind::Text, &input.area),
        Field::new("times", "offers.times", Kind::Text, &input.times).hint("offers.times_hint"),
        Field::new("note", "offers.note", Kind::TextArea, &input.note),
    ]);
    Ok(fields)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PickQuery {
    vrijwilliger: String,
    koppeling: String,
    zoek: String,
}

/// The first step of a form about a volunteer: find them by name.
fn pick_volunteer(
    action: &str,
    q: String,
    title: &'static str,
    back: (&str, &'static str),
) -> super::PickSpec {
    super::PickSpec {
        title,
        intro: "pick.volunteer_intro",
        action: action.to_owned(),
        param: "vrijwilliger",
        filter: crate::care::members::Filter::Volunteers,
        q,
        others: Vec::new(),
        back: (back.0.to_owned(), back.1),
    }
}

async fn offer_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<PickQuery>,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let input = OfferInput {
        volunteer_id: q.vrijwilliger,
        ..Default::default()
    };
    if chosen_volunteer(&state, &input.volunteer_id, "")
        .await?
        .is_none()
    {
        return super::pick(
            &state,
            page,
            pick_volunteer(
                "/aanbod/nieuw",
                q.zoek,
                "offers.new",
                ("/aanbod", "offers.back"),
            ),
        )
        .await;
    }
    let fields = offer_fields(&state, &input).await?;
    form(
        page,
        FormSpec::new("offers.new", "/aanbod/nieuw", fields).back("/aanbod", "offers.back"),
    )
}

async fn offer_create(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(input): Form<OfferInput>,
) -> Result<Response, AppError> {
    let actor = Actor::of(user.require(Role::Coordinator)?);
    match offers::create(&state.db, actor, &input).await {
        Ok(_) => Ok(flash_redirect("/aanbod", "flash.saved")),
        Err(Error::Invalid(errors)) => {
            let fields = offer_fields(&state, &input).await?;
            form(
                page,
                FormSpec::new("offers.new", "/aanbod/nieuw", fields)
                    .errors(errors)
                    .back("/aanbod", "offers.back"),
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn hours_index(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let actor = Actor::of(&user.0);
    let result = hours::list(&state.db, actor, q.search(), q.page_request()).await?;
    let mut spec = ListSpec::new(
        "hours.title",
        vec![
            "hours.date",
            "hours.volunteer",
            "hours.hours",
            "hours.kilometres",
        ],
        &result,
        page_base("/uren", q.search(), &[]),
    );
    spec.search_action = Some("/uren".into());
    spec.search_label = "hours.search";
    spec.q = q.search().unwrap_or("").to_owned();
    spec.actions = vec![("/uren/nieuw".into(), "hours.log")];
    spec.empty = "hours.none_yet";
    spec.rows = result
        .items
        .iter()
        .map(|h| {
            vec![
                Cell::text(dutch::format_date(h.date)),
                Cell::text(h.volunteer.clone()),
                Cell::text(dutch::format_hours(i64::from(h.minutes))),
                Cell::text(h.kilometres.map(|k| k.to_string()).unwrap_or_default()),
            ]
        })
        .collect();
    list(page, spec)
}

/// A coordinator enters hours for a chosen volunteer; a volunteer for
/// themselves (no person field then).
async fn hours_fields(
    state: &AppState,
    input: &HoursInput,
    coordinator: bool,
) -> Result<Vec<Field>, AppError> {
    let mut fields = Vec::new();
    if coordinator {
        fields.extend(chosen_volunteer(state, &input.volunteer_id, "/uren/nieuw").await?);
    }
    fields.push(Field::new("match_id", "", Kind::Hidden, &input.match_id));
    fields.push(
        Field::new("date", "hours.date", Kind::Date, &input.date)
            .narrow()
            .hint("hours.date_hint"),
    );
    fields.push(
        Field::new("hours", "hours.hours", Kind::Text, &input.hours)
            .narrow()
            .hint("hours.hours_hint"),
    );
    fields.push(
        Field::new(
            "kilometres",
            "hours.kilometres",
            Kind::Number,
            &input.kilometres,
        )
        .narrow()
        .hint("hours.kilometres_hint"),
    );
    fields.push(Field::new(
        "note",
        "hours.note",
        Kind::TextArea,
        &input.note,
    ));
    Ok(fields)
}

#[derive(Template)]
#[template(path = "not_linked.html")]
struct NotLinkedPage {
    page: PageCtx,
}

async fn hours_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<PickQuery>,
) -> Result<Response, AppError> {
    let actor = Actor::of(&user.0);
    let mut input = HoursInput {
        match_id: q.koppeling,
        volunteer_id: q.vrijwilliger,
        ..Default::default()
    };
    // From a task: the volunteer is the one who said yes to it.
    if input.volunteer_id.trim().is_empty()
        && let Ok(match_id) = input.match_id.trim().parse::<i32>()
        && let Some(v) = crate::care::requests::volunteer_of_match(&state.db, match_id).await?
    {
        input.volunteer_id = v.to_string();
    }
    if actor.is_coordinator() {
        if chosen_volunteer(&state, &input.volunteer_id, "")
            .await?
            .is_none()
        {
            return super::pick(
                &state,
                page,
                pick_volunteer("/uren/nieuw", q.zoek, "hours.log", ("/uren", "hours.back")),
            )
            .await;
        }
    } else if crate::care::members::volunteer_of_user(&state.db, actor.user_id)
        .await?
        .is_none()
    {
        // Saving would fail on a field this form does not have: say why
        // instead, and who can fix it.
        return Ok(render(&NotLinkedPage { page })?.into_response());
    }
    form(
        page,
        FormSpec::new(
            "hours.log",
            "/uren/nieuw",
            hours_fields(&state, &input, actor.is_coordinator()).await?,
        )
        .back("/uren", "hours.back"),
    )
}

async fn hours_create(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(input): Form<HoursInput>,
) -> Result<Response, AppError> {
    let actor = Actor::of(&user.0);
    match hours::log(&state.db, actor, &input).await {
        Ok(_) => Ok(flash_redirect("/uren", "flash.hours_saved")),
        Err(Error::Invalid(errors)) => form(
            page,
            FormSpec::new(
                "hours.log",
                "/uren/nieuw",
                hours_fields(&state, &input, actor.is_coordinator()).await?,
            )
            .errors(errors)
            .back("/uren", "hours.back"),
        ),
        Err(e) => Err(e.into()),
    }
}

async fn audit_index(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let result = audit::list(&state.db, None, q.page_request()).await?;
    let mut spec = ListSpec::new(
        "audit.title",
        vec!["audit.when", "audit.who", "audit.action", "audit.member"],
        &result,
        page_base("/audit", None, &[]),
    );
    spec.intro = "audit.intro";
    spec.rows = result
        .items
        .iter()
        .map(|a| {
            vec![
                Cell::text(crate::web::time::local(&a.at)),
                Cell::text(a.actor.clone()),
                Cell::text(page.t.t(&format!("audit.{}", a.action))),
                match a.member_id {
                    Some(id) => Cell::text(format!("#{id}")),
                    None => Cell::text(""),
                },
            ]
        })
        .collect();
    list(page, spec)
}

#[derive(askama::Template)]
#[template(path = "categories.html")]
struct CategoriesPage {
    page: PageCtx,
    categories: Vec<categories::Category>,
    errors: Invalid,
    name: String,
}

async fn categories_page(
    state: &AppState,
    page: PageCtx,
    errors: Invalid,
    name: &str,
) -> Result<Response, AppError> {
    use axum::response::IntoResponse;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let categories = categories::list(&state.db, false).await?;
    let body = crate::web::render(&CategoriesPage {
        page,
        categories,
        errors,
        name: name.to_owned(),
    })?;
    Ok((status, body).into_response())
}

async fn categories_index(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    categories_page(&state, page, Invalid::default(), "").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CategoryForm {
    name: String,
}

async fn category_create(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(f): Form<CategoryForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    match categories::create(&state.db, &f.name).await {
        Ok(_) => Ok(flash_redirect("/instellingen/categorieen", "flash.saved")),
        Err(Error::Invalid(errors)) => categories_page(&state, page, errors, &f.name).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ToggleForm {
    id: String,
    active: String,
}

async fn category_toggle(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ToggleForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let id = f.id.parse::<i32>().map_err(|_| AppError::NotFound)?;
    categories::set_active(&state.db, id, f.active == "ja").await?;
    Ok(flash_redirect("/instellingen/categorieen", "flash.saved"))
}

fn retention_spec(value: &str, errors: Invalid) -> FormSpec {
    FormSpec::new(
        "retention.title",
        "/instellingen/bewaartermijn",
        vec![
            Field::new("retention_months", "retention.months", Kind::Number, value)
                .narrow()
                .hint("retention.hint"),
        ],
    )
    .intro("retention.intro")
    .errors(errors)
    .back("/instellingen", "form.back")
}

async fn retention_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let months = privacy::retention_months(&state.db).await?;
    form(
        page,
        retention_spec(
            &months.map(|m| m.to_string()).unwrap_or_default(),
            Invalid::default(),
        ),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RetentionForm {
    retention_months: String,
}

async fn retention_save(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(f): Form<RetentionForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let months = match f.retention_months.trim() {
        "" => Ok(None),
        raw => raw
            .parse::<i32>()
            .map(Some)
            .map_err(|_| Invalid::one("retention_months", "error.retention")),
    };
    let result = match months {
        Ok(m) => privacy::set_retention_months(&state.db, m).await,
        Err(inv) => Err(inv.into()),
    };
    match result {
        Ok(()) => Ok(flash_redirect("/instellingen/bewaartermijn", "flash.saved")),
        Err(Error::Invalid(errors)) => form(page, retention_spec(&f.retention_months, errors)),
        Err(e) => Err(e.into()),
    }
}

fn public_cap_spec(
    input: &crate::care::public_form::FormSettingsInput,
    errors: Invalid,
) -> FormSpec {
    FormSpec::new(
        "publiccap.title",
        "/instellingen/hulpformulier",
        vec![
            Field::new(
                "contact_phone",
                "publiccap.phone",
                Kind::Tel,
                &input.contact_phone,
            )
            .hint("publiccap.phone_hint"),
            Field::new(
                "callback_days",
                "publiccap.callback_days",
                Kind::Number,
                &input.callback_days,
            )
            .narrow()
            .hint("publiccap.callback_hint"),
            Field::new(
                "public_form_hourly_cap",
                "publiccap.field",
                Kind::Number,
                &input.public_form_hourly_cap,
            )
            .narrow()
            .hint("publiccap.hint"),
        ],
    )
    .intro("publiccap.intro")
    .errors(errors)
    .back("/instellingen", "form.back")
}

async fn public_cap_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let s = crate::care::public_form::form_settings(&state.db).await?;
    let input = crate::care::public_form::FormSettingsInput {
        public_form_hourly_cap: s.hourly_cap.to_string(),
        contact_phone: s.contact_phone.unwrap_or_default(),
        callback_days: s.callback_days.to_string(),
    };
    form(page, public_cap_spec(&input, Invalid::default()))
}

async fn public_cap_save(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(f): Form<crate::care::public_form::FormSettingsInput>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    match crate::care::public_form::save_form_settings(&state.db, &f).await {
        Ok(()) => Ok(flash_redirect("/instellingen/hulpformulier", "flash.saved")),
        Err(Error::Invalid(errors)) => form(page, public_cap_spec(&f, errors)),
        Err(e) => Err(e.into()),
    }
}
