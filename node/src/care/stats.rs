//! Counts per month, computed from the tables. These are the raw material of
//! the initiative's figures; they contain no person and must not change when
//! a person is erased.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

use super::Result;
use crate::db::Db;
use crate::entity::{activity, help_request, hour_entry};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct MonthCounts {
    /// `2026-03`
    pub month: String,
    pub requests: i64,
    pub requests_done: i64,
    pub minutes: i64,
    pub kilometres: i64,
    pub activities: i64,
    pub participants: i64,
}

/// Counts for each month of `year` that has anything.
pub async fn monthly(db: &Db, year: i32) -> Result<Vec<MonthCounts>> {
    let (Some(start), Some(end)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
    ) else {
        return Ok(Vec::new());
    };
    let mut months: BTreeMap<u32, MonthCounts> = BTreeMap::new();
    let key = |m: u32| format!("{year}-{m:02}");

    let requests: Vec<(chrono::DateTime<chrono::Utc>, String)> = help_request::Entity::find()
        .select_only()
        .column(help_request::Column::CreatedAt)
        .column(help_request::Column::Status)
        .filter(
            help_request::Column::CreatedAt.gte(start.and_hms_opt(0, 0, 0).map(|d| d.and_utc())),
        )
        .filter(help_request::Column::CreatedAt.lt(end.and_hms_opt(0, 0, 0).map(|d| d.and_utc())))
        .into_tuple()
        .all(db.read())
        .await?;
    for (at, status) in requests {
        let e = months.entry(at.month()).or_default();
        e.requests += 1;
        if status == "done" {
            e.requests_done += 1;
        }
    }
    let hours: Vec<(NaiveDate, i32, Option<i32>)> = hour_entry::Entity::find()
        .select_only()
        .column(hour_entry::Column::Date)
        .column(hour_entry::Column::Minutes)
        .column(hour_entry::Column::Kilometres)
        .filter(hour_entry::Column::Date.gte(start))
        .filter(hour_entry::Column::Date.lt(end))
        .into_tuple()
        .all(db.read())
        .await?;
    for (date, minutes, km) in hours {
        let e = months.entry(date.month()).or_default();
        e.minutes += i64::from(minutes);
        e.kilometres += i64::from(km.unwrap_or(0));
    }
    let acts: Vec<(NaiveDate, i32)> = activity::Entity::find()
        .select_only()
        .column(activity::Column::Date)
        .column(activity::Column::Participants)
        .filter(activity::Column::Date.gte(start))
        .filter(activity::Column::Date.lt(end))
        .into_tuple()
        .all(db.read())
        .await?;
    for (date, participants) in acts {
        let e = months.entry(date.month()).or_default();
        e.activities += 1;
        e.participants += i64::from(participants);
    }
    Ok(months
        .into_iter()
        .map(|(m, mut c)| {
            c.month = key(m);
            c
        })
        .collect())
}
