//! `Announce` by a relaying node we follow (FEP-1b12's shape: it wraps the
//! origin's `Create`, `Update` or `Delete`), or of an object by its id only
//! (LitePub relays), which is then fetched from where it lives.
//!
//! Only the Announce is signed, so what it wraps is not taken on the
//! relay's word: the item is fetched from its origin (signed), and what the
//! origin serves is stored, changed or, when it answers that the item is
//! gone, deleted. Only when the origin refuses us (a followers-only item of
//! an origin we do not follow) is the relay's copy used, and then only from
//! a regional or national node we follow, whose job relaying is.

use activitypub_federation::config::Data;
use activitypub_federation::kinds::activity::AnnounceType;
use activitypub_federation::protocol::helpers::deserialize_one_or_many;
use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use url::Url;

use super::actor_ref::ActorId;
use super::create::{Create, authored_by, store_item};
use super::delete::Delete;
use super::item::Item;
use super::update::{Update, Updated};
use crate::network_items::NetworkItem;
use crate::{Error, Federation, Result, follows, relays};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Announced {
    /// A forwardable figures report, passed on by a regional node.
    Report(Box<super::report::ReportActivity>),
    Create(Box<Create>),
    Update(Box<Update>),
    Delete(Box<Delete>),
    /// An object by its id only.
    Id(Url),
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Announce {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: AnnounceType,
    pub actor: ActorId,
    pub object: Announced,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub cc: Vec<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Url>,
}

#[async_trait::async_trait]
impl Activity for Announce {
    type DataType = Federation;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<Federation>) -> Result<()> {
        let fed = data.app_data();
        let relay = self.actor.inner().as_str();
        if !(follows::is_following(fed, relay).await? || relays::is_subscribed(fed, relay).await?) {
            return Err(Error::Ignored("an announce from an actor we do not follow"));
        }
        match &self.object {
            Announced::Report(r) => {
                // The origin is not asked again: a followers-only report
                // is not served to us. The relay must be a network node we
                // follow, and the origin must have allowed passing it on.
                if !trusted_relay(fed, self.actor.inner()).await? {
                    return Err(Error::Ignored(
                        "a report relayed by a node that is not ours",
                    ));
                }
                r.by_its_author()?;
                // From an initiative we follow ourselves we take its own
                // word only; a copy through a region adds nothing.
                if follows::is_following(fed, r.actor.inner().as_str()).await? {
                    return Err(Error::Ignored("a relayed report of a node we follow"));
                }
                if r.object.forwardable {
                    Ok(())
                } else {
                    tracing::warn!("a relayed report its origin did not allow to pass on");
                    Err(Error::Forbidden)
                }
            }
            Announced::Create(c) => authored_by(&c.object, c.actor.inner()),
            Announced::Update(u) => match &u.object {
                Updated::Item(item) => super::update::may_change(fed, item, u.actor.inner()).await,
                Updated::Other(_) => Err(Error::Ignored("a relayed update of an actor")),
            },
            Announced::Delete(d) => {
                super::delete::may_delete(fed, d.object.id(), d.actor.inner()).await
            }
            Announced::Id(_) => Ok(()),
        }
    }

    async fn receive(self, data: &Data<Federation>) -> Result<()> {
        let fed = data.app_data();
        let via = self.actor.inner().clone();
        match self.object {
            Announced::Report(r) => r.store(fed, Some(&via)).await,
            Announced::Create(c) => {
                if let Some(known) = NetworkItem::find(fed, c.object.id.inner().as_str()).await? {
                    // Another path brought it first: one copy is kept.
                    crate::network_items::note_via(fed, &known.row, via.as_str()).await?;
                    return Err(Error::Ignored("an item we already have"));
                }
                let mut c = *c;
                c.object = checked_copy(fed, &via, c.object).await?;
                authored_by(&c.object, c.actor.inner())?;
                let activity = serde_json::to_value(&c)?;
                store_item(data, c.object, activity, Some(&via)).await
            }
            Announced::Update(u) => {
                let mut u = *u;
                let Updated::Item(item) = u.object else {
                    return Err(Error::Ignored("a relayed update of an actor"));
                };
                let item = checked_copy(fed, &via, *item).await?;
                super::update::may_change(fed, &item, u.actor.inner()).await?;
                u.object = Updated::Item(Box::new(item.clone()));
                let activity = serde_json::to_value(&u)?;
                super::update::apply(data, item, activity, Some(&via)).await
            }
            Announced::Delete(d) => {
                let id = d.object.id().clone();
                match fetch(fed, &id).await {
                    Fetched::Gone => {}
                    Fetched::Refused if trusted_relay(fed, &via).await? => {}
                    Fetched::Item(_) => {
                        tracing::info!(
                            "a relayed deletion of an item its origin still serves; dropped"
                        );
                        return Err(Error::Ignored("the origin still serves the item"));
                    }
                    Fetched::Refused | Fetched::Failed => {
                        return Err(Error::Ignored("a relayed deletion that cannot be checked"));
                    }
                }
                let activity = serde_json::to_value(&d)?;
                super::delete::apply(data, &id, activity, Some(&via)).await
            }
            Announced::Id(id) => {
                if NetworkItem::find(fed, id.as_str()).await?.is_some() {
                    return Err(Error::Ignored("an item we already have"));
                }
                let Fetched::Item(item) = fetch(fed, &id).await else {
                    tracing::info!("an announced object could not be fetched; dropped");
                    return Err(Error::Ignored("an announced object that cannot be fetched"));
                };
                let activity = serde_json::Value::String(id.to_string());
                store_item(data, *item, activity, Some(&via)).await
            }
        }
    }
}

