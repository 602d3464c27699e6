//! The node's own actor: the organisation, never a person.
//!
//! The node hands over its public profile (name, kind, place, base URL);
//! this module keeps the actor row with its key pair and serves the actor
//! document, WebFinger and NodeInfo from it.

use crate::kind::NodeKind;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

use crate::entity::local_actor;
use crate::{Error, Federation, Result};

/// The public profile the node publishes as its actor.
#[derive(Debug, Clone)]
pub struct ActorProfile {
    pub name: String,
    pub kind: NodeKind,
    pub place: String,
    /// Its region, as the network names it ("Drenthe"); optional.
    pub region: Option<String>,
    /// Stadsdorp, zorgcoöperatie …; for initiatives only.
    pub initiative_type: Option<String>,
    pub base_url: String,
}

/// Who may follow without a person approving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoApprove {
    Never,
    Always,
}

impl AutoApprove {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Always => "always",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "never" => Some(Self::Never),
            "always" => Some(Self::Always),
            _ => None,
        }
    }
}

/// What NodeInfo says about usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsagePolicy {
    Real,
    Zero,
    None,
}

impl UsagePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Real => "real",
            Self::Zero => "zero",
            Self::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "real" => Some(Self::Real),
            "zero" => Some(Self::Zero),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// The local actor with the URLs derived from its base URL.
#[derive(Debug, Clone)]
pub struct LocalActor {
    pub row: local_actor::Model,
}

impl LocalActor {
    pub fn base(&self) -> &str {
        self.row.base_url.trim_end_matches('/')
    }
    pub fn id(&self) -> String {
        format!("{}/actor", self.base())
    }
    pub fn key_id(&self) -> String {
        format!("{}/actor#main-key", self.base())
    }
    pub fn inbox(&self) -> String {
        format!("{}/actor/inbox", self.base())
    }
    pub fn shared_inbox(&self) -> String {
        format!("{}/inbox", self.base())
    }
    /// The instance actor (`Application`): it follows relays and may sign
    /// fetches, as Mastodon's instance actor does. It shares the node's key
    /// pair; the organisation stays the node's public identity.
    pub fn instance_id(&self) -> String {
        format!("{}/instance", self.base())
    }
    pub fn instance_key_id(&self) -> String {
        format!("{}/instance#main-key", self.base())
    }
    pub fn instance_inbox(&self) -> String {
        format!("{}/instance/inbox", self.base())
    }
    /// Whether `url` names one of our two actors.
    pub fn is_our_actor(&self, url: &str) -> bool {
        url == self.id() || url == self.instance_id()
    }
    pub fn followers(&self) -> String {
        format!("{}/actor/followers", self.base())
    }
    /// `https` or `http`: how this node is reached.
    pub fn scheme(&self) -> &str {
        self.base().split_once("://").map_or("https", |(s, _)| s)
    }
    pub fn host(&self) -> String {
        crate::net::authority_of(self.base()).unwrap_or_default()
    }
    pub fn auto_approve(&self) -> AutoApprove {
        AutoApprove::parse(&self.row.auto_approve).unwrap_or(AutoApprove::Never)
    }
    pub fn node_kind(&self) -> Option<NodeKind> {
        self.row.kind.parse().ok()
    }

    /// Whether this node passes on what it receives to its own followers:
    /// regional and national nodes do, unless turned off.
    pub fn relays(&self) -> bool {
        self.row.relaying
            && matches!(
                self.node_kind(),
                Some(NodeKind::Regional | NodeKind::National)
            )
    }

    pub fn is_local(&self, url: &str) -> bool {
        url.starts_with(&format!("{}/", self.base()))
    }

    /// The actor document (ActivityStreams `Organization`).
    pub fn document(&self) -> Value {
        json!({
            "@context": context(),
            "id": self.id(),
            "type": "Organization",
            "preferredUsername": self.row.username,
            "name": self.row.name,
            "summary": format!("{} — {}", self.row.name, self.row.place),
            "url": format!("{}/", self.base()),
            "inbox": self.inbox(),
            "outbox": format!("{}/actor/outbox", self.base()),
            "followers": self.followers(),
            "following": format!("{}/actor/following", self.base()),
            "endpoints": { "sharedInbox": self.shared_inbox() },
            "manuallyApprovesFollowers": self.auto_approve() == AutoApprove::Never,
            "discoverable": true,
            "nodeKind": self.row.kind,
            "region": self.row.region,
            "initiativeType": self.row.initiative_type,
            "location": { "type": "Place", "name": self.row.place },
            "publicKey": {
                "id": self.key_id(),
                "owner": self.id(),
                "publicKeyPem": self.row.public_key_pem,
            },
        })
    }
}

