//! "Overzichten": the year's key figures, the months, hours per volunteer
//! and per kind of help, requests by kind and state; printable, and each
//! table as CSV for the board's spreadsheet.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Datelike;
use noaber_federation::figures::Period;
use serde::Deserialize;

use super::coordinator;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::care::dutch::format_hours;
use crate::care::reports::{self, YearReport};
use crate::care::requests::Status;
use crate::error::AppError;
use crate::figures::compute::{self, Computed};
use crate::web::{PageCtx, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/overzichten", get(show))
        .route("/overzichten/{part}", get(csv))
}

/// The figures shown per month: the ones a board asks about.
const MONTH_METRICS: [&str; 5] = [
    "requests_received",
    "requests_matched",
    "requests_completed",
    "hours",
    "active_volunteers",
];

/// The key figures of the year, in the figures' order.
const YEAR_METRICS: [&str; 10] = [
    "members",
    "volunteers",
    "active_volunteers",
    "requests_received",
    "requests_matched",
    "requests_completed",
    "requests_not_worked_out",
    "hours",
    "activities",
    "participants",
];

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearQuery {
    jaar: String,
}

/// The year's key figures and its months, counted by the figures.
struct KeyFigures {
    key: Vec<(&'static str, i64)>,
    /// (month name key, values in the order of MONTH_METRICS)
    months: Vec<(String, Vec<i64>)>,
}

fn value(figures: &[Computed], metric: &str) -> i64 {
    figures
        .iter()
        .filter(|c| c.metric == metric && c.category.is_none())
        .map(|c| c.value)
        .sum()
}

fn chosen_year(q: &YearQuery) -> Result<i32, AppError> {
    let this_year = chrono::Utc::now().year();
    match q.jaar.trim() {
        "" => Ok(this_year),
        raw => raw
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=this_year + 1).contains(y))
            .ok_or(AppError::BadRequest {
                field: Some("jaar".into()),
                message: "error.year",
            }),
    }
}

async fn key_figures(state: &AppState, year: i32) -> Result<KeyFigures, AppError> {
    let rate = crate::figures::settings::get(&state.db)
        .await?
        .hour_rate_cents;
    let figures = compute::compute(&state.db, Period::Year(year), rate).await?;
    let key = YEAR_METRICS
        .iter()
        .map(|m| (*m, value(&figures, m)))
        .collect();
    let now = chrono::Utc::now();
    let last_month = if year == now.year() { now.month() } else { 12 };
    let mut months = Vec::new();
    for month in 1..=last_month {
        let f = compute::compute(&state.db, Period::Month(year, month), rate).await?;
        months.push((
            format!("month.{month}"),
            MONTH_METRICS.iter().map(|m| value(&f, m)).collect(),
        ));
    }
    Ok(KeyFigures { key, months })
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    page: PageCtx,
    year: i32,
    figures: KeyFigures,
    report: YearReport,
    statuses: [Status; 6],
    month_metrics: [&'static str; 5],
}

impl ReportsPage {
    fn metric_key(&self, i: &usize) -> &'static str {
        self.month_metrics
            .get(*i)
            .map(|m| metric_label(m))
            .unwrap_or("")
    }

    /// A state's label; past the states, the total.
    fn status_key(&self, i: &usize) -> &'static str {
        self.statuses
            .get(*i)
            .map(|s| s.label_key())
            .unwrap_or("reports.total")
    }
}

/// The locale key of a metric's name.
fn metric_label(metric: &str) -> &'static str {
    match metric {
        "members" => "metric.members",
        "volunteers" => "metric.volunteers",
        "active_volunteers" => "metric.active_volunteers",
        "requests_received" => "metric.requests_received",
        "requests_matched" => "metric.requests_matched",
        "requests_completed" => "metric.requests_completed",
        "requests_not_worked_out" => "metric.requests_not_worked_out",
        "hours" => "metric.hours",
        "activities" => "metric.activities",
        _ => "metric.participants",
    }
}

fn hours(minutes: &i64) -> String {
    format_hours(*minutes)
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = chosen_year(&q)?;
    let report = reports::year(&state.db, coordinator(&user)?, year).await?;
    let figures = key_figures(&state, year).await?;
    Ok(render(&ReportsPage {
        page,
        year,
        figures,
        report,
        statuses: Status::ALL,
        month_metrics: MONTH_METRICS,
    })?
    .into_response())
}

/// Writing into memory only fails on a bug; it is an internal error.
fn write_failed(why: String) -> AppError {
    crate::care::Error::Db(sea_orm::DbErr::Custom(why)).into()
}

/// One table as CSV (`;`, as Dutch spreadsheets expect).
async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Path(part): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = chosen_year(&q)?;
    let Some(part) = part.strip_suffix(".csv") else {
        return Err(AppError::NotFound);
    };
    if !["maanden", "vrijwilligers", "soorten", "hulpvragen"].contains(&part) {
        return Err(AppError::NotFound);
    }
    let actor = coordinator(&user)?;
    let t = page.t;
    let mut rows: Vec<Vec<String>> = Vec::new();
    match part {
        "maanden" => {
            let mut head = vec![t.t("reports.month").to_owned()];
            head.extend(
                MONTH_METRICS
                    .iter()
                    .map(|m| t.t(metric_label(m)).to_owned()),
            );
            rows.push(head);
            // Only the months: the per-person split is not needed here.
            for (month, values) in &key_figures(&state, year).await?.months {
                let mut row = vec![t.t(month).to_owned()];
                row.extend(values.iter().map(i64::to_string));
                rows.push(row);
            }
        }
        "vrijwilligers" | "soorten" => {
            let report = reports::year(&state.db, actor, year).await?;
            let (first, lines) = if part == "vrijwilligers" {
                ("reports.volunteer", report.by_volunteer)
            } else {
                ("requests.category", report.by_category)
            };
            rows.push(vec![
                t.t(first).to_owned(),
                t.t("reports.hours").to_owned(),
                t.t("reports.km").to_owned(),
                t.t("reports.entries").to_owned(),
            ]);
            for l in lines {
                rows.push(vec![
                    l.name,
                    format_hours(l.minutes),
                    l.kilometres.to_string(),
                    l.entries.to_string(),
                ]);
            }
        }
        _ => {
            let mut head = vec![t.t("requests.category").to_owned()];
            head.extend(Status::ALL.iter().map(|s| t.t(s.label_key()).to_owned()));
            head.push(t.t("reports.total").to_owned());
            rows.push(head);
            for l in reports::year(&state.db, actor, year).await?.requests {
                let mut row = vec![l.category];
                row.extend(l.by_status.iter().map(i64::to_string));
                row.push(l.total.to_string());
                rows.push(row);
            }
        }
    }
    let mut out = ::csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    for r in rows {
        // Names are typed by people: never let a spreadsheet run one.
        let r: Vec<String> = r
            .iter()
            .map(|c| crate::care::import::safe_cell(c))
            .collect();
        out.write_record(&r)
            .map_err(|e| write_failed(e.to_string()))?;
    }
    let body = out.into_inner().map_err(|e| write_failed(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"overzicht-{part}-{year}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}
