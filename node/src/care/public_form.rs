//! The public "Hulp vragen" form: residents ask for help without logging
//! in. Spam is kept out by a honeypot field that people never see (bots fill
//! it in) and a limit per address; requests land in the coordinators' queue.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde::Deserialize;

use super::requests::{self, RequestInput, Source};
use super::{Error, Result};
use crate::db::Db;
use crate::entity::{care_setting, public_submission};
use crate::validation::Invalid;

/// Submissions allowed per address per hour (an IPv6 address counts for
/// its whole /64: one household or phone can hold any number of those).
pub const PER_HOUR: u64 = 5;
/// Submissions accepted per hour from everyone together, unless the admin
/// sets another number: a flood from many addresses cannot bury the
/// coordinators' queue.
pub const DEFAULT_HOURLY_CAP: i32 = 60;
/// The highest cap an admin can set.
pub const MAX_HOURLY_CAP: i32 = 10_000;

/// Checking the limits and recording a submission happen under one lock,
/// so a burst of parallel submissions is counted one by one.
static GATE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What the limit counts for an address: an IPv4 address itself, an IPv6
/// address's /64 network.
pub fn rate_key(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
        Ok(ip) => ip.to_string(),
        Err(_) => address.to_owned(),
    }
}

/// Working days within which someone calls back, unless set otherwise.
pub const DEFAULT_CALLBACK_DAYS: i32 = 2;

/// What the public form tells people and how much it takes.
#[derive(Debug, Clone)]
pub struct FormSettings {
    pub hourly_cap: i32,
    /// The initiative's phone number, for people who would rather call.
    pub contact_phone: Option<String>,
    pub callback_days: i32,
}

pub async fn form_settings(db: &Db) -> Result<FormSettings> {
    let row = super::settings::current(db).await?;
    Ok(FormSettings {
        hourly_cap: row
            .as_ref()
            .and_then(|s| s.public_form_hourly_cap)
            .unwrap_or(DEFAULT_HOURLY_CAP),
        contact_phone: row.as_ref().and_then(|s| s.contact_phone.clone()),
        callback_days: row
            .and_then(|s| s.callback_days)
            .unwrap_or(DEFAULT_CALLBACK_DAYS),
    })
}

/// The settings as typed on the settings page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FormSettingsInput {
    pub public_form_hourly_cap: String,
    pub contact_phone: String,
    pub callback_days: String,
}

/// Checks all three and saves them together, or nothing.
pub async fn save_form_settings(db: &Db, input: &FormSettingsInput) -> Result<()> {
    let mut e = Invalid::default();
    let number = |e: &mut Invalid,
                  field: &'static str,
                  raw: &str,
                  range: std::ops::RangeInclusive<i32>,
                  key: &'static str| {
        match raw.trim() {
            "" => None,
            v => match v.parse::<i32>() {
                Ok(n) if range.contains(&n) => Some(n),
                _ => {
                    e.add(field, key);
                    None
                }
            },
        }
    };
    let cap = number(
        &mut e,
        "public_form_hourly_cap",
        &input.public_form_hourly_cap,
        1..=MAX_HOURLY_CAP,
        "error.hourly_cap",
    );
    let days = number(
        &mut e,
        "callback_days",
        &input.callback_days,
        1..=14,
        "error.callback_days",
    );
    let phone = match input.contact_phone.trim() {
        "" => None,
        raw => match super::dutch::normalize_phone(raw) {
            Some(p) => Some(p),
            None => {
                e.add("contact_phone", "error.phone");
                None
            }
        },
    };
    e.into_result()?;
    super::settings::save(
        db,
        care_setting::ActiveModel {
            public_form_hourly_cap: Set(cap),
            contact_phone: Set(phone),
            callback_days: Set(days),
            ..Default::default()
        },
    )
    .await
}

/// The hourly cap over all addresses.
pub async fn hourly_cap(db: &Db) -> Result<i32> {
    Ok(super::settings::current(db)
        .await?
        .and_then(|s| s.public_form_hourly_cap)
        .unwrap_or(DEFAULT_HOURLY_CAP))
}

