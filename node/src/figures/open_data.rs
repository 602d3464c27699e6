//! Open data: the totals a network node chooses to publish, for anyone, as
//! JSON and CSV, with the coverage and the suppression rule stated.

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::api::TotalsQuery;
use super::rollup::{self, Coverage, TotalCell};
use super::settings;
use crate::app::AppState;
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open-data/totals.json", get(json))
        .route("/open-data/totals.csv", get(csv))
}

pub const SUPPRESSION_RULE: &str = "Each initiative reports counts from 1 to 4 as suppressed \
     (\"<5\"), never as their value, and may round other counts to a multiple of 5. A total over \
     suppressed or rounded cells is given as a range from low to high; when low equals high it \
     is exact.";

#[derive(Debug, Serialize)]
pub struct OpenTotals {
    pub network: String,
    pub period: String,
    pub coverage: Coverage,
    pub suppression_rule: &'static str,
    pub totals: Vec<TotalCell>,
}

pub async fn open_totals(state: &AppState, q: &TotalsQuery) -> Result<OpenTotals, AppError> {
    let (period, _) = q.read()?;
    let chosen = settings::get(&state.db).await?.open_data_metrics;
    let t = rollup::totals(&state.federation, period, None).await?;
    Ok(OpenTotals {
        network: state.profile().await.map(|p| p.name).unwrap_or_default(),
        period: period.to_string(),
        coverage: t.coverage,
        suppression_rule: SUPPRESSION_RULE,
        totals: t
            .cells
            .into_iter()
            .filter(|c| chosen.contains(&c.metric))
            .collect(),
    })
}

async fn json(
    State(state): State<AppState>,
    Query(q): Query<TotalsQuery>,
) -> Result<Response, AppError> {
    Ok(Json(open_totals(&state, &q).await?).into_response())
}

/// The same table as CSV: one line per total.
pub fn to_csv(t: &OpenTotals) -> String {
    let mut out = String::from(
        "period,metric,category,low,high,initiatives_reporting,initiatives_suppressed,coverage_reported,coverage_known\n",
    );
    for c in &t.totals {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            t.period,
            c.metric,
            c.category.as_deref().unwrap_or(""),
            c.low,
            c.high,
            c.initiatives,
            c.suppressed,
            t.coverage.reported,
            t.coverage.known
        ));
    }
    out
}

async fn csv(
    State(state): State<AppState>,
    Query(q): Query<TotalsQuery>,
) -> Result<Response, AppError> {
    let t = open_totals(&state, &q).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        to_csv(&t),
    )
        .into_response())
}
