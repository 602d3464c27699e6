//! The queue of mails and the worker that sends them.
//!
//! Several processes may share one database: a mail is claimed for a few
//! minutes before it is sent, and its outcome is recorded only by the
//! process that still holds the claim. Once sent (or given up), the
//! address and the text are cleared; the kind and dates stay for a month
//! so that the settings page can say what happened.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::{Mailer, Result};
use crate::db::Db;
use crate::entity::mail_outbox;

/// Attempts before a mail is given up: with waits doubling from a minute
/// up to six hours, about two days, so that a night's outage or a
/// mistyped password fixed the next morning loses nothing.
pub const MAX_ATTEMPTS: i32 = 14;
/// The longest wait between two attempts.
const MAX_WAIT: Duration = Duration::from_secs(6 * 3600);
/// How long a claim holds; a process that died frees its mails after it.
const CLAIM: chrono::Duration = chrono::Duration::minutes(5);
/// Mails sent per round; the rest wait for the next.
const BATCH: u64 = 20;
/// How often the worker looks without being woken.
const IDLE: Duration = Duration::from_secs(30);
/// How long what is left of a sent mail is kept.
const KEEP: chrono::Duration = chrono::Duration::days(30);

/// What kind of mail, for the settings page and the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// To coordinators: a request came in through the public form.
    PublicRequest,
    /// To coordinators: a volunteer said no.
    Declined,
    /// To a volunteer: will you help? With an answer link.
    Asked,
    /// To a volunteer: your task is tomorrow.
    Reminder,
    /// To whoever the admin names: does mail work?
    Test,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PublicRequest => "public_request",
            Self::Declined => "declined",
            Self::Asked => "asked",
            Self::Reminder => "reminder",
            Self::Test => "test",
        }
    }
}

/// A mail to queue.
#[derive(Debug, Clone)]
pub struct Mail {
    pub kind: Kind,
    pub to: String,
    /// The member the mail goes to, if it goes to one.
    pub member_id: Option<i32>,
    pub subject: String,
    pub body: String,
    /// A mail with a key is queued once; a second one is dropped.
    pub dedupe_key: Option<String>,
    /// Given up, not sent, if it cannot go out before this.
    pub send_before: Option<DateTime<Utc>>,
}

/// Queues a mail on `conn` (a transaction where a link is made with it).
/// Returns false for a duplicate: the insert then does nothing, which
/// leaves a PostgreSQL transaction usable, unlike a failed insert.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, mail: Mail, now: DateTime<Utc>) -> Result<bool> {
    let row = mail_outbox::ActiveModel {
        kind: Set(mail.kind.as_str().to_owned()),
        recipient: Set(mail.to),
        member_id: Set(mail.member_id),
        subject: Set(mail.subject),
        body: Set(mail.body),
        dedupe_key: Set(mail.dedupe_key),
        send_before: Set(mail.send_before),
        attempts: Set(0),
        next_attempt_at: Set(now),
        created_at: Set(now),
        ..Default::default()
    };
    let inserted = mail_outbox::Entity::insert(row)
        .on_conflict(
            OnConflict::column(mail_outbox::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// Sends mails until none is due, then waits to be woken (or half a
/// minute). Runs for the life of the process.
pub async fn run_worker(db: Db, mailer: Mailer, process: String) {
    let Some(inner) = mailer.inner.clone() else {
        return;
    };
    loop {
        loop {
            match send_due(&db, &mailer, &process, Utc::now()).await {
                Ok(n) if n as u64 == BATCH => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "mail: sending the queue failed");
                    break;
                }
            }
        }
        tokio::select! {
            _ = inner.wake.notified() => {}
            _ = tokio::time::sleep(IDLE) => {}
        }
    }
}

