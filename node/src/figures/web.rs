//! The figures pages: own figures with what would leave and the sending of
//! reports (`/cijfers`), disclosure settings (`/cijfers/instellingen`), the
//! network dashboard with charts, tables and exports (`/cijfers/netwerk`,
//! `/cijfers/export`), and the public impact page (`/impact`).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use noaber_federation::figures::{METRICS, Period};
use serde::Deserialize;

use super::api::{OwnFigures, period_or_last};
use super::rollup::{self, By, DirectoryLine, TotalCell, Totals, TrendPoint};
use super::sent::{self, Disclosed, SentReport};
use super::settings::{self, DisclosureSettings};
use super::svg::{self, Bar};
use super::{Error, manual};
use crate::accounts::Role;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::knowledge::web::Fields;
use crate::validation::Invalid;
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cijfers", get(own_page))
        .route("/cijfers/handmatig", post(manual_post))
        .route("/cijfers/versturen", post(send_post))
        .route(
            "/cijfers/instellingen",
            get(settings_page).post(settings_post),
        )
        .route("/cijfers/netwerk", get(network_page))
        .route("/cijfers/export", get(export))
        .route("/impact", get(impact_page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PeriodForm {
    periode: String,
    cijfer: String,
    jaar: String,
}

/// A disclosed cell as a page shows it.
pub struct ShownFigure {
    pub label: String,
    pub text: String,
    pub entered: bool,
}

fn shown(lang: crate::i18n::Lang, d: &Disclosed) -> Vec<ShownFigure> {
    d.figures
        .iter()
        .map(|f| ShownFigure {
            label: super::cell_label(lang, &f.metric, f.category.as_deref()),
            text: rollup::figure_text(f),
            entered: f.entered,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "figures.html")]
struct OwnPage {
    page: PageCtx,
    period: String,
    period_name: String,
    own: OwnFigures,
    entered: Vec<(&'static str, String)>,
    disclosed: Vec<ShownFigure>,
    json: String,
    forwardable: bool,
    sent: Vec<SentReport>,
    errors: Invalid,
    is_network: bool,
}

async fn own_view(
    state: &AppState,
    page: PageCtx,
    raw_period: &str,
    errors: Invalid,
) -> Result<Response, AppError> {
    let period = match period_or_last("periode", Some(raw_period)) {
        Ok(p) => p,
        Err(e) => {
            let last = period_or_last("periode", None)?;
            return Box::pin(own_view(state, page, &last.to_string(), e)).await;
        }
    };
    let lang = page.t.0;
    // Counted once, shown twice: as counted, and as it would leave.
    let s = settings::get(&state.db).await?;
    let computed = super::compute::compute(&state.db, period, s.hour_rate_cents).await?;
    let today = chrono::Utc::now().date_naive();
    let d = sent::disclosed(period, &computed, &s, None, !period.has_ended(today));
    let own = super::api::own_from(period, computed, &s, lang);
    let values = manual::get(&state.db, period).await?;
    let entered = manual::metrics()
        .map(|m| (m, values.get(m).map(i64::to_string).unwrap_or_default()))
        .collect();
    let is_network = is_network(state).await;
    let status = status_for(&errors);
    Ok((
        status,
        render(&OwnPage {
            period: period.to_string(),
            period_name: period.dutch(),
            entered,
            disclosed: shown(lang, &d),
            json: serde_json::to_string_pretty(&d.figures).map_err(Error::from)?,
            forwardable: d.forwardable,
            sent: sent::list(&state.db, &state.federation).await?,
            own,
            errors,
            is_network,
            page,
        })?,
    )
        .into_response())
}

async fn own_page(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<PeriodForm>,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    own_view(&state, page, &q.periode, Invalid::default()).await
}

async fn manual_post(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    body: Bytes,
) -> Result<Response, AppError> {
    let who = user.require(Role::Coordinator)?.id;
    let f = Fields::parse(&body);
    let raw = f.one("periode");
    let period = super::parse_period("periode", &raw)?;
    let values = manual::metrics()
        .map(|m| (m.to_owned(), serde_json::Value::String(f.one(m))))
        .collect();
    match manual::set(&state.db, period, &values, Some(who)).await {
        Ok(()) => Ok(flash_redirect(
            &format!("/cijfers?periode={period}"),
            "flash.saved",
        )),
        Err(Error::Invalid(errors)) => own_view(&state, page, &raw, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn send_post(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    body: Bytes,
) -> Result<Response, AppError> {
    let who = user.require(Role::Coordinator)?.id;
    let f = Fields::parse(&body);
    let raw = f.one("periode");
    let period = super::parse_period("periode", &raw)?;
    let today = chrono::Utc::now().date_naive();
    let provisional = f.one("voorlopig") == "ja";
    let forwardable = f.one("doorgeven") == "ja";
    match sent::prepare(&state.db, period, Some(forwardable), provisional, today).await {
        Ok(d) => {
            sent::send(&state.db, &state.federation, Some(who), &d).await?;
            Ok(flash_redirect(
                &format!("/cijfers?periode={period}"),
                "flash.report_sent",
            ))
        }
        Err(Error::Invalid(errors)) => own_view(&state, page, &raw, errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "figures_settings.html")]
struct SettingsPage {
    page: PageCtx,
    s: DisclosureSettings,
    rate: String,
    metrics: Vec<(&'static str, &'static str)>,
    errors: Invalid,
    is_network: bool,
}

async fn is_network(state: &AppState) -> bool {
    state
        .profile()
        .await
        .is_some_and(|p| p.kind != noaber_federation::NodeKind::Initiative)
}

/// A form shown again with its errors answers 422.
fn status_for(errors: &Invalid) -> axum::http::StatusCode {
    if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    }
}

fn euros(cents: i32) -> String {
    format!("{},{:02}", cents / 100, cents % 100)
}

async fn settings_page(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let s = settings::get(&state.db).await?;
    settings_view(&state, page, s, None, Invalid::default()).await
}

async fn settings_view(
    state: &AppState,
    page: PageCtx,
    s: DisclosureSettings,
    rate: Option<String>,
    errors: Invalid,
) -> Result<Response, AppError> {
    let lang = page.t.0;
    let is_network = is_network(state).await;
    let status = status_for(&errors);
    Ok((
        status,
        render(&SettingsPage {
            rate: rate.unwrap_or_else(|| euros(s.hour_rate_cents)),
            metrics: METRICS
                .iter()
                .map(|m| (m.key, super::label(lang, m.key)))
                .collect(),
            s,
            errors,
            is_network,
            page,
        })?,
    )
        .into_response())
}

async fn settings_post(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    body: Bytes,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    let f = Fields::parse(&body);
    let rate_raw = f.one("uurtarief");
    let mut s = DisclosureSettings {
        shared_metrics: f.all("delen"),
        public_metrics: f.all("openbaar"),
        open_data_metrics: f.all("open_data"),
        round_to_five: f.one("afronden") == "ja",
        forwardable: f.one("doorgeven") == "ja",
        auto_send: f.one("automatisch") == "ja",
        hour_rate_cents: 0,
    };
    match settings::parse_rate(&rate_raw) {
        Ok(c) => s.hour_rate_cents = c,
        Err(errors) => return settings_view(&state, page, s, Some(rate_raw), errors).await,
    }
    match settings::save(&state.db, &s).await {
        Ok(()) => Ok(flash_redirect("/cijfers/instellingen", "flash.saved")),
        Err(Error::Invalid(errors)) => settings_view(&state, page, s, Some(rate_raw), errors).await,
        Err(e) => Err(e.into()),
    }
}

/// A headline row of a split table.
pub struct GroupRow {
    pub name: String,
    pub coverage: String,
    pub cells: Vec<String>,
}

const HEADLINES: [&str; 4] = ["members", "volunteers", "hours", "requests_received"];

fn headline(cells: &[TotalCell], metric: &str) -> String {
    let (low, high) = cells
        .iter()
        .filter(|c| c.metric == metric)
        .fold((0, 0), |(l, h), c| (l + c.low, h + c.high));
    rollup::range_text(low, high)
}

fn group_rows(t: &Totals, by: By, lang: crate::i18n::Lang) -> Vec<GroupRow> {
    t.groups
        .iter()
        .map(|g| GroupRow {
            name: match (by, g.key.as_str()) {
                (_, "") => crate::i18n::text(lang, "figures.unknown_group").to_owned(),
                (By::Region, k) => k.to_owned(),
                (By::Kind, k) => super::kind_label(lang, k),
            },
            coverage: format!("{} / {}", g.coverage.reported, g.coverage.known),
            cells: HEADLINES.iter().map(|m| headline(&g.cells, m)).collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "figures_network.html")]
struct NetworkPage {
    page: PageCtx,
    /// Kind of each directory line, in words.
    kinds: Vec<String>,
    period: String,
    period_name: String,
    metric: String,
    metrics: Vec<(&'static str, &'static str)>,
    totals: Totals,
    rows: Vec<(String, TotalCell)>,
    headlines: Vec<&'static str>,
    /// Title key, export table name, rows: by region and by kind.
    splits: Vec<(&'static str, &'static str, Vec<GroupRow>)>,
    chart: String,
    trend: Vec<(String, String, String)>,
    directory: Vec<DirectoryLine>,
    errors: Invalid,
}

async fn network_page(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<PeriodForm>,
) -> Result<Response, AppError> {
    user.require(Role::Volunteer)?;
    let lang = page.t.0;
    let (period, mut errors) = match period_or_last("periode", Some(&q.periode)) {
        Ok(p) => (p, Invalid::default()),
        Err(e) => (period_or_last("periode", None)?, e),
    };
    let metric = if noaber_federation::figures::metric(&q.cijfer).is_some() {
        q.cijfer.clone()
    } else {
        if !q.cijfer.is_empty() {
            errors.add("cijfer", "error.unknown_metric");
        }
        "members".to_owned()
    };
    let rollup::Dashboard {
        by_region: regions,
        by_kind: kinds,
        trend,
        directory,
    } = rollup::dashboard(&state.federation, period, &metric).await?;
    let label = super::label(lang, &metric);
    let chart = svg::bars(
        "trend",
        &format!("{label}: {}", crate::i18n::text(lang, "figures.trend")),
        &trend_description(&trend, lang),
        &trend
            .iter()
            .map(|p| Bar {
                label: short(p.period),
                low: p.low,
                high: p.high,
            })
            .collect::<Vec<_>>(),
    );
    let rows = regions
        .cells
        .iter()
        .map(|c| {
            (
                super::cell_label(lang, &c.metric, c.category.as_deref()),
                c.clone(),
            )
        })
        .collect();
    Ok(render(&NetworkPage {
        period: period.to_string(),
        period_name: period.dutch(),
        metrics: METRICS
            .iter()
            .map(|m| (m.key, super::label(lang, m.key)))
            .collect(),
        rows,
        headlines: HEADLINES.iter().map(|m| super::label(lang, m)).collect(),
        splits: vec![
            (
                "figures.by_region",
                "regio",
                group_rows(&regions, By::Region, lang),
            ),
            (
                "figures.by_kind",
                "soort",
                group_rows(&kinds, By::Kind, lang),
            ),
        ],
        chart,
        trend: trend
            .iter()
            .map(|p| {
                (
                    p.period.dutch(),
                    rollup::range_text(p.low, p.high),
                    format!("{} / {}", p.coverage.reported, p.coverage.known),
                )
            })
            .collect(),
        kinds: directory
            .iter()
            .map(|i| super::kind_label(lang, &i.initiative_type))
            .collect(),
        directory,
        totals: regions,
        metric,
        errors,
        page,
    })?
    .into_response())
}

fn short(p: Period) -> String {
    match p {
        Period::Month(y, m) => format!("{m:02}-{}", y % 100),
        Period::Quarter(y, q) => format!("Q{q} {}", y % 100),
        Period::Year(y) => y.to_string(),
    }
}

fn trend_description(trend: &[TrendPoint], lang: crate::i18n::Lang) -> String {
    trend
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p.period.dutch(),
                rollup::range_text(p.low, p.high)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
        + if trend.is_empty() {
            crate::i18n::text(lang, "figures.no_reports")
        } else {
            ""
        }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExportQuery {
    tabel: String,
    formaat: String,
    periode: String,
    cijfer: String,
}

/// One CSV field: quoted when needed, and never read as a formula by a
/// spreadsheet (names come from other servers).
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Every table of the dashboard as CSV or JSON.
async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    user.require(Role::Volunteer)?;
    let period = period_or_last("periode", Some(&q.periode))?;
    let fed = &state.federation;
    let (json, csv): (serde_json::Value, String) = match q.tabel.as_str() {
        "totalen" | "regio" | "soort" => {
            let by = match q.tabel.as_str() {
                "regio" => Some(By::Region),
                "soort" => Some(By::Kind),
                _ => None,
            };
            let t = rollup::totals(fed, period, by).await?;
            let mut csv = String::from(
                "group,metric,category,low,high,initiatives_reporting,initiatives_suppressed,coverage_reported,coverage_known\n",
            );
            let all = [("", t.coverage, &t.cells)];
            let groups: Vec<_> = t
                .groups
                .iter()
                .map(|g| (g.key.as_str(), g.coverage, &g.cells))
                .collect();
            let parts: Vec<_> = if by.is_some() { groups } else { all.to_vec() };
            for (key, cov, cells) in parts {
                for c in cells {
                    csv.push_str(&format!(
                        "{},{},{},{},{},{},{},{},{}\n",
                        csv_field(key),
                        c.metric,
                        c.category.as_deref().unwrap_or(""),
                        c.low,
                        c.high,
                        c.initiatives,
                        c.suppressed,
                        cov.reported,
                        cov.known
                    ));
                }
            }
            (serde_json::to_value(&t).map_err(Error::from)?, csv)
        }
        "trend" => {
            let metric = if noaber_federation::figures::metric(&q.cijfer).is_some() {
                q.cijfer.as_str()
            } else {
                "members"
            };
            let t = rollup::trend(fed, metric, period, 12).await?;
            let mut csv = String::from("period,metric,low,high,coverage_reported,coverage_known\n");
            for p in &t {
                csv.push_str(&format!(
                    "{},{metric},{},{},{},{}\n",
                    p.period, p.low, p.high, p.coverage.reported, p.coverage.known
                ));
            }
            (serde_json::to_value(&t).map_err(Error::from)?, csv)
        }
        "initiatieven" => {
            let d = rollup::directory(fed).await?;
            let mut csv = String::from("name,place,region,initiative_type,last_report,actor\n");
            for i in &d {
                csv.push_str(&format!(
                    "{},{},{},{},{},{}\n",
                    csv_field(&i.name),
                    csv_field(&i.place),
                    csv_field(&i.region),
                    csv_field(&i.initiative_type),
                    i.last_report.map(|d| d.to_string()).unwrap_or_default(),
                    csv_field(&i.actor)
                ));
            }
            (serde_json::to_value(&d).map_err(Error::from)?, csv)
        }
        _ => return Err(Invalid::one("tabel", "error.bad_request").into()),
    };
    let name = format!("noaber-{}-{period}", q.tabel);
    if q.formaat == "json" {
        Ok((
            [(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.json\""),
            )],
            axum::Json(json),
        )
            .into_response())
    } else {
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.csv\""),
                ),
            ],
            csv,
        )
            .into_response())
    }
}

/// One metric on the public page: the year's figure and its months.
pub struct PublicFigure {
    pub label: &'static str,
    pub definition: &'static str,
    pub year_text: String,
    pub chart: String,
    pub months: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "impact.html")]
struct ImpactPage {
    page: PageCtx,
    name: String,
    place: String,
    year: i32,
    running: bool,
    years: Vec<i32>,
    figures: Vec<PublicFigure>,
}

/// The initiative's public impact page: the figures it chose to make
/// public, per year, with the same disclosure as its reports.
async fn impact_page(
    State(state): State<AppState>,
    page: PageCtx,
    Query(q): Query<PeriodForm>,
) -> Result<Response, AppError> {
    let lang = page.t.0;
    let today = chrono::Utc::now().date_naive();
    let this_year = chrono::Datelike::year(&today);
    let year = q
        .jaar
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=this_year).contains(y))
        .unwrap_or(this_year);
    let profile = state.profile().await;
    let figures = super::public::year(&state.db, year, today)
        .await?
        .into_iter()
        .map(|m| {
            let label = super::label(lang, m.metric);
            let year_text = rollup::range_text(m.low, m.high);
            let months: Vec<(String, String)> = m
                .months
                .iter()
                .map(|(p, text, ..)| (p.dutch(), text.clone()))
                .collect();
            PublicFigure {
                label,
                definition: super::definition(lang, m.metric),
                chart: svg::bars(
                    &format!("c-{}", m.metric),
                    &format!("{label} {year}"),
                    &months
                        .iter()
                        .map(|(p, v)| format!("{p}: {v}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                    &m.months
                        .iter()
                        .map(|(p, _, low, high)| Bar {
                            label: short(*p),
                            low: *low,
                            high: *high,
                        })
                        .collect::<Vec<_>>(),
                ),
                year_text,
                months,
            }
        })
        .collect();
    Ok(render(&ImpactPage {
        name: profile.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        place: profile.map(|p| p.place).unwrap_or_default(),
        running: year == this_year,
        years: (this_year - 4..=this_year).rev().collect(),
        year,
        figures,
        page,
    })?
    .into_response())
}
