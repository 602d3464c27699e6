//! Slows down password guessing with delays that grow with each failure.
//!
//! Attempts are counted per account-and-address pair (and, with a higher
//! allowance, per address), so that someone elsewhere cannot lock a member
//! out of their own account, nor an office full of volunteers behind one
//! address, by failing on purpose: each pair only delays itself. An attempt
//! is recorded *before* its password is checked, under one lock, so that a
//! hundred guesses sent at once are counted as a hundred and all but the
//! first few are refused without a check. The rows live in the database so
//! that a restart does not reset the count.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::{Error, Result};
use crate::config::AuthSettings;
use crate::db::Db;
use crate::entity::login_attempt;

/// How far back failures count.
pub const WINDOW_MINUTES: i64 = 15;
/// The first delay once the free attempts are used up; it doubles with
/// every further failure, up to the window.
pub const FIRST_DELAY_SECONDS: i64 = 60;

/// Counting and recording one attempt must not interleave with another's,
/// or parallel guesses would all see the same count.
static GATE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long to wait after `failures` failures when `free` are allowed
/// without delay.
pub fn delay(failures: u64, free: u32) -> Duration {
    let Some(extra) = failures.checked_sub(u64::from(free)) else {
        return Duration::zero();
    };
    let seconds = FIRST_DELAY_SECONDS.saturating_mul(1_i64 << extra.min(20));
    Duration::seconds(seconds.min(WINDOW_MINUTES * 60))
}

/// A recorded attempt, to be marked as succeeded once the password matched.
#[derive(Debug, Clone, Copy)]
pub struct Attempt(i32);

/// Records an attempt, or refuses it with the seconds to wait when this
/// pair (or this address) has failed too often lately. Refused attempts
/// are not recorded: waiting is enough, hammering does not lengthen it.
pub async fn begin(
    db: &Db,
    cfg: &AuthSettings,
    username: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Attempt> {
    let _turn = GATE.lock().await;
    // Other processes on the same PostgreSQL count the same rows.
    let _shared = db.exclusive(crate::db::TurnKey::LoginThrottle).await?;
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let failures = || {
        login_attempt::Entity::find()
            .filter(login_attempt::Column::Address.eq(address))
            .filter(login_attempt::Column::Succeeded.eq(false))
            .filter(login_attempt::Column::At.gt(since))
    };
    let pair = failures().filter(login_attempt::Column::Username.eq(username));
    let wait = [
        (
            pair.clone().count(db.write()).await?,
            cfg.max_failures_per_account,
            pair,
        ),
        (
            failures().count(db.write()).await?,
            cfg.max_failures_per_address,
            failures(),
        ),
    ];
    let mut longest = Duration::zero();
    for (count, free, query) in wait {
        let delay = delay(count, free);
        if delay.is_zero() {
            continue;
        }
        let last = query
            .select_only()
            .column(login_attempt::Column::At)
            .order_by_desc(login_attempt::Column::At)
            .into_tuple::<DateTime<Utc>>()
            .one(db.write())
            .await?
            .unwrap_or(now);
        longest = longest.max(last + delay - now);
    }
    if longest > Duration::zero() {
        return Err(Error::Throttled(
            u64::try_from(longest.num_seconds()).unwrap_or(1).max(1),
        ));
    }
    let row = login_attempt::ActiveModel {
        username: Set(username.to_owned()),
        address: Set(address.to_owned()),
        succeeded: Set(false),
        at: Set(now),
        ..Default::default()
    }
    .insert(db.write())
    .await?;
    Ok(Attempt(row.id))
}

/// Marks an attempt as succeeded (it no longer counts as a failure, and
/// neither do the pair's earlier failures), and drops rows older than any
/// window.
pub async fn finish(
    db: &Db,
    attempt: Attempt,
    username: &str,
    address: &str,
    succeeded: bool,
) -> Result<()> {
    let now = Utc::now();
    if succeeded {
        login_attempt::Entity::update_many()
            .col_expr(login_attempt::Column::Succeeded, Expr::value(true))
            .filter(login_attempt::Column::Id.eq(attempt.0))
            .exec(db.write())
            .await?;
        login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::Username.eq(username))
            .filter(login_attempt::Column::Address.eq(address))
            .filter(login_attempt::Column::Succeeded.eq(false))
            .exec(db.write())
            .await?;
    }
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::At.lt(now - Duration::days(1)))
        .exec(db.write())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_attempts_and_double_up_to_the_window() {
        assert_eq!(delay(0, 5), Duration::zero());
        assert_eq!(delay(4, 5), Duration::zero());
        assert_eq!(delay(5, 5), Duration::seconds(60));
        assert_eq!(delay(6, 5), Duration::seconds(120));
        assert_eq!(delay(8, 5), Duration::seconds(480));
        assert_eq!(delay(9, 5), Duration::minutes(WINDOW_MINUTES));
        assert_eq!(delay(10_000, 5), Duration::minutes(WINDOW_MINUTES));
    }
}
