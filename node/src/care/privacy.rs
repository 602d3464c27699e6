//! The person's rights (AVG/GDPR): everything about one person in one
//! export, erasure that keeps the figures, and a retention period for the
//! descriptions of closed requests.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::audit::{self, Action, AuditLine};
use super::hours::HourEntry;
use super::members::Member;
use super::requests::HelpRequest;
use super::{Actor, Error, Result};
use crate::db::Db;
use crate::entity::{
    activity, activity_signup, api_token, care_setting, help_request, hour_entry, import_batch,
    login_attempt, match_, member, offer, public_submission, user, volunteer,
};
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
    /// Activities this person was signed up for.
    pub activities: Vec<super::activities::Activity>,
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
    let signed_up: Vec<i32> = activity_signup::Entity::find()
        .filter(activity_signup::Column::MemberId.eq(id))
        .all(db.read())
        .await?
        .into_iter()
        .map(|s| s.activity_id)
        .collect();
    let activities = activity::Entity::find()
        .filter(activity::Column::Id.is_in(signed_up))
        .order_by_asc(activity::Column::Date)
        .all(db.read())
        .await?
        .into_iter()
        .map(super::activities::Activity::from)
        .collect();
    Ok(PersonExport {
        exported_at: Utc::now(),
        member,
        requests,
        matches,
        hours,
        activities,
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
        // The search text holds the description too.
        .col_expr(help_request::Column::SearchText, Expr::value(""))
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
    // A mail not yet sent to the person would still carry their name.
    crate::mail::outbox::drop_for_member(&txn, id).await?;
    // Who came to what is about the person; the activity keeps its count.
    activity_signup::Entity::delete_many()
        .filter(activity_signup::Column::MemberId.eq(id))
        .exec(&txn)
        .await?;
    if let Some(login) = volunteer::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .and_then(|v| v.user_id)
    {
        forget_account(&txn, login).await?;
    }
    volunteer::Entity::delete_by_id(id).exec(&txn).await?;
    // An import waiting for a decision may hold this person's row; the
    // file is not searched (a name can be spelled many ways) but dropped:
    // the coordinator uploads it again.
    import_batch::Entity::delete_many().exec(&txn).await?;
    audit::record(&txn, actor, Action::Erase, Some(id)).await?;
    txn.commit().await?;
    forget_traces(db).await;
    tracing::info!(member_id = id, "member erased");
    Ok(())
}

/// The login of an erased volunteer: disabled, its name and username
/// replaced, its password unusable, its sessions and API tokens gone, and
/// the failed logins that name it forgotten. The row stays because the
/// audit log and request history refer to it by number.
async fn forget_account<C: ConnectionTrait>(conn: &C, user_id: i32) -> Result<()> {
    let Some(account) = user::Entity::find_by_id(user_id).one(conn).await? else {
        return Ok(());
    };
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::Username.eq(account.username.clone()))
        .exec(conn)
        .await?;
    crate::auth::session::end_sessions_on(conn, user_id).await?;
    api_token::Entity::delete_many()
        .filter(api_token::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    let mut row: user::ActiveModel = account.into();
    row.username = Set(format!("gewist-{user_id}"));
    row.display_name = Set("Gewist account".to_owned());
    row.search_text = Set(noaber_migrations::search::user_text(
        &format!("gewist-{user_id}"),
        "Gewist account",
    ));
    // Not a hash of anything: no password can ever match it.
    row.password_hash = Set("!gewist".to_owned());
    row.disabled = Set(true);
    row.email = Set(None);
    row.updated_at = Set(Utc::now());
    row.update(conn).await?;
    Ok(())
}

/// After an erasure, old copies of the values must not stay in SQLite's
/// write-ahead log: it is emptied into the (securely deleted) database
/// file. Failing here does not undo the erasure, which is committed; the
/// next checkpoint removes the copies, so it is logged, not returned.
async fn forget_traces(db: &Db) {
    if let Err(e) = db.checkpoint().await {
        tracing::warn!(error = %e, "checkpoint after an erasure failed");
    }
}

/// Erases what a request from the public form or a walk-in says about the
/// person who asked: name, contact, description and recurrence. Those
/// people are not members, so this is their erasure. The request itself
/// stays, anonymous, for the figures.
pub async fn erase_requester(db: &Db, actor: Actor, request_id: i32) -> Result<()> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let txn = db.write().begin().await?;
    let row = help_request::Entity::find_by_id(request_id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    if row.member_id.is_some() {
        // A member is erased as a member, with everything else of theirs.
        return Err(Error::Conflict("error.requester_is_member"));
    }
    let mut r: help_request::ActiveModel = row.into();
    r.walk_in_name = Set(None);
    r.walk_in_contact = Set(None);
    r.description = Set(None);
    r.recurrence = Set(None);
    r.search_text = Set(String::new());
    r.updated_at = Set(Utc::now());
    r.update(&txn).await?;
    audit::record(&txn, actor, Action::EraseRequester, None).await?;
    txn.commit().await?;
    forget_traces(db).await;
    tracing::info!(request_id, "requester erased");
    Ok(())
}

pub async fn retention_months(db: &Db) -> Result<Option<i32>> {
    Ok(super::settings::current(db)
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
    super::settings::save(
        db,
        care_setting::ActiveModel {
            retention_months: Set(months),
            ..Default::default()
        },
    )
    .await
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
        // What is left to search is at most a walk-in's name, and that
        // goes below.
        .col_expr(help_request::Column::SearchText, Expr::value(""))
        .filter(help_request::Column::ClosedAt.lt(cutoff))
        .filter(help_request::Column::Description.is_not_null())
        .exec(db.write())
        .await?;
    // People who asked through the public form or at the desk are not
    // members: their name and contact go with the description.
    let requesters = help_request::Entity::update_many()
        .col_expr(
            help_request::Column::WalkInName,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            help_request::Column::WalkInContact,
            Expr::value(Option::<String>::None),
        )
        .col_expr(help_request::Column::SearchText, Expr::value(""))
        .filter(help_request::Column::ClosedAt.lt(cutoff))
        .filter(
            Condition::any()
                .add(help_request::Column::WalkInName.is_not_null())
                .add(help_request::Column::WalkInContact.is_not_null()),
        )
        .exec(db.write())
        .await?;
    let cleared = res.rows_affected + requesters.rows_affected;
    if cleared > 0 {
        tracing::info!(
            descriptions = res.rows_affected,
            requesters = requesters.rows_affected,
            "retention: closed requests cleared"
        );
        forget_traces(db).await;
    }
    Ok(cleared)
}

/// Uploads of an import that nobody decided on within a day are removed,
/// as are the public form's address records older than its one-hour
/// window: both hold personal data that no longer serves anything.
pub async fn drop_leftovers(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let batches = import_batch::Entity::delete_many()
        .filter(import_batch::Column::CreatedAt.lt(now - Duration::days(1)))
        .exec(db.write())
        .await?;
    let addresses = public_submission::Entity::delete_many()
        .filter(public_submission::Column::At.lt(now - Duration::hours(1)))
        .exec(db.write())
        .await?;
    if batches.rows_affected > 0 {
        tracing::info!(
            batches = batches.rows_affected,
            "import uploads left undecided for a day removed"
        );
    }
    Ok(batches.rows_affected + addresses.rows_affected)
}
