//! Hours (inzet) and kilometres for rides, per volunteer and date.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Actor, Error, Result, dutch};
use crate::db::Db;
use crate::entity::{hour_entry, match_, volunteer};
use crate::pagination::{Page, PageRequest};
use crate::validation::Invalid;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HoursInput {
    /// The volunteer's member id. Volunteers may leave it empty for themselves.
    pub volunteer_id: String,
    /// The match these hours belong to, if any.
    pub match_id: String,
    /// `dd-mm-jjjj`; not in the future.
    pub date: String,
    /// `1,5`, `1:30` or `90m`.
    pub hours: String,
    /// Kilometres driven, for rides.
    pub kilometres: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HourEntry {
    pub id: i32,
    pub volunteer_id: i32,
    pub volunteer: String,
    pub match_id: Option<i32>,
    pub request_id: Option<i32>,
    pub date: NaiveDate,
    pub minutes: i32,
    pub kilometres: Option<i32>,
    pub note: Option<String>,
    /// The account that typed it in (the volunteer or a coordinator).
    pub entered_by: Option<i32>,
    pub created_at: DateTime<Utc>,
}

pub async fn log(db: &Db, actor: Actor, input: &HoursInput) -> Result<HourEntry> {
    let mut e = Invalid::default();
    let own = super::members::volunteer_of_user(db, actor.user_id).await?;
    let volunteer_id = match input.volunteer_id.trim() {
        "" => own,
        raw => raw.parse::<i32>().ok(),
    };
    // Every problem at once: a missing number does not stop the other checks.
    match volunteer_id {
        None if input.volunteer_id.trim().is_empty() => {
            e.add("volunteer_id", "error.volunteer_number")
        }
        None => e.add("volunteer_id", "error.not_a_volunteer"),
        Some(id) => {
            if !actor.is_coordinator() && own != Some(id) {
                return Err(Error::Forbidden);
            }
            if volunteer::Entity::find_by_id(id)
                .one(db.read())
                .await?
                .is_none()
            {
                e.add("volunteer_id", "error.not_a_volunteer");
            }
        }
    }
    let volunteer_id = volunteer_id.unwrap_or(0);
    let (match_id, request_id) = match input.match_id.trim() {
        "" => (None, None),
        raw => match raw.parse::<i32>() {
            Ok(id) => match match_::Entity::find_by_id(id).one(db.read()).await? {
                Some(m) if m.volunteer_id == volunteer_id && m.status != "declined" => {
                    (Some(m.id), Some(m.request_id))
                }
                _ => {
                    e.add("match_id", "error.match");
                    (None, None)
                }
            },
            Err(_) => {
                e.add("match_id", "error.match");
                (None, None)
            }
        },
    };
    let today = Utc::now().date_naive();
    let date = match dutch::parse_date(&input.date) {
        Some(d) if d <= today => Some(d),
        Some(_) => {
            e.add("date", "error.future_date");
            None
        }
        None if input.date.trim().is_empty() => Some(today),
        None => {
            e.add("date", "error.date");
            None
        }
    };
    let minutes = match dutch::parse_duration_minutes(&input.hours) {
        Some(m) if (1..=24 * 60).contains(&m) => m,
        _ => {
            e.add("hours", "error.hours");
            0
        }
    };
    let kilometres = match input.kilometres.trim() {
        "" => None,
        raw => match raw.parse::<i32>() {
            Ok(k) if (0..=2000).contains(&k) => Some(k),
            _ => {
                e.add("kilometres", "error.kilometres");
                None
            }
        },
    };
    let note = input.note.trim();
    if note.chars().count() > 1000 {
        e.add("note", "error.too_long");
    }
    e.into_result()?;
    let Some(date) = date else {
        return Err(Error::NotFound);
    };
    let row = hour_entry::ActiveModel {
        volunteer_id: Set(volunteer_id),
        match_id: Set(match_id),
        request_id: Set(request_id),
        date: Set(date),
        minutes: Set(minutes),
        kilometres: Set(kilometres),
        note: Set((!note.is_empty()).then(|| note.to_owned())),
        entered_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db.write())
    .await?;
    let names = super::members::names(db, &[volunteer_id]).await?;
    Ok(to_entry(row, &names))
}

fn to_entry(m: hour_entry::Model, names: &std::collections::HashMap<i32, String>) -> HourEntry {
    HourEntry {
        id: m.id,
        volunteer: names.get(&m.volunteer_id).cloned().unwrap_or_default(),
        volunteer_id: m.volunteer_id,
        match_id: m.match_id,
        request_id: m.request_id,
        date: m.date,
        minutes: m.minutes,
        kilometres: m.kilometres,
        note: m.note,
        entered_by: m.entered_by,
        created_at: m.created_at,
    }
}

/// Newest first; a volunteer sees only their own.
pub async fn list(
    db: &Db,
    actor: Actor,
    search: Option<&str>,
    page: PageRequest,
) -> Result<Page<HourEntry>> {
    let mut q = hour_entry::Entity::find()
        .order_by_desc(hour_entry::Column::Date)
        .order_by_desc(hour_entry::Column::Id);
    if !actor.is_coordinator() {
        let own = super::members::volunteer_of_user(db, actor.user_id).await?;
        q = q.filter(hour_entry::Column::VolunteerId.eq(own.unwrap_or(-1)));
    }
    if let Some(s) = search {
        let ids = super::members::ids_matching(db, s).await?;
        q = q.filter(hour_entry::Column::VolunteerId.is_in(ids));
    }
    let pages = q.paginate(db.read(), page.per_page);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(page.page.saturating_sub(1)).await?;
    let ids: Vec<i32> = rows.iter().map(|h| h.volunteer_id).collect();
    let names = super::members::names(db, &ids).await?;
    Ok(Page::new(
        rows.into_iter().map(|r| to_entry(r, &names)).collect(),
        page,
        total,
    ))
}