/// Sets the hourly cap; `None` goes back to the default.
pub async fn set_hourly_cap(db: &Db, cap: Option<i32>) -> Result<()> {
    if let Some(c) = cap
        && !(1..=MAX_HOURLY_CAP).contains(&c)
    {
        return Err(Invalid::one("public_form_hourly_cap", "error.hourly_cap").into());
    }
    super::settings::save(
        db,
        care_setting::ActiveModel {
            public_form_hourly_cap: Set(cap),
            ..Default::default()
        },
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PublicInput {
    pub name: String,
    /// Phone number or e-mail address.
    pub contact: String,
    /// Optional: people do not have to know our categories.
    pub category_id: String,
    pub description: String,
    /// Optional: the day it is needed, `dd-mm-jjjj`.
    pub wanted_date: String,
    /// The honeypot: hidden from people, so anything here is a bot.
    pub website: String,
}

/// What happened to a submission.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Received {
        request_id: i32,
    },
    /// Looked like spam: answered as if received, stored nowhere.
    Ignored,
}

pub async fn submit(db: &Db, address: &str, input: &PublicInput) -> Result<Outcome> {
    if !input.website.trim().is_empty() {
        tracing::info!("public form: honeypot filled, ignored");
        return Ok(Outcome::Ignored);
    }
    let key = rate_key(address);
    let _turn = GATE.lock().await;
    // Other processes on the same PostgreSQL count the same rows.
    let _shared = db.exclusive(crate::db::TurnKey::PublicForm).await?;
    let since = Utc::now() - Duration::hours(1);
    let recent = public_submission::Entity::find()
        .filter(public_submission::Column::Address.eq(key.as_str()))
        .filter(public_submission::Column::At.gt(since))
        .count(db.write())
        .await?;
    if recent >= PER_HOUR {
        return Err(Error::TooMany);
    }
    let everyone = public_submission::Entity::find()
        .filter(public_submission::Column::At.gt(since))
        .count(db.write())
        .await?;
    if everyone >= u64::try_from(hourly_cap(db).await?).unwrap_or(0) {
        tracing::warn!("public form: hourly cap reached, submission refused");
        return Err(Error::FormBusy);
    }
    let mut e = Invalid::default();
    if input.name.trim().is_empty() {
        e.add("name", "error.public_name");
    }
    if input.contact.trim().is_empty() {
        e.add("contact", "error.contact_required");
    }
    let category_id = if input.category_id.trim().is_empty() {
        // People do not have to know our categories: the last one is "overig".
        super::categories::list(db, true)
            .await?
            .last()
            .map(|c| c.id.to_string())
            .unwrap_or_default()
    } else {
        input.category_id.clone()
    };
    let req = RequestInput {
        walk_in_name: input.name.clone(),
        walk_in_contact: input.contact.clone(),
        category_id,
        description: input.description.clone(),
        wanted_date: input.wanted_date.clone(),
        ..Default::default()
    };
    // Check everything first, so that the person sees every problem at once.
    if let Err(Error::Invalid(more)) = requests::check(db, &req).await {
        for f in more.0 {
            let field = match f.field {
                "walk_in_contact" => "contact",
                "walk_in_name" | "member_id" => "name",
                other => other,
            };
            let message = match (field, f.message) {
                ("description", "error.required") => "error.public_description",
                (_, m) => m,
            };
            if e.for_field(field).is_none() {
                e.add(field, message);
            }
        }
    }
    e.into_result()?;
    let created = requests::create(db, None, Source::PublicForm, &req).await?;
    // Only the last hour matters for the limit; older rows are dropped.
    public_submission::Entity::delete_many()
        .filter(public_submission::Column::At.lt(since))
        .exec(db.write())
        .await?;
    public_submission::ActiveModel {
        address: Set(key),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db.write())
    .await?;
    tracing::info!(request_id = created.id, "public help request received");
    Ok(Outcome::Received {
        request_id: created.id,
    })
}

#[cfg(test)]
mod tests {
    use super::rate_key;

    #[test]
    fn ipv6_addresses_count_per_64_and_ipv4_per_address() {
        assert_eq!(rate_key("192.0.2.7"), "192.0.2.7");
        assert_eq!(rate_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            rate_key("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            rate_key("2001:db8:1:2::9")
        );
        assert_ne!(rate_key("2001:db8:1:3::1"), rate_key("2001:db8:1:2::1"));
        assert_eq!(rate_key("::ffff:192.0.2.7"), "192.0.2.7");
    }
}
