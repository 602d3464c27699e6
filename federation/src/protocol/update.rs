//! `Update` of an actor (its profile changed: fetch it again) or of a
//! knowledge item, only ever from the item's origin.

use activitypub_federation::config::Data;
use activitypub_federation::kinds::activity::UpdateType;
use activitypub_federation::protocol::helpers::deserialize_one_or_many;
use activitypub_federation::traits::{Activity, Object};
use serde::{Deserialize, Serialize};
use url::Url;

use super::actor_ref::ActorId;
use super::create::authored_by;
use super::id_or::Ided;
use super::item::Item;
use crate::network_items::NetworkItem;
use crate::{Error, Federation, Result, follows, relay, remote};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Updated {
    Item(Box<Item>),
    /// An actor, or anything else: only its id is read.
    Other(Ided),
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Update {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UpdateType,
    pub actor: ActorId,
    pub object: Updated,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub cc: Vec<Url>,
}

/// Whether `actor` may change the item: it must be the item's author, and
/// the origin of the copy we keep. A known item changed by anyone else is
/// refused (403); an unknown one is taken as new from a node we follow.
pub(super) async fn may_change(fed: &Federation, item: &Item, actor: &Url) -> Result<()> {
    let known = NetworkItem::find(fed, item.id.inner().as_str()).await?;
    if let Some(k) = &known
        && k.row.origin_actor != actor.as_str()
    {
        tracing::warn!("a change to an item by someone other than its origin was refused");
        return Err(Error::Forbidden);
    }
    if item.attributed_to != *actor {
        tracing::warn!("a change to an item attributed to another actor was refused");
        return Err(Error::Forbidden);
    }
    authored_by(item, actor)?;
    if known.is_none() && !follows::is_following(fed, actor.as_str()).await? {
        return Err(Error::Ignored("an update of an item we never had"));
    }
    Ok(())
}

/// Applies a change from the origin and passes it on when this node relays.
pub(super) async fn apply(
    data: &Data<Federation>,
    item: Item,
    activity: serde_json::Value,
    via: Option<&Url>,
) -> Result<()> {
    let fed = data.app_data();
    let origin = item.attributed_to.clone();
    let public = item.is_public();
    NetworkItem::verify(&item, item.id.inner(), data).await?;
    let stored = NetworkItem::from_json(item, data).await?;
    if stored.row.deleted_at.is_some() {
        return Err(Error::Ignored("an update of a deleted item"));
    }
    tracing::info!(kind = %stored.row.item_kind, "network item updated");
    relay::pass_on(fed, activity, &origin, via, public).await
}

#[async_trait::async_trait]
impl Activity for Update {
    type DataType = Federation;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<Federation>) -> Result<()> {
        match &self.object {
            Updated::Other(o) if o.id == *self.actor.inner() => Ok(()),
            Updated::Other(_) => Err(Error::Ignored("an update of something we do not keep")),
            Updated::Item(item) => may_change(data.app_data(), item, self.actor.inner()).await,
        }
    }

    async fn receive(self, data: &Data<Federation>) -> Result<()> {
        let activity = serde_json::to_value(&self)?;
        match self.object {
            Updated::Other(_) => {
                remote::get(data.app_data(), self.actor.inner().as_str(), true).await?;
                Ok(())
            }
            Updated::Item(item) => apply(data, *item, activity, None).await,
        }
    }
}
