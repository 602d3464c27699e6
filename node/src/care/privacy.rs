//! The person's rights (AVG/GDPR): everything about one person in one
//! export, erasure that keeps the figures, and a retention period for the
//! descriptions of closed requests.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::audit::{self, Action, AuditLine};
use super::hours::HourEntry;
use super::members::Member;
use super::requests::HelpRequest;
use super::{Actor, Error, Result};
use crate::db::Db;
use crate::entity::{care_setting, help_request, hour_entry, match_, member, offer, volunteer};
use crate::pagination::PageRequest;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonExport {
    pub exported_at: DateTime<Utc>,
    pub member: Member,
    /// Help this person asked for.
    pub requests: Vec<HelpRequest>,
    /// Help this person gave: matches as a volunteer.
    pub matches: Vec<super::requests::MatchInfo>,
    pub hours: Vec<HourEntry>,
    /// Who looked at or changed this person's data.
    pub audit: Vec<AuditLine>,
}

/// Everything the node holds about one person. Audited as an export.
pub async fn export(db: &Db, actor: Actor, id: i32) -> Result<PersonExport> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let member = super::members::load(db, id).await?;
    audit::record(db.write(), actor, Action::Export, Some(id)).await?;
    let request_ids: Vec<i32> = help_request::Entity::find()
        .filter(help_request::Column::MemberId.eq(id))
        .order_by_asc(help_request::Column::Id)
        .all(db.read())
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut requests = Vec::new();
    for rid in request_ids {
        requests.push(super::requests::get(db, rid).await?.request);
    }
    let names = super::members::names(db, &[id]).await?;
    let matches = match_::Entity::find()
        .filter(match_::Column::VolunteerId.eq(id))
        .order_by_asc(match_::Column::Id)
        .all(db.read())
        .await?
        .into_iter()
        .map(|m| super::requests::MatchInfo {
            id: m.id,
            request_id: m.request_id,
            volunteer_id: m.volunteer_id,
            volunteer: names.get(&id).cloned().unwrap_or_default(),
            status: m.status,
            created_at: m.created_at,
        })
        .collect();
    let hours = hour_entry::Entity::find()
        .filter(hour_entry::Column::VolunteerId.eq(id))
        .order_by_asc(hour_entry::Column::Date)
        .all(db.read())
        .await?
        .into_iter()
        .map(|h| HourEntry {
            id: h.id,
            volunteer_id: h.volunteer_id,
            volunteer: names.get(&id).cloned().unwrap_or_default(),
            match_id: h.match_id,
            request_id: h.request_id,
            date: h.date,
            minutes: h.minutes,
            kilometres: h.kilometres,
            note: h.note,
            entered_by: h.entered_by,
            created_at: h.created_at,
        })
        .collect();
    let audit = audit::list(
        db,
        Some(id),
        PageRequest {
            page: 1,
            per_page: 1000,
        },
    )
    .await?
    .items;
    Ok(PersonExport {
        exported_at: Utc::now(),
        member,
        requests,
        matches,
        hours,
        audit,
    })
}

/// Erases a person: every personal field is removed, and the texts of their
/// requests with it. The rows themselves stay, anonymous, so that counts of
/// requests and hours (the figures) do not change.
pub async fn erase(db: &Db, actor: Actor, id: i32) -> Result<()> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let txn = db.write().begin().await?;
    let row = member::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    if row.erased_at.is_some() {
        return Err(Error::Conflict("error.member_erased"));
    }
    let now = Utc::now();
    let mut m: member::ActiveModel = row.into();
    m.name = Set(String::new());
    m.phone = Set(None);
    m.email = Set(None);
    m.address = Set(None);
    m.postcode = Set(None);
    m.neighbourhood = Set(None);
    m.birth_year = Set(None);
    m.member_since = Set(None);
    m.may_contact = Set(false);
    m.may_photo = Set(false);
    m.notes = Set(None);
    m.search_text = Set(String::new());
    m.erased_at = Set(Some(now));
    m.updated_at = Set(now);
    m.update(&txn).await?;
    help_request::Entity::update_many()
        .col_expr(
            help_request::Column::Description,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            help_request::Column::WalkInName,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            help_request::Column::WalkInContact,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            help_request::Column::Recurrence,
            Expr::value(Option::<String>::None),
        )
        .filter(help_request::Column::MemberId.eq(id))
        .exec(&txn)
        .await?;
    hour_entry::Entity::update_many()
        .col_expr(
            hour_entry::Column::Note,
            Expr::value(Option::<String>::None),
        )
        .filter(hour_entry::Column::VolunteerId.eq(id))
        .exec(&txn)
        .await?;
    offer::Entity::delete_many()
        .filter(offer::Column::VolunteerId.eq(id))
        .exec(&txn)
        .await?;
    volunteer::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(&txn, actor, Action::Erase, Some(id)).await?;
    txn.commit().await?;
    tracing::info!(member_id = id, "member erased");
    Ok(())
}

pub async fn retention_months(db: &Db) -> Result<Option<i32>> {
    Ok(care_setting::Entity::find_by_id(1)
        .one(db.read())
        .await?
        .and_then(|s| s.retention_months))
}

/// Sets how many months the description of a closed request is kept;
/// `None` keeps them.
pub async fn set_retention_months(db: &Db, months: Option<i32>) -> Result<()> {
    if let Some(m) = months
        && !(1..=240).contains(&m)
    {
        return Err(crate::validation::Invalid::one("retention_months", "error.retention").into());
    }
    let exists = care_setting::Entity::find_by_id(1)
        .one(db.read())
        .await?
        .is_some();
    let row = care_setting::ActiveModel {
        id: Set(1),
        retention_months: Set(months),
    };
    if exists {
        row.update(db.write()).await?;
    } else {
        row.insert(db.write()).await?;
    }
    Ok(())
}

/// Clears the descriptions of requests closed more than the retention period
/// before `now`. Returns how many were cleared.
pub async fn apply_retention(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let Some(months) = retention_months(db).await? else {
        return Ok(0);
    };
    let cutoff = now - Duration::days(i64::from(months) * 30);
    let res = help_request::Entity::update_many()
        .col_expr(
            help_request::Column::Description,
            Expr::value(Option::<String>::None),
        )
        .filter(help_request::Column::ClosedAt.lt(cutoff))
        .filter(help_request::Column::Description.is_not_null())
        .exec(db.write())
        .await?;
    if res.rows_affected > 0 {
        tracing::info!(
            cleared = res.rows_affected,
            "retention: descriptions cleared"
        );
    }
    Ok(res.rows_affected)
}
