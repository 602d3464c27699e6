//! The initiative's disclosure settings: which figures go to the network,
//! which are on its public impact page, rounding, whether a region may pass
//! its reports on, automatic sending, and the hourly rate for the social
//! value. On a network node also which totals are open data.

use chrono::Utc;
use noaber_federation::figures::{METRICS, metric};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Result;
use super::compute::DEFAULT_HOUR_RATE_CENTS;
use crate::db::Db;
use crate::entity::figure_setting;
use crate::validation::Invalid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DisclosureSettings {
    /// Metric keys sent to the network.
    pub shared_metrics: Vec<String>,
    /// Metric keys shown on the public impact page.
    pub public_metrics: Vec<String>,
    /// On a regional or national node: totals published as open data.
    pub open_data_metrics: Vec<String>,
    /// Round counts of 5 and more to a multiple of 5.
    pub round_to_five: bool,
    /// May a region pass the reports on to the national network.
    pub forwardable: bool,
    /// Send the report of each month, quarter and year when it ends.
    pub auto_send: bool,
    /// Value of an hour of volunteer work, in cents.
    pub hour_rate_cents: i32,
}

impl Default for DisclosureSettings {
    fn default() -> Self {
        Self {
            // Everything counted goes to the network unless taken out; the
            // public page and open data show nothing until chosen.
            shared_metrics: METRICS.iter().map(|m| m.key.to_owned()).collect(),
            public_metrics: Vec::new(),
            open_data_metrics: Vec::new(),
            round_to_five: false,
            forwardable: true,
            auto_send: false,
            hour_rate_cents: DEFAULT_HOUR_RATE_CENTS,
        }
    }
}

fn list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

pub async fn get(db: &Db) -> Result<DisclosureSettings> {
    Ok(
        match figure_setting::Entity::find_by_id(1).one(db.read()).await? {
            Some(row) => DisclosureSettings {
                shared_metrics: list(&row.shared_metrics),
                public_metrics: list(&row.public_metrics),
                open_data_metrics: list(&row.open_data_metrics),
                round_to_five: row.round_to_five,
                forwardable: row.forwardable,
                auto_send: row.auto_send,
                hour_rate_cents: row.hour_rate_cents,
            },
            None => DisclosureSettings::default(),
        },
    )
}

/// Checks the settings: known metrics only, a rate from 0 to €1000.
pub fn check(s: &DisclosureSettings) -> Result<(), Invalid> {
    let mut errors = Invalid::default();
    for (field, keys) in [
        ("shared_metrics", &s.shared_metrics),
        ("public_metrics", &s.public_metrics),
        ("open_data_metrics", &s.open_data_metrics),
    ] {
        if keys.iter().any(|k| metric(k).is_none()) {
            errors.add(field, "error.unknown_metric");
        }
    }
    if !(0..=100_000).contains(&s.hour_rate_cents) {
        errors.add("hour_rate", "error.hour_rate");
    }
    errors.into_result()
}

pub async fn save(db: &Db, s: &DisclosureSettings) -> Result<()> {
    check(s)?;
    let dedup = |v: &[String]| -> Result<String> {
        let mut out: Vec<&String> = Vec::new();
        for k in v {
            if !out.contains(&k) {
                out.push(k);
            }
        }
        Ok(serde_json::to_string(&out)?)
    };
    let row = figure_setting::ActiveModel {
        id: Set(1),
        shared_metrics: Set(dedup(&s.shared_metrics)?),
        public_metrics: Set(dedup(&s.public_metrics)?),
        open_data_metrics: Set(dedup(&s.open_data_metrics)?),
        round_to_five: Set(s.round_to_five),
        forwardable: Set(s.forwardable),
        auto_send: Set(s.auto_send),
        hour_rate_cents: Set(s.hour_rate_cents),
        updated_at: Set(Utc::now()),
    };
    let exists = figure_setting::Entity::find_by_id(1)
        .one(db.write())
        .await?
        .is_some();
    if exists {
        row.update(db.write()).await?;
    } else {
        row.insert(db.write()).await?;
    }
    super::public::forget();
    Ok(())
}

/// Parses a rate typed as euros ("14,71", "15", "14.5") into cents.
pub fn parse_rate(raw: &str) -> Result<i32, Invalid> {
    let bad = || Invalid::one("hour_rate", "error.hour_rate");
    let t = raw.trim().replace(['€', ' '], "").replace(',', ".");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i32 = whole.parse().map_err(|_| bad())?;
    let cents: i32 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .filter(|c| (0..=100_000).contains(c))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_read_as_euros() {
        assert_eq!(parse_rate("14,71"), Ok(1471));
        assert_eq!(parse_rate("€ 15"), Ok(1500));
        assert_eq!(parse_rate("14.5"), Ok(1450));
        for bad in ["", "-3", "veertien", "1,234", "99999"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }
}