/// What the origin says of an announced object.
enum Fetched {
    Item(Box<Item>),
    /// 404, 410 or a Tombstone: deleted.
    Gone,
    /// 401 or 403: not for us to read.
    Refused,
    /// Unreachable, or not an item we read.
    Failed,
}

/// The origin's own copy of an announced item; the relay's copy only when
/// the origin refuses us and the relay is a network node we follow.
async fn checked_copy(fed: &Federation, via: &Url, relayed: Item) -> Result<Item> {
    match fetch(fed, relayed.id.inner()).await {
        Fetched::Item(item) => Ok(*item),
        Fetched::Refused if trusted_relay(fed, via).await? => Ok(relayed),
        Fetched::Gone => Err(Error::Ignored("an announced item its origin deleted")),
        Fetched::Refused | Fetched::Failed => {
            tracing::info!("an announced object could not be fetched from its origin; dropped");
            Err(Error::Ignored("an announced object that cannot be checked"))
        }
    }
}

/// A regional or national node we follow: relaying is its job.
async fn trusted_relay(fed: &Federation, via: &Url) -> Result<bool> {
    let kind = crate::remote::cached(fed, via.as_str())
        .await?
        .and_then(|a| a.node_kind);
    Ok(matches!(kind.as_deref(), Some("regional" | "national"))
        && follows::is_following(fed, via.as_str()).await?)
}

/// Fetches an announced object from where its id says it lives (signed,
/// so a followers-only item can be read where we may).
async fn fetch(fed: &Federation, id: &Url) -> Fetched {
    use crate::client::FetchError;
    let signer = fed.signer().await.ok();
    let doc = match fed.http().fetch(id, signer.as_ref()).await {
        Ok((_, doc)) => doc,
        Err(FetchError::Gone(_) | FetchError::Status { status: 404, .. }) => return Fetched::Gone,
        Err(FetchError::Status {
            status: 401 | 403, ..
        }) => return Fetched::Refused,
        Err(e) => {
            tracing::info!(error = %e, "an announced object could not be fetched");
            return Fetched::Failed;
        }
    };
    if doc.get("type").and_then(serde_json::Value::as_str) == Some("Tombstone") {
        return Fetched::Gone;
    }
    match serde_json::from_value::<Item>(doc) {
        // The fetch checked that the document's id is where it came from.
        Ok(item) if item.id.inner() == id => Fetched::Item(Box::new(item)),
        _ => {
            tracing::info!("an announced object is not an item we read");
            Fetched::Failed
        }
    }
}
