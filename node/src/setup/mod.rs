//! First-run setup: the node's profile and its first admin, in one go.
//!
//! Setup is possible only while no admin exists. Profile and admin are
//! written in one transaction, so a failure leaves nothing half-done, and a
//! second setup racing the first fails on the admin check inside it.

pub mod from_env;
pub mod web;

use noaber_federation::NodeKind;
use sea_orm::TransactionTrait;

use crate::accounts::{self, NewAccount, Role};
use crate::db::Db;
use crate::profile::{self, ProfileInput};
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 409: an admin exists already.
    #[error("already set up")]
    AlreadyDone,
    /// 422
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Accounts(#[from] accounts::Error),
    /// 500
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, Default)]
pub struct SetupInput {
    pub profile: ProfileInput,
    pub admin_username: String,
    pub admin_name: String,
    pub admin_password: String,
}

/// True while the node has no admin.
pub async fn is_needed(db: &Db) -> Result<bool> {
    Ok(!has_any_admin(db.read()).await?)
}

async fn has_any_admin<C: sea_orm::ConnectionTrait>(conn: &C) -> Result<bool> {
    use crate::entity::user;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .count(conn)
        .await?
        > 0)
}

/// Checks every field of the setup form at once; gives the checked profile.
pub fn validate(input: &SetupInput) -> Result<profile::NodeProfile, Invalid> {
    let (node, mut errors) = match profile::validate(&input.profile) {
        Ok(p) => (Some(p), Invalid::default()),
        Err(e) => (None, e),
    };
    let admin = NewAccount {
        username: input.admin_username.clone(),
        display_name: input.admin_name.clone(),
        role: Role::Admin.as_str().into(),
        password: input.admin_password.clone(),
    };
    if let Err(e) = accounts::service::validate_new(&admin) {
        for fe in e.0 {
            let field = match fe.field {
                "username" => "admin_username",
                "display_name" => "admin_name",
                "password" => "admin_password",
                other => other,
            };
            errors.add(field, fe.message);
        }
    }
    errors.into_result()?;
    node.ok_or_else(Invalid::default)
}

pub async fn run(
    db: &Db,
    fed: &noaber_federation::Federation,
    input: &SetupInput,
) -> Result<(profile::NodeProfile, accounts::Account)> {
    let node = validate(input)?;
    let txn = db.write().begin().await?;
    if has_any_admin(&txn).await? {
        return Err(Error::AlreadyDone);
    }
    profile::save_on(&txn, &node).await.map_err(|e| match e {
        profile::Error::Db(d) => Error::Db(d),
        profile::Error::Invalid(i) => Error::Invalid(i),
        profile::Error::NotSetUp => Error::AlreadyDone,
    })?;
    let admin = accounts::service::create_on(
        &txn,
        &NewAccount {
            username: input.admin_username.clone(),
            display_name: input.admin_name.clone(),
            role: Role::Admin.as_str().into(),
            password: input.admin_password.clone(),
        },
    )
    .await?;
    txn.commit().await?;
    // The actor and its keys; a failure here is repaired at the next start.
    if let Err(e) = crate::fed::publish_profile(fed, &node).await {
        tracing::warn!(error = %e, "could not create the node's actor");
    }
    tracing::info!(kind = %node.kind, "node set up");
    Ok((node, admin))
}

/// The kinds offered in the setup form, with their locale keys.
pub fn kind_options() -> [(NodeKind, &'static str); 3] {
    [
        (NodeKind::Initiative, "kind.initiative"),
        (NodeKind::Regional, "kind.regional"),
        (NodeKind::National, "kind.national"),
    ]
}
