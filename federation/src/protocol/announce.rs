//! `Announce` by a relaying node we follow (FEP-1b12's shape: it wraps the
//! origin's `Create`, `Update` or `Delete`), or of an object by its id only
//! (LitePub relays), which is then fetched from where it lives.
//!
//! The relay is trusted to pass on what the origin sent, and nothing more:
//! the wrapped activity must be the origin's own (its actor is the item's
//! author), and changes and deletions of an item we keep count only when
//! they name its origin as their actor.

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
            Announced::Create(c) => {
                if let Some(known) = NetworkItem::find(fed, c.object.id.inner().as_str()).await? {
                    // Another path brought it first: one copy is kept.
                    crate::network_items::note_via(fed, &known.row, via.as_str()).await?;
                    return Err(Error::Ignored("an item we already have"));
                }
                let activity = serde_json::to_value(&c)?;
                store_item(data, c.object, activity, Some(&via)).await
            }
            Announced::Update(u) => {
                let activity = serde_json::to_value(&u)?;
                match u.object {
                    Updated::Item(item) => {
                        super::update::apply(data, *item, activity, Some(&via)).await
                    }
                    Updated::Other(_) => Err(Error::Ignored("a relayed update of an actor")),
                }
            }
            Announced::Delete(d) => {
                let activity = serde_json::to_value(&d)?;
                super::delete::apply(data, d.object.id(), activity, Some(&via)).await
            }
            Announced::Id(id) => {
                if NetworkItem::find(fed, id.as_str()).await?.is_some() {
                    return Err(Error::Ignored("an item we already have"));
                }
                let item = fetch(fed, &id).await?;
                let activity = serde_json::Value::String(id.to_string());
                store_item(data, item, activity, Some(&via)).await
            }
        }
    }
}

/// Fetches an announced object (signed, so a followers-only item can be
/// read where we may). One that cannot be fetched or read is dropped.
async fn fetch(fed: &Federation, id: &Url) -> Result<Item> {
    let signer = fed.signer().await.ok();
    let doc = match fed.http().fetch(id, signer.as_ref()).await {
        Ok((_, doc)) => doc,
        Err(e) => {
            tracing::info!(error = %e, "an announced object could not be fetched; dropped");
            return Err(Error::Ignored("an announced object that cannot be fetched"));
        }
    };
    let item: Item = serde_json::from_value(doc).map_err(|_| {
        tracing::info!("an announced object is not an item we read; dropped");
        Error::Ignored("an announced object we do not read")
    })?;
    // The fetch checked that the document's id is where it came from.
    if item.id.inner() != id {
        return Err(Error::BadActivity(
            "the object's id is not where it was fetched".into(),
        ));
    }
    Ok(item)
}
