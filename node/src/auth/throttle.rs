//! Slows down password guessing: failed logins are counted per account and
//! per address over a sliding window, in the database so that a restart or a
//! second replica does not reset the count.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use super::Result;
use crate::config::AuthSettings;
use crate::db::Db;
use crate::entity::login_attempt;

pub const WINDOW_MINUTES: i64 = 15;

/// True when either the account or the address has failed too often lately.
pub async fn is_blocked(
    db: &Db,
    cfg: &AuthSettings,
    username: &str,
    address: &str,
) -> Result<bool> {
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let failures = |col: login_attempt::Column, value: String| {
        login_attempt::Entity::find()
            .filter(col.eq(value))
            .filter(login_attempt::Column::Succeeded.eq(false))
            .filter(login_attempt::Column::At.gt(since))
            .count(db.read())
    };
    let by_account = failures(login_attempt::Column::Username, username.to_owned()).await?;
    if by_account >= u64::from(cfg.max_failures_per_account) {
        return Ok(true);
    }
    let by_address = failures(login_attempt::Column::Address, address.to_owned()).await?;
    Ok(by_address >= u64::from(cfg.max_failures_per_address))
}

pub async fn record(db: &Db, username: &str, address: &str, succeeded: bool) -> Result<()> {
    let now = Utc::now();
    login_attempt::ActiveModel {
        username: Set(username.to_owned()),
        address: Set(address.to_owned()),
        succeeded: Set(succeeded),
        at: Set(now),
        ..Default::default()
    }
    .insert(db.write())
    .await?;
    // Old rows only ever matter for the window; drop them as we go.
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::At.lt(now - Duration::days(1)))
        .exec(db.write())
        .await?;
    if succeeded {
        // A successful login clears the account's failures.
        login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::Username.eq(username))
            .filter(login_attempt::Column::Succeeded.eq(false))
            .exec(db.write())
            .await?;
    }
    Ok(())
}
