//! The care work in the JSON API: members, requests, suggestions, matches,
//! offers, hours, activities, categories, CSV import/export and the audit log.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Actor;
use super::activities::{self, Activity, ActivityDetail, ActivityInput};
use super::audit::{self, AuditLine};
use super::categories::{self, Category};
use super::hours::{self, HourEntry, HoursInput};
use super::import::{self, ImportReport, ImportResult, Mode};
use super::matching::{self, Suggestion};
use super::members::{self, Filter, Member, MemberInput, MemberSummary, VolunteerInput};
use super::offers::{self, Offer, OfferInput};
use super::privacy::{self, PersonExport};
use super::requests::{
    self, HelpRequest, ListFilter, MatchInfo, RequestChange, RequestDetail, RequestInput, Sort,
    Source, Status, Task,
};
use super::stats::{self, MonthCounts};
use crate::accounts::Role;
use crate::api::{ApiJson, ApiQuery, IdPath};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::{AppError, ErrorBody};
use crate::pagination::{ListQuery, Page};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members, create_member))
        .routes(routes!(get_member, update_member, erase_member))
        .routes(routes!(export_member))
        .routes(routes!(set_volunteer))
        .routes(routes!(export_members))
        .routes(routes!(list_requests, create_request))
        .routes(routes!(get_request, patch_request))
        .routes(routes!(erase_requester))
        .routes(routes!(request_status))
        .routes(routes!(suggestions))
        .routes(routes!(match_request))
        .routes(routes!(respond_match))
        .routes(routes!(my_tasks))
        .routes(routes!(list_offers, create_offer))
        .routes(routes!(list_hours, log_hours))
        .routes(routes!(list_activities, create_activity))
        .routes(routes!(get_activity, update_activity))
        .routes(routes!(sign_up))
        .routes(routes!(remove_signup))
        .routes(routes!(list_categories, create_category))
        .routes(routes!(list_audit))
        .routes(routes!(monthly_stats))
        .merge(
            // CSV files may be far larger than other API bodies.
            OpenApiRouter::new()
                .routes(routes!(import_members))
                .layer(axum::extract::DefaultBodyLimit::max(import::MAX_BYTES)),
        )
}

fn coordinator(user: &ApiUser) -> Result<Actor, AppError> {
    Ok(Actor::of(user.require(Role::Coordinator)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberListQuery {
    pub page: Option<String>,
    pub per_page: Option<String>,
    /// Search in name, phone, e-mail, postcode, neighbourhood.
    pub q: Option<String>,
    /// `1`: only volunteers.
    pub volunteers: Option<String>,
}

/// Members, by name (coordinators).
#[utoipa::path(get, path = "/api/v1/members", tag = "members", params(MemberListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<MemberSummary>), (status = 403, body = ErrorBody)))]
async fn list_members(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<MemberListQuery>,
) -> Result<Json<Page<MemberSummary>>, AppError> {
    let actor = coordinator(&user)?;
    let lq = ListQuery {
        page: q.page,
        per_page: q.per_page,
        q: q.q,
    };
    let filter = if q.volunteers.is_some() {
        Filter::Volunteers
    } else {
        Filter::All
    };
    Ok(Json(
        members::list_for(&state.db, actor, lq.search(), filter, lq.page_request()).await?,
    ))
}

/// Adds a member (coordinators).
#[utoipa::path(post, path = "/api/v1/members", tag = "members", request_body = MemberInput, security(("bearer" = [])),
    responses((status = 201, body = Member), (status = 422, body = ErrorBody)))]
async fn create_member(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<MemberInput>,
) -> Result<(StatusCode, Json<Member>), AppError> {
    let actor = coordinator(&user)?;
    Ok((
        StatusCode::CREATED,
        Json(members::create(&state.db, actor, &input).await?),
    ))
}

/// One member's record (coordinators). Every call is written to the audit log.
#[utoipa::path(get, path = "/api/v1/members/{id}", tag = "members", params(("id" = i32, Path)), security(("bearer" = [])),
    responses((status = 200, body = Member), (status = 404, body = ErrorBody)))]
