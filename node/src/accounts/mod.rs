//! Accounts: who can log in, with which role, and their passwords.

pub mod api;
pub mod password;
pub mod role;
pub mod service;
pub mod web;

pub use role::Role;
pub use service::{Account, AccountList, NewAccount};

use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 422: one or more fields are wrong.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// 409: the username is in use.
    #[error("username taken")]
    UsernameTaken,
    /// 404: no such account.
    #[error("account not found")]
    NotFound,
    /// 409: the change would leave the node without an active admin.
    #[error("last admin")]
    LastAdmin,
    /// 500
    #[error(transparent)]
    Hash(#[from] password::HashError),
    /// 500
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
