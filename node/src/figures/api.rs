//! `/api/v1/figures` (own figures, definitions, entered figures,
//! disclosure settings), `/api/v1/reports` (disclose and send),
//! `/api/v1/network/totals`, `/trend` and `/initiatives` (the rollup).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use noaber_federation::figures::Period;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::rollup::{self, By, DirectoryLine, Totals, TrendPoint};
use super::sent::{self, Disclosed, SentReport};
use super::settings::{self, DisclosureSettings};
use super::{compute, manual, parse_period};
use crate::accounts::Role;
use crate::api::{ApiJson, ApiQuery};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::{AppError, ErrorBody};
use crate::i18n::Lang;
use crate::validation::Invalid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(own_figures))
        .routes(routes!(put_manual))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_reports, post_report))
        .routes(routes!(delete_report))
        .routes(routes!(network_totals))
        .routes(routes!(network_trend))
        .routes(routes!(network_initiatives))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// `2026`, `2026-Q3` or `2026-10`.
    period: Option<String>,
}

/// A figure with what it means.
#[derive(Debug, Serialize, ToSchema)]
pub struct FigureView {
    pub metric: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub value: i64,
    /// `computed`, `entered` or `derived`.
    pub source: String,
    pub label: String,
    pub definition: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OwnFigures {
    pub period: String,
    /// Whether the period has not ended yet.
    pub running: bool,
    pub figures: Vec<FigureView>,
    /// Value of an hour of volunteer work for `social_value_eur`, in cents.
    pub hour_rate_cents: i32,
    pub hour_rate_source: &'static str,
}

/// The period asked for, or the month that ended last.
pub fn period_or_last(field: &'static str, raw: Option<&str>) -> Result<Period, Invalid> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => parse_period(field, p),
        None => Ok(Period::last_ended(chrono::Utc::now().date_naive())[0]),
    }
}