async fn get_member(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<Member>, AppError> {
    let actor = coordinator(&user)?;
    Ok(Json(members::view(&state.db, actor, id).await?))
}

/// Replaces a member's details (coordinators).
#[utoipa::path(put, path = "/api/v1/members/{id}", tag = "members", params(("id" = i32, Path)), request_body = MemberInput,
    security(("bearer" = [])), responses((status = 200, body = Member), (status = 422, body = ErrorBody)))]
async fn update_member(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<MemberInput>,
) -> Result<Json<Member>, AppError> {
    let actor = coordinator(&user)?;
    Ok(Json(members::update(&state.db, actor, id, &input).await?))
}

/// Erases a member: personal data removed, anonymous counts kept.
#[utoipa::path(delete, path = "/api/v1/members/{id}", tag = "members", params(("id" = i32, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn erase_member(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    let actor = coordinator(&user)?;
    privacy::erase(&state.db, actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Erases the requester of a public-form or walk-in request: their name,
/// contact, description and recurrence. The anonymous request stays.
#[utoipa::path(delete, path = "/api/v1/requests/{id}/requester", tag = "requests", params(("id" = i32, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn erase_requester(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    let actor = coordinator(&user)?;
    privacy::erase_requester(&state.db, actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Everything the node holds about one person (audited).
#[utoipa::path(get, path = "/api/v1/members/{id}/export", tag = "members", params(("id" = i32, Path)), security(("bearer" = [])),
    responses((status = 200, body = PersonExport), (status = 404, body = ErrorBody)))]
async fn export_member(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<PersonExport>, AppError> {
    let actor = coordinator(&user)?;
    Ok(Json(privacy::export(&state.db, actor, id).await?))
}

/// Makes a member a volunteer or changes their profile (coordinators).
#[utoipa::path(put, path = "/api/v1/members/{id}/volunteer", tag = "members", params(("id" = i32, Path)),
    request_body = VolunteerInput, security(("bearer" = [])),
    responses((status = 200, body = Member), (status = 422, body = ErrorBody)))]