/// One round: claims the mails that are due and sends them. Returns how
/// many were handled.
pub async fn send_due(
    db: &Db,
    mailer: &Mailer,
    process: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    let Some(inner) = &mailer.inner else {
        return Ok(0);
    };
    let due = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SentAt.is_null())
        .filter(mail_outbox::Column::FailedAt.is_null())
        .filter(mail_outbox::Column::NextAttemptAt.lte(now))
        .filter(
            mail_outbox::Column::ClaimedUntil
                .is_null()
                .or(mail_outbox::Column::ClaimedUntil.lt(now)),
        )
        .order_by_asc(mail_outbox::Column::Id)
        .limit(BATCH)
        .all(db.read())
        .await?;
    let mut handled = 0;
    for mail in due {
        // Taken only if the row is still as we read it (not sent, not given
        // up, not tried meanwhile by another process) and nobody holds it.
        // The claim runs from now, not from the start of the round: a round
        // of slow sends can take minutes.
        let at = std::cmp::max(Utc::now(), now);
        let claimed = mail_outbox::Entity::update_many()
            .col_expr(mail_outbox::Column::ClaimedBy, Expr::value(Some(process)))
            .col_expr(
                mail_outbox::Column::ClaimedUntil,
                Expr::value(Some(at + CLAIM)),
            )
            .filter(mail_outbox::Column::Id.eq(mail.id))
            .filter(mail_outbox::Column::SentAt.is_null())
            .filter(mail_outbox::Column::FailedAt.is_null())
            .filter(mail_outbox::Column::Attempts.eq(mail.attempts))
            .filter(mail_outbox::Column::NextAttemptAt.lte(at))
            .filter(
                mail_outbox::Column::ClaimedUntil
                    .is_null()
                    .or(mail_outbox::Column::ClaimedUntil.lt(at)),
            )
            .exec(db.write())
            .await?
            .rows_affected;
        if claimed != 1 {
            continue;
        }
        let outcome = if mail.send_before.is_some_and(|b| b <= at) {
            Err(super::smtp::SendError {
                permanent: true,
                code: "too_late".into(),
            })
        } else {
            inner
                .transport
                .send(&mail.recipient, &mail.subject, &mail.body)
                .await
        };
        let attempts = mail.attempts + 1;
        let update = mail_outbox::Entity::update_many()
            .col_expr(mail_outbox::Column::Attempts, Expr::value(attempts))
            .col_expr(
                mail_outbox::Column::ClaimedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                mail_outbox::Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        let update = match outcome {
            Ok(()) => {
                tracing::info!(mail = mail.id, kind = %mail.kind, "mail sent");
                cleared(update)
                    .col_expr(mail_outbox::Column::SentAt, Expr::value(Some(Utc::now())))
                    .col_expr(
                        mail_outbox::Column::LastError,
                        Expr::value(Option::<String>::None),
                    )
            }
            Err(e) if e.permanent || attempts >= MAX_ATTEMPTS => {
                tracing::warn!(mail = mail.id, kind = %mail.kind, code = %e.code, attempts, "mail given up");
                cleared(update)
                    .col_expr(mail_outbox::Column::FailedAt, Expr::value(Some(Utc::now())))
                    .col_expr(mail_outbox::Column::LastError, Expr::value(Some(e.code)))
            }
            Err(e) => {
                let wait = backoff(inner.retry_base, attempts);
                tracing::info!(mail = mail.id, kind = %mail.kind, code = %e.code, attempts, "mail not sent, will try again");
                update
                    .col_expr(
                        mail_outbox::Column::NextAttemptAt,
                        Expr::value(Utc::now() + wait),
                    )
                    .col_expr(mail_outbox::Column::LastError, Expr::value(Some(e.code)))
            }
        };
        // Only the holder of the claim records the outcome: after a long
        // stall another process may have taken the mail over.
        update
            .filter(mail_outbox::Column::Id.eq(mail.id))
            .filter(mail_outbox::Column::ClaimedBy.eq(process))
            .exec(db.write())
            .await?;
        handled += 1;
    }
    Ok(handled)
}

/// A sent or given-up mail keeps no address, no subject and no text.
fn cleared(
    update: sea_orm::UpdateMany<mail_outbox::Entity>,
) -> sea_orm::UpdateMany<mail_outbox::Entity> {
    update
        .col_expr(mail_outbox::Column::Recipient, Expr::value(""))
        .col_expr(mail_outbox::Column::Subject, Expr::value(""))
        .col_expr(mail_outbox::Column::Body, Expr::value(""))
}

/// The wait before attempt `attempts + 1`: the base, doubling, at most
/// six hours.
fn backoff(base: Duration, attempts: i32) -> chrono::Duration {
    let factor = 1u32 << attempts.clamp(1, 16).saturating_sub(1);
    let wait = base.saturating_mul(factor).min(MAX_WAIT);
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(6))
}

/// Removes what is left of mails sent or given up over a month ago, and
/// mails never sent that are as old (mail was switched off meanwhile).
pub async fn prune(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let old = now - KEEP;
    Ok(mail_outbox::Entity::delete_many()
        .filter(
            mail_outbox::Column::SentAt
                .lt(old)
                .or(mail_outbox::Column::FailedAt.lt(old))
                .or(mail_outbox::Column::CreatedAt.lt(old)),
        )
        .exec(db.write())
        .await?
        .rows_affected)
}

/// Unsent mails to a member who is being erased go with them.
pub async fn drop_for_member<C: ConnectionTrait>(
    conn: &C,
    member_id: i32,
) -> Result<u64, sea_orm::DbErr> {
    Ok(mail_outbox::Entity::delete_many()
        .filter(mail_outbox::Column::MemberId.eq(member_id))
        .filter(mail_outbox::Column::SentAt.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}

/// How the queue stands, for the settings page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub waiting: u64,
    pub sent: u64,
    pub failed: u64,
    /// The reply code of the last mail given up, if any.
    pub last_error: Option<String>,
    /// The reply code of a mail still waiting after a failed attempt: a
    /// wrong password or a server that is down shows here.
    pub retry_error: Option<String>,
}

pub async fn counts(db: &Db) -> Result<Counts> {
    let q = || mail_outbox::Entity::find();
    let waiting = q()
        .filter(mail_outbox::Column::SentAt.is_null())
        .filter(mail_outbox::Column::FailedAt.is_null())
        .count(db.read())
        .await?;
    let sent = q()
        .filter(mail_outbox::Column::SentAt.is_not_null())
        .count(db.read())
        .await?;
    let failed = q()
        .filter(mail_outbox::Column::FailedAt.is_not_null())
        .count(db.read())
        .await?;
    let last_error = q()
        .filter(mail_outbox::Column::FailedAt.is_not_null())
        .filter(mail_outbox::Column::LastError.is_not_null())
        .order_by_desc(mail_outbox::Column::Id)
        .one(db.read())
        .await?
        .and_then(|m| m.last_error);
    let retry_error = q()
        .filter(mail_outbox::Column::SentAt.is_null())
        .filter(mail_outbox::Column::FailedAt.is_null())
        .filter(mail_outbox::Column::LastError.is_not_null())
        .order_by_desc(mail_outbox::Column::Id)
        .one(db.read())
        .await?
        .and_then(|m| m.last_error);
    Ok(Counts {
        waiting,
        sent,
        failed,
        last_error,
        retry_error,
    })
}