/// Own figures of a period, computed now, with their definitions
/// (coordinator).
#[utoipa::path(get, path = "/api/v1/figures", tag = "figures", params(PeriodQuery),
    security(("bearer" = [])),
    responses((status = 200, body = OwnFigures), (status = 422, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn own_figures(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<OwnFigures>, AppError> {
    user.require(Role::Coordinator)?;
    let period = period_or_last("period", q.period.as_deref())?;
    Ok(Json(own(&state, period, Lang::Nl).await?))
}

async fn own(state: &AppState, period: Period, lang: Lang) -> Result<OwnFigures, AppError> {
    let s = settings::get(&state.db).await?;
    let computed = compute::compute(&state.db, period, s.hour_rate_cents).await?;
    Ok(own_from(period, computed, &s, lang))
}

/// Own figures with their words, from figures already counted.
pub fn own_from(
    period: Period,
    computed: Vec<compute::Computed>,
    s: &DisclosureSettings,
    lang: Lang,
) -> OwnFigures {
    OwnFigures {
        period: period.to_string(),
        running: !period.has_ended(chrono::Utc::now().date_naive()),
        figures: computed
            .into_iter()
            .map(|c| FigureView {
                label: super::cell_label(lang, c.metric, c.category.as_deref()),
                definition: super::definition(lang, c.metric),
                source: c.source.as_str().to_owned(),
                metric: c.metric,
                category: c.category,
                value: c.value,
            })
            .collect(),
        hour_rate_cents: s.hour_rate_cents,
        hour_rate_source: crate::i18n::text(lang, "figures.rate_source"),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualInput {
    /// `2026`, `2026-Q3` or `2026-10`.
    period: String,
    /// Metric → whole number; `null` or `""` removes it. Metrics: `rides`,
    /// `meals`, `visits`, `odd_jobs`.
    #[schema(value_type = Object)]
    values: BTreeMap<String, serde_json::Value>,
}

/// Enters figures kept elsewhere (coordinator).
#[utoipa::path(put, path = "/api/v1/figures/manual", tag = "figures", request_body = ManualInput,
    security(("bearer" = [])),
    responses((status = 200, body = OwnFigures), (status = 422, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn put_manual(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ManualInput>,
) -> Result<Json<OwnFigures>, AppError> {
    let who = user.require(Role::Coordinator)?.id;
    let period = parse_period("period", &input.period)?;
    manual::set(&state.db, period, &input.values, Some(who)).await?;
    Ok(Json(own(&state, period, Lang::Nl).await?))
}

/// The disclosure settings (coordinator).
#[utoipa::path(get, path = "/api/v1/figures/settings", tag = "figures",
    security(("bearer" = [])),
    responses((status = 200, body = DisclosureSettings), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<DisclosureSettings>, AppError> {
    user.require(Role::Coordinator)?;
    Ok(Json(settings::get(&state.db).await?))
}

/// Changes the disclosure settings (admin).
#[utoipa::path(put, path = "/api/v1/figures/settings", tag = "figures",
    request_body = DisclosureSettings, security(("bearer" = [])),
    responses((status = 200, body = DisclosureSettings), (status = 422, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<DisclosureSettings>,
) -> Result<Json<DisclosureSettings>, AppError> {
    user.require(Role::Admin)?;
    settings::save(&state.db, &input).await?;
    Ok(Json(settings::get(&state.db).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// `2026`, `2026-Q3` or `2026-10`.
    period: String,
    /// May a region pass it on; the setting when left out.
    forwardable: Option<bool>,
    /// Needed for a period that has not ended.
    #[serde(default)]
    provisional: bool,
    /// Only show what would be sent.
    #[serde(default)]
    preview: bool,
}

/// Discloses a period's figures and sends them to the followers, or with
/// `preview` only shows what would go (coordinator).
#[utoipa::path(post, path = "/api/v1/reports", tag = "figures", request_body = ReportInput,
    security(("bearer" = [])),
    responses((status = 201, body = SentReport), (status = 200, body = Disclosed),
              (status = 422, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
async fn post_report(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ReportInput>,
) -> Result<Response, AppError> {
    let who = user.require(Role::Coordinator)?.id;
    let period = parse_period("period", &input.period)?;
    let d = sent::prepare(
        &state.db,
        period,
        input.forwardable,
        input.provisional,
        chrono::Utc::now().date_naive(),
    )
    .await?;
    if input.preview {
        return Ok(Json(d).into_response());
    }
    let report = sent::send(&state.db, &state.federation, Some(who), &d).await?;
    Ok((StatusCode::CREATED, Json(report)).into_response())
}

/// The reports sent, with how their delivery stands (coordinator).
#[utoipa::path(get, path = "/api/v1/reports", tag = "figures", security(("bearer" = [])),
    responses((status = 200, body = Vec<SentReport>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
async fn list_reports(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<SentReport>>, AppError> {
    user.require(Role::Coordinator)?;
    Ok(Json(sent::list(&state.db, &state.federation).await?))
}

/// Takes a sent report back: it leaves every total (coordinator).
#[utoipa::path(delete, path = "/api/v1/reports/{period}", tag = "figures",
    params(("period" = String, Path, description = "2026, 2026-Q3 or 2026-10")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
async fn delete_report(
    State(state): State<AppState>,
    user: ApiUser,
    Path(period): Path<String>,
) -> Result<StatusCode, AppError> {
    user.require(Role::Coordinator)?;
    let period = Period::parse(&period).map_err(|_| AppError::NotFound)?;
    sent::withdraw(&state.db, &state.federation, period).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TotalsQuery {
    /// `2026`, `2026-Q3` or `2026-10`; the month that ended last if left out.
    pub period: Option<String>,
    /// `region` or `kind` (of initiative).
    pub by: Option<String>,
}

impl TotalsQuery {
    pub fn read(&self) -> Result<(Period, Option<By>), Invalid> {
        let period = period_or_last("period", self.period.as_deref())?;
        let by = match self.by.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("region") => Some(By::Region),
            Some("kind") => Some(By::Kind),
            Some(_) => return Err(Invalid::one("by", "error.by")),
        };
        Ok((period, by))
    }
}

/// Totals over the initiatives' reports, with coverage (every account).
#[utoipa::path(get, path = "/api/v1/network/totals", tag = "figures", params(TotalsQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Totals), (status = 422, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
async fn network_totals(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<TotalsQuery>,
) -> Result<Json<Totals>, AppError> {
    user.require(Role::Volunteer)?;
    let (period, by) = q.read()?;
    Ok(Json(rollup::totals(&state.federation, period, by).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TrendQuery {
    /// A metric key, e.g. `hours`.
    metric: Option<String>,
    /// The last period of the trend; its kind (month, quarter, year) is
    /// the trend's.
    period: Option<String>,
}

/// A metric's totals over the twelve periods up to `period`.
#[utoipa::path(get, path = "/api/v1/network/trend", tag = "figures", params(TrendQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<TrendPoint>), (status = 422, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
async fn network_trend(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<TrendQuery>,
) -> Result<Json<Vec<TrendPoint>>, AppError> {
    user.require(Role::Volunteer)?;
    let metric = q.metric.as_deref().unwrap_or("members");
    if noaber_federation::figures::metric(metric).is_none() {
        return Err(Invalid::one("metric", "error.unknown_metric").into());
    }
    let period = period_or_last("period", q.period.as_deref())?;
    Ok(Json(
        rollup::trend(&state.federation, metric, period, 12).await?,
    ))
}

/// The directory of known initiatives (every account).
#[utoipa::path(get, path = "/api/v1/network/initiatives", tag = "figures",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<DirectoryLine>), (status = 401, body = ErrorBody)))]
async fn network_initiatives(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<DirectoryLine>>, AppError> {
    user.require(Role::Volunteer)?;
    Ok(Json(rollup::directory(&state.federation).await?))
}