async fn set_volunteer(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<VolunteerInput>,
) -> Result<Json<Member>, AppError> {
    let actor = coordinator(&user)?;
    Ok(Json(
        members::set_volunteer(&state.db, actor, id, &input).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true` (default): only check. `false`: import.
    pub dry_run: Option<String>,
    /// `all` (only a clean file) or `valid_only`.
    pub mode: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportAnswer {
    pub report: ImportReport,
    /// Set when rows were imported.
    pub result: Option<ImportResult>,
}

/// Imports members and volunteers from a CSV body (`text/csv`). By default
/// only checks and reports; `?dry_run=false` imports in one transaction.
#[utoipa::path(post, path = "/api/v1/members/import", tag = "members", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"), security(("bearer" = [])),
    responses((status = 200, body = ImportAnswer), (status = 409, body = ErrorBody)))]
async fn import_members(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<ImportAnswer>, AppError> {
    let actor = coordinator(&user)?;
    let dry_run = !matches!(
        q.dry_run.as_deref(),
        Some("false") | Some("0") | Some("nee")
    );
    let mode = match q.mode.as_deref() {
        Some("valid_only") => Mode::ValidOnly,
        Some("all") | None => Mode::All,
        Some(_) => {
            return Err(AppError::BadRequest {
                field: Some("mode".into()),
                message: "error.choice",
            });
        }
    };
    let (batch, report) = import::dry_run(&state.db, actor, &body).await?;
    // An API client sends the file again to import it: the stored upload,
    // full of personal data, is not kept beyond this request (an import
    // that succeeds removes it itself).
    if dry_run {
        import::discard(&state.db, batch).await?;
        return Ok(Json(ImportAnswer {
            report,
            result: None,
        }));
    }
    let result = import::import(&state.db, actor, batch, mode).await;
    if result.is_err() {
        import::discard(&state.db, batch).await?;
    }
    Ok(Json(ImportAnswer {
        report,
        result: Some(result?),
    }))
}

/// All members as CSV (`;`, UTF-8 with BOM), audited.
#[utoipa::path(get, path = "/api/v1/members/export", tag = "members", security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String)))]
async fn export_members(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Response, AppError> {
    let actor = coordinator(&user)?;
    let csv = import::export_csv(&state.db, actor).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestListQuery {
    pub page: Option<String>,
    pub per_page: Option<String>,
    pub q: Option<String>,
    /// `new`, `asked`, `matched`, `done`, `cancelled`, `failed`.
    pub status: Option<String>,
    /// A category id.
    pub category: Option<String>,
    /// `newest` (the default), `wanted_date` or `urgency`.
    pub sort: Option<String>,
}

/// Help requests, newest first (coordinators). With `q`, matches are
/// counted up to 1,001: a `total` of 1001 means "more than 1,000".
#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", params(RequestListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<HelpRequest>)))]
async fn list_requests(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<RequestListQuery>,
) -> Result<Json<Page<HelpRequest>>, AppError> {
    coordinator(&user)?;
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(Status::parse(s).ok_or(AppError::BadRequest {
            field: Some("status".into()),
            message: "error.choice",
        })?),
    };
    let category = match q.category.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(c.parse::<i32>().map_err(|_| AppError::BadRequest {
            field: Some("category".into()),
            message: "error.category",
        })?),
    };
    let sort = match q.sort.as_deref().map(str::trim) {
        None | Some("") => Sort::default(),
        Some(s) => Sort::parse(s).ok_or(AppError::BadRequest {
            field: Some("sort".into()),
            message: "error.choice",
        })?,
    };
    let lq = ListQuery {
        page: q.page,
        per_page: q.per_page,
        q: q.q,
    };
    let filter = ListFilter {
        status,
        category,
        focus: None,
        sort,
        search: lq.search().map(str::to_owned),
    };
    Ok(Json(
        requests::list(&state.db, &filter, lq.page_request()).await?,
    ))
}

/// Records a help request (coordinators, also on behalf of a caller).
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", request_body = RequestInput, security(("bearer" = [])),
    responses((status = 201, body = HelpRequest), (status = 422, body = ErrorBody)))]
async fn create_request(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<RequestInput>,
) -> Result<(StatusCode, Json<HelpRequest>), AppError> {
    let actor = coordinator(&user)?;
    Ok((
        StatusCode::CREATED,
        Json(requests::create(&state.db, Some(actor), Source::Coordinator, &input).await?),
    ))
}

/// One request with its history and matches (audited against the requester).
#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "requests", params(("id" = i32, Path)), security(("bearer" = [])),
    responses((status = 200, body = RequestDetail), (status = 404, body = ErrorBody)))]
async fn get_request(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<RequestDetail>, AppError> {
    let actor = coordinator(&user)?;
    Ok(Json(requests::view(&state.db, actor, id).await?))
}

/// Changes an open request: only the fields sent change. `member_id` links
/// a request (e.g. from the public form) to a member. A closed request
/// gets 409; a bad value 422 naming its field, and nothing is changed.
#[utoipa::path(patch, path = "/api/v1/requests/{id}", tag = "requests", params(("id" = i32, Path)),
    request_body = RequestChange, security(("bearer" = [])),
    responses((status = 200, body = HelpRequest), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn patch_request(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(change): ApiJson<RequestChange>,
) -> Result<Json<HelpRequest>, AppError> {
    let actor = coordinator(&user)?;
    Ok(Json(requests::update(&state.db, actor, id, &change).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `done`, `cancelled` or `failed`.
    pub status: String,
}

/// Changes a request's status by hand; impossible changes get 409.
#[utoipa::path(post, path = "/api/v1/requests/{id}/status", tag = "requests", params(("id" = i32, Path)),
    request_body = StatusChange, security(("bearer" = [])),
    responses((status = 200, body = HelpRequest), (status = 409, body = ErrorBody)))]
async fn request_status(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<Json<HelpRequest>, AppError> {
    let actor = coordinator(&user)?;
    let to = Status::parse(&body.status).ok_or(AppError::BadRequest {
        field: Some("status".into()),
        message: "error.choice",
    })?;
    Ok(Json(
        requests::change_status(&state.db, actor, id, to).await?,
    ))
}

/// Suitable volunteers for a request, best first, with reasons.
#[utoipa::path(get, path = "/api/v1/requests/{id}/suggestions", tag = "requests", params(("id" = i32, Path)),
    security(("bearer" = [])), responses((status = 200, body = [Suggestion])))]
async fn suggestions(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<Suggestion>>, AppError> {
    coordinator(&user)?;
    Ok(Json(matching::suggest(&state.db, id, 20).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    /// The volunteer's member id.
    pub volunteer_id: i32,
}

/// Confirms a volunteer for a new request. Of two at once, one wins (201);
/// the other gets 409 and nothing is booked twice.
#[utoipa::path(post, path = "/api/v1/requests/{id}/match", tag = "requests", params(("id" = i32, Path)),
    request_body = MatchBody, security(("bearer" = [])),
    responses((status = 201, body = MatchInfo), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn match_request(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<MatchBody>,
) -> Result<(StatusCode, Json<MatchInfo>), AppError> {
    let actor = coordinator(&user)?;
    let asked = requests::match_volunteer(&state.db, actor, id, body.volunteer_id).await?;
    state.notifier().await.after_ask(asked.id).await;
    Ok((StatusCode::CREATED, Json(asked)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub accept: bool,
}

/// The volunteer (or a coordinator for them) accepts or declines a match.
#[utoipa::path(post, path = "/api/v1/matches/{id}/respond", tag = "requests", params(("id" = i32, Path)),
    request_body = Answer, security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn respond_match(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<Answer>,
) -> Result<StatusCode, AppError> {
    let actor = Actor::of(&user.0);
    requests::respond(&state.db, actor, id, body.accept).await?;
    state
        .notifier()
        .await
        .after_answer(actor.is_coordinator(), id, body.accept)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own open tasks (volunteers).
#[utoipa::path(get, path = "/api/v1/my/tasks", tag = "requests", security(("bearer" = [])),
    responses((status = 200, body = [Task])))]
async fn my_tasks(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<Task>>, AppError> {
    Ok(Json(
        requests::tasks_of(&state.db, Actor::of(&user.0)).await?,
    ))
}

/// Standing offers of volunteers (coordinators).
#[utoipa::path(get, path = "/api/v1/offers", tag = "offers", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<Offer>)))]
async fn list_offers(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Offer>>, AppError> {
    coordinator(&user)?;
    Ok(Json(
        offers::list(&state.db, q.search(), q.page_request(), None).await?,
    ))
}

/// Records an offer (a volunteer for themselves, a coordinator for anyone).
#[utoipa::path(post, path = "/api/v1/offers", tag = "offers", request_body = OfferInput, security(("bearer" = [])),
    responses((status = 201, body = Offer), (status = 422, body = ErrorBody)))]
async fn create_offer(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<OfferInput>,
) -> Result<(StatusCode, Json<Offer>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(offers::create(&state.db, Actor::of(&user.0), &input).await?),
    ))
}

/// Hours, newest first; volunteers see only their own.
#[utoipa::path(get, path = "/api/v1/hours", tag = "hours", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<HourEntry>)))]
async fn list_hours(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<HourEntry>>, AppError> {
    Ok(Json(
        hours::list(&state.db, Actor::of(&user.0), q.search(), q.page_request()).await?,
    ))
}

/// Logs hours (a volunteer for themselves, a coordinator for anyone).
#[utoipa::path(post, path = "/api/v1/hours", tag = "hours", request_body = HoursInput, security(("bearer" = [])),
    responses((status = 201, body = HourEntry), (status = 422, body = ErrorBody)))]
async fn log_hours(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<HoursInput>,
) -> Result<(StatusCode, Json<HourEntry>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(hours::log(&state.db, Actor::of(&user.0), &input).await?),
    ))
}

/// Activities, newest first (coordinators).
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<Activity>)))]
async fn list_activities(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Activity>>, AppError> {
    coordinator(&user)?;
    Ok(Json(
        activities::list(&state.db, q.search(), q.page_request()).await?,
    ))
}

/// Records an activity with its number of participants (coordinators).
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = ActivityInput, security(("bearer" = [])),
    responses((status = 201, body = Activity), (status = 422, body = ErrorBody)))]
async fn create_activity(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ActivityInput>,
) -> Result<(StatusCode, Json<Activity>), AppError> {
    let actor = coordinator(&user)?;
    Ok((
        StatusCode::CREATED,
        Json(activities::create(&state.db, actor, &input).await?),
    ))
}

/// One activity with who signed up (coordinators).
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = i32, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ActivityDetail), (status = 404, body = ErrorBody)))]
async fn get_activity(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<ActivityDetail>, AppError> {
    let actor = coordinator(&user)?;
    Ok(Json(activities::get(&state.db, actor, id).await?))
}

/// Changes an activity: every field as in a new one (coordinators).
#[utoipa::path(put, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = i32, Path)),
    request_body = ActivityInput, security(("bearer" = [])),
    responses((status = 200, body = Activity), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_activity(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<ActivityInput>,
) -> Result<Json<Activity>, AppError> {
    let actor = coordinator(&user)?;
    Ok(Json(
        activities::update(&state.db, actor, id, &input).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpBody {
    pub member_id: i32,
}

/// Signs a member up for an activity, once (coordinators); 409 the
/// second time.
#[utoipa::path(post, path = "/api/v1/activities/{id}/signups", tag = "activities", params(("id" = i32, Path)),
    request_body = SignUpBody, security(("bearer" = [])),
    responses((status = 201, body = ActivityDetail), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn sign_up(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(body): ApiJson<SignUpBody>,
) -> Result<(StatusCode, Json<ActivityDetail>), AppError> {
    let actor = coordinator(&user)?;
    activities::sign_up(&state.db, actor, id, body.member_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(activities::get(&state.db, actor, id).await?),
    ))
}

/// Takes a sign-up off an activity (coordinators).
#[utoipa::path(delete, path = "/api/v1/activities/{id}/signups/{signup_id}", tag = "activities",
    params(("id" = i32, Path), ("signup_id" = i32, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_signup(
    State(state): State<AppState>,
    user: ApiUser,
    axum::extract::Path((id, signup_id)): axum::extract::Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let actor = coordinator(&user)?;
    let (Ok(id), Ok(signup_id)) = (id.parse::<i32>(), signup_id.parse::<i32>()) else {
        return Err(AppError::NotFound);
    };
    activities::remove_signup(&state.db, actor, id, signup_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Help categories of this node.
#[utoipa::path(get, path = "/api/v1/categories", tag = "categories", security(("bearer" = [])),
    responses((status = 200, body = [Category])))]
async fn list_categories(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Json<Vec<Category>>, AppError> {
    Ok(Json(categories::list(&state.db, false).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    pub name: String,
}

/// Adds a help category (admin).
#[utoipa::path(post, path = "/api/v1/categories", tag = "categories", request_body = NewCategory, security(("bearer" = [])),
    responses((status = 201, body = Category), (status = 422, body = ErrorBody)))]
async fn create_category(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewCategory>,
) -> Result<(StatusCode, Json<Category>), AppError> {
    user.require(Role::Admin)?;
    Ok((
        StatusCode::CREATED,
        Json(categories::create(&state.db, &body.name).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub page: Option<String>,
    pub per_page: Option<String>,
    /// Only entries about this member.
    pub member_id: Option<String>,
}

/// Who viewed or changed whose data (admin).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<AuditLine>), (status = 403, body = ErrorBody)))]
async fn list_audit(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Page<AuditLine>>, AppError> {
    user.require(Role::Admin)?;
    let member = q.member_id.as_deref().and_then(|m| m.parse().ok());
    let lq = ListQuery {
        page: q.page,
        per_page: q.per_page,
        q: None,
    };
    Ok(Json(
        audit::list(&state.db, member, lq.page_request()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    pub year: Option<String>,
}

/// Counts per month of a year: requests, hours, kilometres, activities.
#[utoipa::path(get, path = "/api/v1/stats/monthly", tag = "stats", params(YearQuery), security(("bearer" = [])),
    responses((status = 200, body = [MonthCounts])))]
async fn monthly_stats(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Result<Json<Vec<MonthCounts>>, AppError> {
    coordinator(&user)?;
    use chrono::Datelike;
    let year = match q.year.as_deref() {
        None | Some("") => chrono::Utc::now().year(),
        Some(y) => y.parse().map_err(|_| AppError::BadRequest {
            field: Some("year".into()),
            message: "error.bad_request",
        })?,
    };
    Ok(Json(stats::monthly(&state.db, year).await?))
}