impl LocalActor {
    /// The instance actor's document (ActivityStreams `Application`), the
    /// kind of actor LitePub relays accept as a subscriber.
    pub fn instance_document(&self) -> Value {
        json!({
            "@context": context(),
            "id": self.instance_id(),
            "type": "Application",
            "preferredUsername": self.host(),
            "name": self.row.name,
            "summary": "Instance actor: follows relays on behalf of this node.",
            "url": format!("{}/", self.base()),
            "inbox": self.instance_inbox(),
            "outbox": format!("{}/actor/outbox", self.base()),
            "endpoints": { "sharedInbox": self.shared_inbox() },
            "manuallyApprovesFollowers": true,
            "discoverable": false,
            "publicKey": {
                "id": self.instance_key_id(),
                "owner": self.instance_id(),
                "publicKeyPem": self.row.public_key_pem,
            },
        })
    }
}

/// The JSON-LD context of our documents, with the `noaber:` extension terms
/// and the Mastodon terms we use (`discoverable`).
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        terms(),
    ])
}

/// The `noaber:` terms (and the few others we use), inline in every
/// document we send and served on their own at `/ns` (see
/// [`context_document`]): receivers need not fetch anything to read them.
fn terms() -> Value {
    json!({
        "noaber": "https://noaber.nl/ns#",
        "toot": "http://joinmastodon.org/ns#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "nodeKind": "noaber:nodeKind",
        "region": "noaber:region",
        "initiativeType": "noaber:initiativeType",
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "discoverable": "toot:discoverable",
        "itemKind": "noaber:itemKind",
        "bottleneckCategory": "noaber:bottleneckCategory",
        "bottleneckStatus": "noaber:bottleneckStatus",
        "bottleneckSince": { "@id": "noaber:bottleneckSince", "@type": "xsd:date" },
        "Hashtag": "as:Hashtag",
        "ImpactReport": "noaber:ImpactReport",
        "period": "noaber:period",
        "figures": { "@id": "noaber:figures", "@container": "@set" },
        "metric": "noaber:metric",
        "category": "noaber:category",
        "value": { "@id": "noaber:value", "@type": "xsd:nonNegativeInteger" },
        "suppressed": { "@id": "noaber:suppressed", "@type": "xsd:boolean" },
        "rounded": { "@id": "noaber:rounded", "@type": "xsd:boolean" },
        "entered": { "@id": "noaber:entered", "@type": "xsd:boolean" },
        "forwardable": { "@id": "noaber:forwardable", "@type": "xsd:boolean" },
        "provisional": { "@id": "noaber:provisional", "@type": "xsd:boolean" },
    })
}

/// The JSON-LD context document served at `/ns`: the same terms as every
/// document carries inline.
pub fn context_document() -> Value {
    json!({ "@context": terms() })
}

pub async fn load(fed: &Federation) -> Result<LocalActor> {
    local_actor::Entity::find_by_id(1)
        .one(fed.read())
        .await?
        .map(|row| LocalActor { row })
        .ok_or(Error::NotSetUp)
}

pub async fn find(fed: &Federation) -> Result<Option<LocalActor>> {
    Ok(local_actor::Entity::find_by_id(1)
        .one(fed.read())
        .await?
        .map(|row| LocalActor { row }))
}

/// A username for WebFinger from the organisation's name.
pub fn username_for(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    if out.is_empty() {
        "noaber".into()
    } else {
        out.chars().take(40).collect()
    }
}

