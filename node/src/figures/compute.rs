//! A period's figures, counted from the node's own tables, each by one
//! written definition (see [`super::definitions`]). Nothing here names a
//! person: every query returns counts or ids that stay in this function.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use noaber_federation::figures::{METRICS, Period, Source};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

use super::Result;
use crate::db::Db;
use crate::entity::{
    activity, bottleneck, help_request, hour_entry, manual_figure, match_, member, volunteer,
};

/// One figure before disclosure: the true count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Computed {
    pub metric: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub value: i64,
    /// `computed`, `entered` or `derived`.
    #[schema(value_type = String)]
    pub source: Source,
}

fn at(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The default value of an hour of volunteer work for the social-value
/// figure: the Dutch statutory minimum hourly wage for 21 and over on
/// 1 January 2026 (Wet minimumloon en minimumvakantiebijslag), €14,71.
pub const DEFAULT_HOUR_RATE_CENTS: i32 = 1471;

/// Counts every metric for `period`. `rate_cents` values an hour of
/// volunteer work for the social-value figure.
pub async fn compute(db: &Db, period: Period, rate_cents: i32) -> Result<Vec<Computed>> {
    let (start, end) = (period.start(), period.end());
    let (ts, te) = (at(start), at(end));
    let conn = db.read();
    let mut values: BTreeMap<&'static str, i64> = BTreeMap::new();

    // Members on the last day of the period: joined before its end, not
    // erased before its end.
    let joined = Condition::any()
        .add(member::Column::MemberSince.lt(end))
        .add(
            Condition::all()
                .add(member::Column::MemberSince.is_null())
                .add(member::Column::CreatedAt.lt(te)),
        );
    let still = Condition::any()
        .add(member::Column::ErasedAt.is_null())
        .add(member::Column::ErasedAt.gte(te));
    let member_ids: HashSet<i32> = member::Entity::find()
        .select_only()
        .column(member::Column::Id)
        .filter(joined)
        .filter(still)
        .into_tuple::<i32>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    values.insert("members", member_ids.len() as i64);

    let volunteers: Vec<i32> = volunteer::Entity::find()
        .select_only()
        .column(volunteer::Column::MemberId)
        .filter(volunteer::Column::Active.eq(true))
        .into_tuple::<i32>()
        .all(conn)
        .await?;
    values.insert(
        "volunteers",
        volunteers.iter().filter(|m| member_ids.contains(m)).count() as i64,
    );

    // Active: at least one task in the period (hours written, or a request
    // accepted).
    let mut active: HashSet<i32> = hour_entry::Entity::find()
        .select_only()
        .column(hour_entry::Column::VolunteerId)
        .filter(hour_entry::Column::Date.gte(start))
        .filter(hour_entry::Column::Date.lt(end))
        .into_tuple::<i32>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let accepted: Vec<(i32, i32)> = match_::Entity::find()
        .select_only()
        .column(match_::Column::VolunteerId)
        .column(match_::Column::RequestId)
        // Accepted, and perhaps since completed or cancelled with its
        // request: what counts is that a volunteer said yes in the period.
        .filter(match_::Column::Status.is_in(["accepted", "completed", "cancelled"]))
        .filter(match_::Column::RespondedAt.gte(ts))
        .filter(match_::Column::RespondedAt.lt(te))
        .into_tuple()
        .all(conn)
        .await?;
    active.extend(accepted.iter().map(|(v, _)| *v));
    values.insert("active_volunteers", active.len() as i64);

    let received = help_request::Entity::find()
        .filter(help_request::Column::CreatedAt.gte(ts))
        .filter(help_request::Column::CreatedAt.lt(te))
        .count(conn)
        .await?;
    values.insert("requests_received", received as i64);
    let matched: HashSet<i32> = accepted.iter().map(|(_, r)| *r).collect();
    values.insert("requests_matched", matched.len() as i64);
    for (metric, status) in [
        ("requests_completed", "done"),
        ("requests_not_worked_out", "failed"),
    ] {
        let n = help_request::Entity::find()
            .filter(help_request::Column::Status.eq(status))
            .filter(help_request::Column::ClosedAt.gte(ts))
            .filter(help_request::Column::ClosedAt.lt(te))
            .count(conn)
            .await?;
        values.insert(metric, n as i64);
    }

    let minutes: Vec<i32> = hour_entry::Entity::find()
        .select_only()
        .column(hour_entry::Column::Minutes)
        .filter(hour_entry::Column::Date.gte(start))
        .filter(hour_entry::Column::Date.lt(end))
        .into_tuple()
        .all(conn)
        .await?;
    let minutes: i64 = minutes.into_iter().map(i64::from).sum();
    // Whole hours, half an hour and more rounds up.
    values.insert("hours", (minutes + 30) / 60);

    let participants: Vec<i32> = activity::Entity::find()
        .select_only()
        .column(activity::Column::Participants)
        .filter(activity::Column::Date.gte(start))
        .filter(activity::Column::Date.lt(end))
        .into_tuple()
        .all(conn)
        .await?;
    values.insert("activities", participants.len() as i64);
    values.insert(
        "participants",
        participants.into_iter().map(i64::from).sum(),
    );

    let mut out: Vec<Computed> = Vec::new();
    for m in METRICS {
        match (m.source, m.key) {
            (Source::Computed, key) if !m.by_category => out.push(Computed {
                metric: m.key,
                category: None,
                value: values.get(key).copied().unwrap_or(0),
                source: Source::Computed,
            }),
            (Source::Computed, _) => {
                out.extend(bottlenecks(db, m.key, start, end).await?);
            }
            (Source::Entered, key) => {
                if let Some(v) = entered(db, period, key).await? {
                    out.push(Computed {
                        metric: m.key,
                        category: None,
                        value: v,
                        source: Source::Entered,
                    });
                }
            }
            (Source::Derived, _) => out.push(Computed {
                metric: m.key,
                category: None,
                // Minutes × cents per hour, in whole euros.
                value: (minutes * i64::from(rate_cents) + 3_000) / 6_000,
                source: Source::Derived,
            }),
        }
    }
    Ok(out)
}

/// Bottlenecks per category: open on the last day of the period, or
/// solved during it (when it was last changed to solved).
async fn bottlenecks(
    db: &Db,
    metric: &'static str,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<Computed>> {
    let rows: Vec<(String, String, DateTime<Utc>, DateTime<Utc>)> = bottleneck::Entity::find()
        .select_only()
        .column(bottleneck::Column::Category)
        .column(bottleneck::Column::Status)
        .column(bottleneck::Column::CreatedAt)
        .column(bottleneck::Column::UpdatedAt)
        .filter(bottleneck::Column::CreatedAt.lt(at(end)))
        .into_tuple()
        .all(db.read())
        .await?;
    let mut per: BTreeMap<String, i64> = BTreeMap::new();
    for (category, status, _, updated) in rows {
        let solved = status == "opgelost";
        let counts = if metric == "bottlenecks_open" {
            !solved || updated >= at(end)
        } else {
            solved && updated >= at(start) && updated < at(end)
        };
        if counts {
            *per.entry(category).or_default() += 1;
        }
    }
    Ok(per
        .into_iter()
        .map(|(category, value)| Computed {
            metric,
            category: Some(category),
            value,
            source: Source::Computed,
        })
        .collect())
}

/// A figure entered by hand: for the period itself, or else the sum of
/// what was entered for its months.
async fn entered(db: &Db, period: Period, metric: &str) -> Result<Option<i64>> {
    let rows: Vec<(String, i64)> = manual_figure::Entity::find()
        .select_only()
        .column(manual_figure::Column::Period)
        .column(manual_figure::Column::Value)
        .filter(manual_figure::Column::Metric.eq(metric))
        .into_tuple()
        .all(db.read())
        .await?;
    let own = period.to_string();
    if let Some((_, v)) = rows.iter().find(|(p, _)| *p == own) {
        return Ok(Some(*v));
    }
    let months: Vec<i64> = rows
        .iter()
        .filter_map(|(p, v)| match Period::parse(p) {
            Ok(m @ Period::Month(..)) if m.start() >= period.start() && m.end() <= period.end() => {
                Some(*v)
            }
            _ => None,
        })
        .collect();
    Ok((!months.is_empty()).then(|| months.iter().sum()))
}
