//! Local care work: members, volunteers, help requests and offers, matching,
//! hours and activities. Everything here is personal data of the initiative:
//! it never leaves the node, is never logged, and every coordinator's view of
//! a person's record is written to the audit log.

pub mod activities;
pub mod api;
pub mod audit;
pub mod categories;
pub mod demo;
pub mod dutch;
pub mod hours;
pub mod import;
pub mod matching;
pub mod members;
pub mod offers;
pub mod privacy;
pub mod public_form;
pub mod reports;
pub mod requests;
pub mod settings;
pub mod stats;
pub mod todo;
pub mod web;

use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 422: one or more fields are wrong.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// 404
    #[error("not found")]
    NotFound,
    /// 409: the change does not fit the current state; the key says why.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// 403: not this user's to see or change.
    #[error("forbidden")]
    Forbidden,
    /// 429: the public form was used too often from one address.
    #[error("too many submissions")]
    TooMany,
    /// 429: the public form took as many requests this hour as the
    /// node accepts from everyone together.
    #[error("public form busy")]
    FormBusy,
    /// 500
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who does something: the account, for "entered by" and the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub user_id: i32,
    pub role: crate::accounts::Role,
}

impl Actor {
    pub fn of(account: &crate::accounts::Account) -> Self {
        Self {
            user_id: account.id,
            role: account.role,
        }
    }

    pub fn is_coordinator(&self) -> bool {
        self.role.at_least(crate::accounts::Role::Coordinator)
    }
}