/// Creates the actor with a new key pair, or updates its public profile.
/// Key generation takes a moment; it runs off the async threads.
pub async fn publish(fed: &Federation, profile: &ActorProfile) -> Result<LocalActor> {
    let now = Utc::now();
    let existing = local_actor::Entity::find_by_id(1).one(fed.write()).await?;
    let row = match existing {
        Some(row) => {
            let mut a: local_actor::ActiveModel = row.into();
            a.name = Set(profile.name.clone());
            a.kind = Set(profile.kind.as_str().to_owned());
            a.place = Set(profile.place.clone());
            a.region = Set(profile.region.clone());
            a.initiative_type = Set(profile.initiative_type.clone());
            a.base_url = Set(profile.base_url.trim_end_matches('/').to_owned());
            a.updated_at = Set(now);
            a.update(fed.write()).await?
        }
        None => {
            let (public, private) = tokio::task::spawn_blocking(crate::keys::generate)
                .await
                .map_err(|e| Error::Invalid(e.to_string()))??;
            let auto = match profile.kind {
                NodeKind::Initiative => AutoApprove::Never,
                NodeKind::Regional | NodeKind::National => AutoApprove::Always,
            };
            local_actor::ActiveModel {
                id: Set(1),
                username: Set(username_for(&profile.name)),
                name: Set(profile.name.clone()),
                kind: Set(profile.kind.as_str().to_owned()),
                place: Set(profile.place.clone()),
                base_url: Set(profile.base_url.trim_end_matches('/').to_owned()),
                public_key_pem: Set(public),
                private_key_pem: Set(private),
                auto_approve: Set(auto.as_str().to_owned()),
                nodeinfo_usage: Set(UsagePolicy::Zero.as_str().to_owned()),
                relaying: Set(true),
                region: Set(profile.region.clone()),
                initiative_type: Set(profile.initiative_type.clone()),
                updated_at: Set(now),
            }
            .insert(fed.write())
            .await?
        }
    };
    if let Ok(mut guard) = fed.inner.signer.write() {
        *guard = None;
    }
    Ok(LocalActor { row })
}

/// Changes the follow policy or the NodeInfo usage policy.
pub async fn set_policies(
    fed: &Federation,
    auto: Option<AutoApprove>,
    usage: Option<UsagePolicy>,
) -> Result<LocalActor> {
    let actor = load(fed).await?;
    let mut a: local_actor::ActiveModel = actor.row.into();
    if let Some(auto) = auto {
        a.auto_approve = Set(auto.as_str().to_owned());
    }
    if let Some(usage) = usage {
        a.nodeinfo_usage = Set(usage.as_str().to_owned());
    }
    a.updated_at = Set(Utc::now());
    Ok(LocalActor {
        row: a.update(fed.write()).await?,
    })
}

/// Turns passing on received knowledge to our followers on or off.
pub async fn set_relaying(fed: &Federation, on: bool) -> Result<LocalActor> {
    let actor = load(fed).await?;
    let mut a: local_actor::ActiveModel = actor.row.into();
    a.relaying = Set(on);
    a.updated_at = Set(Utc::now());
    Ok(LocalActor {
        row: a.update(fed.write()).await?,
    })
}

/// The NodeInfo 2.1 document.
pub async fn nodeinfo(fed: &Federation) -> Result<Value> {
    let actor = load(fed).await?;
    let mut doc = json!({
        "version": "2.1",
        "software": {
            "name": "noaber",
            "version": fed.inner.version,
            "repository": "https://codeberg.org/noaber/noaber",
            "homepage": "https://codeberg.org/noaber/noaber",
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": false,
        "usage": { "users": {} },
        "metadata": { "nodeName": actor.row.name, "nodeKind": actor.row.kind },
    });
    let usage = match UsagePolicy::parse(&actor.row.nodeinfo_usage).unwrap_or(UsagePolicy::Zero) {
        UsagePolicy::None => json!({ "users": {} }),
        UsagePolicy::Zero => {
            json!({ "users": { "total": 0, "activeMonth": 0, "activeHalfyear": 0 }, "localPosts": 0 })
        }
        UsagePolicy::Real => {
            let u = match &fed.inner.usage {
                Some(src) => src.usage().await,
                None => crate::Usage::default(),
            };
            json!({ "users": { "total": u.total, "activeMonth": u.active_month, "activeHalfyear": u.active_halfyear } })
        }
    };
    doc["usage"] = usage;
    Ok(doc)
}

/// Tells the followers that the actor changed (name, place, kind).
pub async fn announce_update(fed: &Federation) -> Result<()> {
    let local = load(fed).await?;
    let activity = json!({
        "@context": context(),
        "id": crate::outbox::new_activity_id(local.base()),
        "type": "Update",
        "actor": local.id(),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [local.followers()],
        "object": local.document(),
    });
    let inboxes = crate::follows::follower_inboxes(fed).await?;
    if !inboxes.is_empty() {
        crate::outbox::enqueue(fed, &activity, &inboxes).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_plain() {
        assert_eq!(
            username_for("Zorgcoöperatie Hollandscheveld"),
            "zorgcooperatie_hollandscheveld"
        );
        assert_eq!(username_for("  Stadsdorp  Zuid! "), "stadsdorp_zuid");
        assert_eq!(username_for("!!!"), "noaber");
    }
}
