//! Knowledge across the network: what this node writes (articles, updates,
//! events), the privacy check before any of it leaves, and what it
//! received from other nodes ("Kennis uit het netwerk").

pub mod api;
pub mod bottleneck_web;
pub mod bottlenecks;
pub mod markdown;
pub mod network;
pub mod privacy_check;
pub mod publications;
pub mod themes;
pub mod web;

use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 422: one or more fields are wrong.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// 422: the text looks like it holds personal data; the hits say where.
    #[error("privacy check: {} hit(s)", .0.len())]
    PrivacyCheck(Vec<privacy_check::Hit>),
    /// 404
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Federation(#[from] noaber_federation::Error),
    /// 500
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
