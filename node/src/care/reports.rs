//! Local reports for the coordinator and the board ("Overzichten"): hours
//! per volunteer and per kind of help, requests by kind and state, for one
//! year. The key figures and the months come from the figures' own
//! counting (`figures::compute`), so one number never has two definitions;
//! what is counted here is only what the figures do not split.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::requests::Status;
use super::{Actor, Error, Result};
use crate::db::Db;
use crate::entity::{help_request, hour_entry};

/// Hours of one volunteer or one kind of help.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HoursLine {
    pub name: String,
    pub minutes: i64,
    pub kilometres: i64,
    pub entries: i64,
}

/// Requests of one kind of help, by state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestsLine {
    pub category: String,
    /// In the order of [`Status::ALL`].
    pub by_status: Vec<i64>,
    pub total: i64,
}

#[derive(Debug, Clone, Default)]
pub struct YearReport {
    pub year: i32,
    pub by_volunteer: Vec<HoursLine>,
    pub by_category: Vec<HoursLine>,
    pub requests: Vec<RequestsLine>,
    /// The column totals of `requests`, and their sum last.
    pub requests_total: Vec<i64>,
}

fn add(line: &mut HoursLine, minutes: i32, km: Option<i32>) {
    line.minutes += i64::from(minutes);
    line.kilometres += i64::from(km.unwrap_or(0));
    line.entries += 1;
}

/// The year's hours and requests, split by volunteer, kind and state.
/// Coordinators only: it names volunteers.
pub async fn year(db: &Db, actor: Actor, year: i32) -> Result<YearReport> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    // The same year as the figures' own.
    let period = noaber_federation::figures::Period::Year(year);
    let (start, end) = (period.start(), period.end());
    let cats = super::categories::names(db).await?;
    let no_request = "—".to_owned();

    let hours: Vec<(i32, Option<i32>, i32, Option<i32>)> = hour_entry::Entity::find()
        .select_only()
        .column(hour_entry::Column::VolunteerId)
        .column(hour_entry::Column::RequestId)
        .column(hour_entry::Column::Minutes)
        .column(hour_entry::Column::Kilometres)
        .filter(hour_entry::Column::Date.gte(start))
        .filter(hour_entry::Column::Date.lt(end))
        .into_tuple()
        .all(db.read())
        .await?;
    let request_ids: Vec<i32> = hours.iter().filter_map(|h| h.1).collect();
    let category_of: HashMap<i32, i32> = if request_ids.is_empty() {
        HashMap::new()
    } else {
        help_request::Entity::find()
            .select_only()
            .column(help_request::Column::Id)
            .column(help_request::Column::CategoryId)
            .filter(help_request::Column::Id.is_in(request_ids))
            .into_tuple::<(i32, i32)>()
            .all(db.read())
            .await?
            .into_iter()
            .collect()
    };
    let volunteer_ids: Vec<i32> = hours.iter().map(|h| h.0).collect();
    let names = super::members::names(db, &volunteer_ids).await?;
    let mut by_volunteer: HashMap<i32, HoursLine> = HashMap::new();
    let mut by_category: BTreeMap<String, HoursLine> = BTreeMap::new();
    for (volunteer, request, minutes, km) in hours {
        add(
            by_volunteer.entry(volunteer).or_insert_with(|| HoursLine {
                name: names.get(&volunteer).cloned().unwrap_or_default(),
                ..Default::default()
            }),
            minutes,
            km,
        );
        let cat = request
            .and_then(|r| category_of.get(&r))
            .and_then(|c| cats.get(c))
            .cloned()
            .unwrap_or_else(|| no_request.clone());
        add(
            by_category.entry(cat.clone()).or_insert_with(|| HoursLine {
                name: cat,
                ..Default::default()
            }),
            minutes,
            km,
        );
    }
    let mut by_volunteer: Vec<HoursLine> = by_volunteer.into_values().collect();
    by_volunteer.sort_by(|a, b| b.minutes.cmp(&a.minutes).then(a.name.cmp(&b.name)));
    let mut by_category: Vec<HoursLine> = by_category.into_values().collect();
    by_category.sort_by(|a, b| b.minutes.cmp(&a.minutes).then(a.name.cmp(&b.name)));

    // Requests received in the year (as the figures count "received"), by
    // kind and by the state they are in now.
    let rows: Vec<(i32, String)> = help_request::Entity::find()
        .select_only()
        .column(help_request::Column::CategoryId)
        .column(help_request::Column::Status)
        .filter(
            help_request::Column::CreatedAt.gte(start.and_hms_opt(0, 0, 0).map(|d| d.and_utc())),
        )
        .filter(help_request::Column::CreatedAt.lt(end.and_hms_opt(0, 0, 0).map(|d| d.and_utc())))
        .into_tuple()
        .all(db.read())
        .await?;
    let mut lines: BTreeMap<String, RequestsLine> = BTreeMap::new();
    let mut totals = vec![0i64; Status::ALL.len() + 1];
    for (cat, status) in rows {
        let name = cats.get(&cat).cloned().unwrap_or_default();
        let line = lines.entry(name.clone()).or_insert_with(|| RequestsLine {
            category: name,
            by_status: vec![0; Status::ALL.len()],
            total: 0,
        });
        if let Some(i) = Status::ALL.iter().position(|s| s.as_str() == status) {
            line.by_status[i] += 1;
            totals[i] += 1;
        }
        line.total += 1;
        totals[Status::ALL.len()] += 1;
    }
    Ok(YearReport {
        year,
        by_volunteer,
        by_category,
        requests: lines.into_values().collect(),
        requests_total: totals,
    })
}
