//! One-time answer links: a volunteer who is asked by mail says yes or no
//! with a link, without a password. The link holds 256 random bits; only
//! their hash is stored. It works once, for a week at most, and only while
//! the question is still open.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

use crate::auth::secret;
use crate::care::requests;
use crate::db::Db;
use crate::entity::{answer_link, match_, volunteer};

/// How long a link works at most.
pub const VALID: chrono::Duration = chrono::Duration::days(7);

/// The end of a link's life: the end of the day (in the Netherlands) a
/// week from now, or the end of the task's day if that is sooner, so that
/// the mail can say "tot en met" a day and mean it.
pub fn until(now: DateTime<Utc>, task_day: Option<chrono::NaiveDate>) -> DateTime<Utc> {
    let last_day = crate::web::time::local_day(now + VALID);
    let last_day = match task_day {
        Some(d) if d < last_day => d,
        _ => last_day,
    };
    // A task day already past still gives the rest of today.
    let last_day = last_day.max(crate::web::time::local_day(now));
    last_day.succ_opt().map(start_of_day).unwrap_or(now + VALID)
}

/// Midnight at the start of `day` in the Netherlands, as an instant.
pub fn start_of_day(day: chrono::NaiveDate) -> DateTime<Utc> {
    let midnight = chrono::TimeZone::from_utc_datetime(&Utc, &day.and_time(chrono::NaiveTime::MIN));
    midnight - crate::web::time::amsterdam_offset(midnight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_works_through_a_whole_day() {
        // 10:00 in Amsterdam (winter: UTC+1) on Monday 7 December 2026.
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 7, 9, 0, 0).unwrap();
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        // A week on, to the end of Monday 14 December (23:00 UTC).
        let end = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 14, 23, 0, 0).unwrap();
        assert_eq!(until(now, None), end);
        // A task on Wednesday: through Wednesday.
        let wed = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 9, 23, 0, 0).unwrap();
        assert_eq!(until(now, Some(day(9))), wed);
        // A task day already past: the rest of today.
        let today = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 7, 23, 0, 0).unwrap();
        assert_eq!(until(now, Some(day(1))), today);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such link (mistyped, or removed long ago).
    #[error("unknown link")]
    Unknown,
    #[error("link already used")]
    Used,
    #[error("link expired")]
    Expired,
    /// The coordinator answered for the volunteer or asked someone else.
    #[error("question no longer open")]
    Closed,
    #[error(transparent)]
    Care(#[from] crate::care::Error),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// Makes a link for `match_id` on `conn`; returns its secret, which only
/// the mail holds.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    match_id: i32,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<String, sea_orm::DbErr> {
    let token = secret::random_token();
    answer_link::ActiveModel {
        match_id: Set(match_id),
        token_hash: Set(secret::hash(&token)),
        expires_at: Set(until),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// What a link is about, while it can still be used.
#[derive(Debug, Clone)]
pub struct Open {
    pub link: answer_link::Model,
    pub question: match_::Model,
    /// The volunteer asked: active, not erased.
    pub volunteer: volunteer::Model,
}

/// Looks a link up; an error says why it cannot be used.
pub async fn open(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Open, Error> {
    let link = answer_link::Entity::find()
        .filter(answer_link::Column::TokenHash.eq(secret::hash(token.trim())))
        .one(db.read())
        .await?
        .ok_or(Error::Unknown)?;
    if link.used_at.is_some() {
        return Err(Error::Used);
    }
    if link.expires_at <= now {
        return Err(Error::Expired);
    }
    let question = match_::Entity::find_by_id(link.match_id)
        .one(db.read())
        .await?
        .ok_or(Error::Closed)?;
    let volunteer = volunteer::Entity::find_by_id(question.volunteer_id)
        .one(db.read())
        .await?;
    if question.status != "proposed" {
        // Answered by the volunteer themselves (in their tasks): as good
        // as used; by a coordinator, or withdrawn: arranged otherwise.
        let own_login = volunteer.and_then(|v| v.user_id);
        if question.responded_by.is_some() && question.responded_by == own_login {
            return Err(Error::Used);
        }
        return Err(Error::Closed);
    }
    // An erased or stopped volunteer can no longer say yes.
    let erased = crate::entity::member::Entity::find_by_id(question.volunteer_id)
        .one(db.read())
        .await?
        .is_none_or(|m| m.erased_at.is_some());
    let Some(volunteer) = volunteer.filter(|v| v.active && !erased) else {
        return Err(Error::Closed);
    };
    Ok(Open {
        link,
        question,
        volunteer,
    })
}

/// Answers through a link: the link is used up and the answer recorded in
/// one transaction, so a link never counts without its answer.
/// Returns the link as it was before the answer.
pub async fn answer(db: &Db, token: &str, accept: bool, now: DateTime<Utc>) -> Result<Open, Error> {
    let opened = open(db, token, now).await?;
    let Open { link, question, .. } = &opened;
    let txn = db.write().begin().await?;
    let used = answer_link::Entity::update_many()
        .col_expr(answer_link::Column::UsedAt, Expr::value(Some(now)))
        .filter(answer_link::Column::Id.eq(link.id))
        .filter(answer_link::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if used != 1 {
        return Err(Error::Used);
    }
    match requests::record_answer(&txn, question, accept, None).await {
        Ok(()) => {}
        Err(crate::care::Error::Conflict(_)) => return Err(Error::Closed),
        Err(e) => return Err(e.into()),
    }
    txn.commit().await?;
    Ok(opened)
}

/// Removes links that can no longer be used, a month after they expired.
pub async fn prune(db: &Db, now: DateTime<Utc>) -> Result<u64, sea_orm::DbErr> {
    Ok(answer_link::Entity::delete_many()
        .filter(answer_link::Column::ExpiresAt.lt(now - chrono::Duration::days(30)))
        .exec(db.write())
        .await?
        .rows_affected)
}
