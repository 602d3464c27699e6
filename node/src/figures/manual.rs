//! Figures kept outside Noaber (rides, meals, visits, odd jobs), entered by
//! hand per period and marked as entered wherever they are shown.

use std::collections::BTreeMap;

use chrono::Utc;
use noaber_federation::figures::{METRICS, Period, Source};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use super::Result;
use crate::db::Db;
use crate::entity::manual_figure;
use crate::validation::Invalid;

/// The metrics that are entered by hand.
pub fn metrics() -> impl Iterator<Item = &'static str> {
    METRICS
        .iter()
        .filter(|m| m.source == Source::Entered)
        .map(|m| m.key)
}

/// Reads one typed value: empty is "not entered", otherwise a whole number
/// of at least 0; the error names the metric's field.
pub fn parse_value(metric: &'static str, raw: &serde_json::Value) -> Result<Option<i64>, Invalid> {
    let bad = || Invalid::one(metric, "error.whole_number");
    match raw {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) if s.trim().is_empty() => Ok(None),
        serde_json::Value::String(s) => {
            let t = s.trim();
            if !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            t.parse::<i64>()
                .ok()
                .filter(|v| *v <= noaber_federation::figures::MAX_VALUE)
                .map(Some)
                .ok_or_else(bad)
        }
        serde_json::Value::Number(n) => n
            .as_i64()
            .filter(|v| (0..=noaber_federation::figures::MAX_VALUE).contains(v))
            .map(Some)
            .ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// What was entered for `period`.
pub async fn get(db: &Db, period: Period) -> Result<BTreeMap<String, i64>> {
    Ok(manual_figure::Entity::find()
        .filter(manual_figure::Column::Period.eq(period.to_string()))
        .all(db.read())
        .await?
        .into_iter()
        .map(|r| (r.metric, r.value))
        .collect())
}

/// Sets the entered figures of a period: all values are checked first,
/// then written in one transaction; an empty value removes the entry.
pub async fn set(
    db: &Db,
    period: Period,
    values: &BTreeMap<String, serde_json::Value>,
    who: Option<i32>,
) -> Result<()> {
    let mut errors = Invalid::default();
    let mut parsed: Vec<(&'static str, Option<i64>)> = Vec::new();
    for (key, raw) in values {
        let Some(metric) = metrics().find(|m| m == key) else {
            errors.add("metric", "error.unknown_metric");
            continue;
        };
        match parse_value(metric, raw) {
            Ok(v) => parsed.push((metric, v)),
            Err(e) => errors.0.extend(e.0),
        }
    }
    errors.into_result()?;
    let p = period.to_string();
    let txn = db.write().begin().await?;
    for (metric, value) in parsed {
        manual_figure::Entity::delete_many()
            .filter(manual_figure::Column::Period.eq(&p))
            .filter(manual_figure::Column::Metric.eq(metric))
            .exec(&txn)
            .await?;
        if let Some(v) = value {
            manual_figure::ActiveModel {
                period: Set(p.clone()),
                metric: Set(metric.to_owned()),
                value: Set(v),
                entered_by: Set(who),
                updated_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}
