//! Figures (kerncijfers): a period's counts from the node's own records,
//! the disclosure settings that decide what leaves, the reports sent to the
//! network, and, on a regional or national node, the rollup of the reports
//! received from initiatives.

pub mod api;
pub mod compute;
pub mod disclose;
pub mod manual;
pub mod open_data;
pub mod public;
pub mod rollup;
pub mod sent;
pub mod settings;
pub mod svg;
pub mod web;

use noaber_federation::figures::Period;

use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 422: one or more fields are wrong.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// 404
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Federation(#[from] noaber_federation::Error),
    /// 500
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Reads a period typed by a person or a client; the error names `field`.
pub fn parse_period(field: &'static str, raw: &str) -> Result<Period, Invalid> {
    Period::parse(raw).map_err(|_| Invalid::one(field, "error.period"))
}

/// The label and definition of a metric, in Dutch for the API and in the
/// page's language for pages.
pub fn label(lang: crate::i18n::Lang, metric: &str) -> &'static str {
    crate::i18n::text(lang, &format!("metric.{metric}"))
}

/// A metric with its category ("Knelpunten open (VOG)"), in words.
pub fn cell_label(lang: crate::i18n::Lang, metric: &str, category: Option<&str>) -> String {
    match category {
        Some(c) => format!(
            "{} ({})",
            label(lang, metric),
            crate::i18n::text(lang, crate::knowledge::bottlenecks::category_key(c))
        ),
        None => label(lang, metric).to_owned(),
    }
}

/// The words for a kind of initiative; only known kinds are looked up.
pub fn kind_label(lang: crate::i18n::Lang, key: &str) -> String {
    match crate::profile::INITIATIVE_TYPES
        .iter()
        .find(|(k, _)| *k == key)
    {
        Some((_, label)) => crate::i18n::text(lang, label).to_owned(),
        None => key.to_owned(),
    }
}

pub fn definition(lang: crate::i18n::Lang, metric: &str) -> &'static str {
    crate::i18n::text(lang, &format!("metric.{metric}_def"))
}
