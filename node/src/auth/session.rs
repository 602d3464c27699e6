//! Browser sessions, stored in the database so they survive a restart.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{Error, Result, secret};
use crate::accounts::Account;
use crate::db::Db;
use crate::entity::{session, user};

pub const COOKIE: &str = "noaber_session";
/// The name on HTTPS: a `__Host-` cookie can only be set by this very host
/// over HTTPS, for the whole site, so a neighbouring subdomain cannot plant
/// one.
pub const HOST_COOKIE: &str = "__Host-noaber_session";

/// The session cookie's name for a node that is (or is not) on HTTPS.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure { HOST_COOKIE } else { COOKIE }
}

/// Starts a session and returns the cookie value (shown nowhere else).
pub async fn start(db: &Db, user_id: i32, days: u32) -> Result<String> {
    let token = secret::random_token();
    let now = Utc::now();
    session::ActiveModel {
        token_hash: Set(secret::hash(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + Duration::days(i64::from(days))),
    }
    .insert(db.write())
    .await?;
    Ok(token)
}

/// The account behind a session cookie. An expired session is removed and
/// reported as [`Error::Expired`] so the login page can say so.
pub async fn resolve(db: &Db, token: &str, days: u32) -> Result<Account> {
    let hash = secret::hash(token);
    let Some(row) = session::Entity::find_by_id(hash.clone())
        .one(db.read())
        .await?
    else {
        return Err(Error::Unauthenticated);
    };
    let now = Utc::now();
    if row.expires_at <= now {
        session::Entity::delete_by_id(hash).exec(db.write()).await?;
        return Err(Error::Expired);
    }
    let Some(user) = user::Entity::find_by_id(row.user_id).one(db.read()).await? else {
        return Err(Error::Unauthenticated);
    };
    if user.disabled {
        return Err(Error::Disabled);
    }
    // Sliding expiry, written at most once a minute to spare the writer.
    if now - row.last_seen_at > Duration::minutes(1) {
        let mut active: session::ActiveModel = row.into();
        active.last_seen_at = Set(now);
        active.expires_at = Set(now + Duration::days(i64::from(days)));
        active.update(db.write()).await?;
    }
    Ok(Account::from_model(user))
}

pub async fn end(db: &Db, token: &str) -> Result<()> {
    session::Entity::delete_by_id(secret::hash(token))
        .exec(db.write())
        .await?;
    Ok(())
}

/// Ends every browser session of a user (a disabled account: its tokens
/// are refused while it is disabled, and work again when it is enabled).
pub async fn end_sessions_on<C: ConnectionTrait>(
    conn: &C,
    user_id: i32,
) -> Result<u64, sea_orm::DbErr> {
    let res = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}

/// Ends every session of a user and revokes their API tokens ("log out
/// everywhere", a password change or reset): whoever took over the account
/// must not keep a way in. Returns the number of sessions ended.
pub async fn end_all_on<C: ConnectionTrait>(conn: &C, user_id: i32) -> Result<u64, sea_orm::DbErr> {
    let ended = end_sessions_on(conn, user_id).await?;
    crate::entity::api_token::Entity::update_many()
        .col_expr(
            crate::entity::api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Some(chrono::Utc::now())),
        )
        .filter(crate::entity::api_token::Column::UserId.eq(user_id))
        .filter(crate::entity::api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(ended)
}

pub async fn end_all(db: &Db, user_id: i32) -> Result<u64> {
    Ok(end_all_on(db.write(), user_id).await?)
}

/// Moves a session's expiry into the past; tests use this to act out time.
pub async fn expire_now(db: &Db, token: &str) -> Result<()> {
    let past = Utc::now() - Duration::seconds(1);
    session::Entity::update_many()
        .col_expr(
            session::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(past),
        )
        .filter(session::Column::TokenHash.eq(secret::hash(token)))
        .exec(db.write())
        .await?;
    Ok(())
}
