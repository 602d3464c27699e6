//! The node's profile: which organisation it is, of which kind, where, and
//! at which public address.

pub mod api;
pub mod web;

use chrono::Utc;
use noaber_federation::NodeKind;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::entity::node_profile;
use crate::validation::{Invalid, required_line};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 422
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// 409: the node has not been set up yet.
    #[error("not set up")]
    NotSetUp,
    /// 500
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NodeProfile {
    pub name: String,
    #[schema(value_type = String, example = "initiative")]
    pub kind: NodeKind,
    /// Place or municipality.
    pub place: String,
    /// The region the network counts it in ("Drenthe"); optional.
    pub region: Option<String>,
    /// What kind of initiative it is (one of [`INITIATIVE_TYPES`]).
    pub initiative_type: Option<String>,
    /// The public address of the node, e.g. `https://stadsdorp.example.nl`.
    pub base_url: String,
}

/// The profile as typed in a form or JSON body, unchecked.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub name: String,
    pub kind: String,
    pub place: String,
    pub region: String,
    pub initiative_type: String,
    pub base_url: String,
}

/// Kinds of resident initiative, with their locale keys: how the national
/// network groups its totals.
pub const INITIATIVE_TYPES: &[(&str, &str)] = &[
    ("stadsdorp", "initiative_type.stadsdorp"),
    ("zorgcooperatie", "initiative_type.zorgcooperatie"),
    ("noaberzorgpunt", "initiative_type.noaberzorgpunt"),
    ("dorpscooperatie", "initiative_type.dorpscooperatie"),
    ("buurtinitiatief", "initiative_type.buurtinitiatief"),
    ("anders", "initiative_type.anders"),
];

impl NodeProfile {
    fn from_model(m: node_profile::Model) -> Self {
        Self {
            kind: m.kind.parse().unwrap_or(NodeKind::Initiative),
            name: m.name,
            place: m.place,
            region: m.region,
            initiative_type: m.initiative_type,
            base_url: m.base_url,
        }
    }

    /// Whether cookies must be marked `Secure`.
    pub fn is_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

/// Checks a profile; the base URL is normalised to have no trailing slash.
pub fn validate(input: &ProfileInput) -> Result<NodeProfile, Invalid> {
    let mut errors = Invalid::default();
    let name = required_line(&mut errors, "name", &input.name, 120);
    let place = required_line(&mut errors, "place", &input.place, 120);
    let region = input.region.trim();
    let region = if region.is_empty() {
        None
    } else {
        Some(required_line(&mut errors, "region", region, 80))
    };
    let initiative_type = match input.initiative_type.trim() {
        "" => None,
        t if INITIATIVE_TYPES.iter().any(|(k, _)| *k == t) => Some(t.to_owned()),
        _ => {
            errors.add("initiative_type", "error.initiative_type");
            None
        }
    };
    let kind = match input.kind.trim().parse::<NodeKind>() {
        Ok(k) => k,
        Err(_) => {
            errors.add("kind", "error.kind");
            NodeKind::Initiative
        }
    };
    let base_url = normalize_base_url(&mut errors, &input.base_url);
    errors.into_result()?;
    Ok(NodeProfile {
        name,
        kind,
        place,
        region,
        initiative_type,
        base_url,
    })
}

fn normalize_base_url(errors: &mut Invalid, raw: &str) -> String {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.add("base_url", "error.required");
        return String::new();
    }
    match url::Url::parse(raw) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some()
                && u.query().is_none()
                && u.fragment().is_none()
                && u.username().is_empty() =>
        {
            u.as_str().trim_end_matches('/').to_owned()
        }
        _ => {
            errors.add("base_url", "error.base_url");
            raw.to_owned()
        }
    }
}

pub async fn get(db: &Db) -> Result<Option<NodeProfile>> {
    Ok(node_profile::Entity::find_by_id(1)
        .one(db.read())
        .await?
        .map(NodeProfile::from_model))
}

pub async fn require(db: &Db) -> Result<NodeProfile> {
    get(db).await?.ok_or(Error::NotSetUp)
}

/// Writes the profile (inserting it the first time).
pub async fn save_on<C: ConnectionTrait>(conn: &C, p: &NodeProfile) -> Result<()> {
    let now = Utc::now();
    let existing = node_profile::Entity::find_by_id(1).one(conn).await?;
    let is_new = existing.is_none();
    let mut row: node_profile::ActiveModel = match existing {
        Some(m) => m.into(),
        None => node_profile::ActiveModel {
            id: Set(1),
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.name = Set(p.name.clone());
    row.kind = Set(p.kind.as_str().to_owned());
    row.place = Set(p.place.clone());
    row.region = Set(p.region.clone());
    row.initiative_type = Set(p.initiative_type.clone());
    row.base_url = Set(p.base_url.clone());
    row.updated_at = Set(now);
    // `save` would treat the set primary key as an update of a missing row.
    if is_new {
        row.insert(conn).await?;
    } else {
        row.update(conn).await?;
    }
    Ok(())
}

/// Changes an existing profile; refuses before setup. The actor follows,
/// and followers are told (Update).
pub async fn update(
    db: &Db,
    fed: &noaber_federation::Federation,
    input: &ProfileInput,
) -> Result<NodeProfile> {
    require(db).await?;
    let profile = validate(input)?;
    save_on(db.write(), &profile).await?;
    if let Err(e) = crate::fed::publish_profile(fed, &profile).await {
        tracing::warn!(error = %e, "could not update the node's actor");
    } else if let Err(e) = noaber_federation::actor::announce_update(fed).await {
        tracing::warn!(error = %e, "could not send the profile update");
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(base_url: &str) -> ProfileInput {
        ProfileInput {
            name: "Stadsdorp Zuid".into(),
            kind: "initiative".into(),
            place: "Amsterdam".into(),
            region: String::new(),
            initiative_type: String::new(),
            base_url: base_url.into(),
        }
    }

    #[test]
    fn base_url_is_normalised_and_checked() {
        let p = validate(&input("https://zuid.example.nl/")).unwrap();
        assert_eq!(p.base_url, "https://zuid.example.nl");
        for bad in [
            "zuid.example.nl",
            "ftp://zuid.example.nl",
            "https://x.nl/?a=1",
        ] {
            let e = validate(&input(bad)).unwrap_err();
            assert_eq!(e.for_field("base_url"), Some("error.base_url"), "{bad}");
        }
    }

    #[test]
    fn every_missing_field_is_named() {
        let e = validate(&ProfileInput::default()).unwrap_err();
        for field in ["name", "place", "kind", "base_url"] {
            assert!(e.for_field(field).is_some(), "{field}");
        }
    }
}
