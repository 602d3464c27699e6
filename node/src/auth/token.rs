//! Bearer tokens for the JSON API. Stored hashed; shown once at creation.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Error, Result, secret};
use crate::accounts::Account;
use crate::db::Db;
use crate::entity::{api_token, user};
use crate::validation::{Invalid, required_line};

/// Tokens start with this, so a leaked one is recognisable in a scan.
pub const PREFIX: &str = "nbr_";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i32,
    pub user_id: i32,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for TokenInfo {
    fn from(m: api_token::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            label: m.label,
            created_at: m.created_at,
            expires_at: m.expires_at,
            last_used_at: m.last_used_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// A new token: the secret is in `token` and nowhere else.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

pub const MAX_DAYS: u32 = 3650;

/// Creates a token for `user_id`. `days` of 0 means it does not expire.
pub async fn create(db: &Db, user_id: i32, label: &str, days: u32) -> Result<CreatedToken> {
    let mut errors = Invalid::default();
    let label = if label.trim().is_empty() {
        "API".to_owned()
    } else {
        required_line(&mut errors, "label", label, 100)
    };
    if days > MAX_DAYS {
        errors.add("days", "error.token_days");
    }
    errors.into_result()?;
    let token = format!("{PREFIX}{}", secret::random_token());
    let now = Utc::now();
    let row = api_token::ActiveModel {
        user_id: Set(user_id),
        label: Set(label),
        token_hash: Set(secret::hash(&token)),
        created_at: Set(now),
        expires_at: Set((days > 0).then(|| now + Duration::days(i64::from(days)))),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db.write())
    .await?;
    Ok(CreatedToken {
        token,
        info: row.into(),
    })
}

/// The account a bearer token belongs to.
pub async fn authenticate(db: &Db, token: &str) -> Result<Account> {
    if !token.starts_with(PREFIX) {
        return Err(Error::Unauthenticated);
    }
    let Some(row) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(secret::hash(token)))
        .one(db.read())
        .await?
    else {
        return Err(Error::Unauthenticated);
    };
    let now = Utc::now();
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|at| at <= now) {
        return Err(Error::Expired);
    }
    let Some(user) = user::Entity::find_by_id(row.user_id).one(db.read()).await? else {
        return Err(Error::Unauthenticated);
    };
    if user.disabled {
        return Err(Error::Disabled);
    }
    // Written at most once a minute: a busy integration must not queue writes.
    if row
        .last_used_at
        .is_none_or(|at| now - at > Duration::minutes(1))
    {
        let mut active: api_token::ActiveModel = row.into();
        active.last_used_at = Set(Some(now));
        active.update(db.write()).await?;
    }
    Ok(Account::from_model(user))
}

/// Tokens of one user, or of everyone when `user_id` is `None`.
pub async fn list(db: &Db, user_id: Option<i32>) -> Result<Vec<TokenInfo>> {
    let mut q = api_token::Entity::find().order_by_asc(api_token::Column::Id);
    if let Some(uid) = user_id {
        q = q.filter(api_token::Column::UserId.eq(uid));
    }
    Ok(q.all(db.read())
        .await?
        .into_iter()
        .map(TokenInfo::from)
        .collect())
}

/// Revokes a token. With `owner`, only a token of that user can be revoked.
pub async fn revoke(db: &Db, id: i32, owner: Option<i32>) -> Result<TokenInfo> {
    let Some(row) = api_token::Entity::find_by_id(id).one(db.read()).await? else {
        return Err(Error::TokenNotFound);
    };
    if owner.is_some_and(|o| o != row.user_id) {
        return Err(Error::TokenNotFound);
    }
    if row.revoked_at.is_some() {
        return Ok(row.into());
    }
    let mut active: api_token::ActiveModel = row.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(active.update(db.write()).await?.into())
}
