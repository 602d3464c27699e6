//! `Delete` of an actor (it is gone) or of a knowledge item, only ever from
//! the item's origin: the item becomes a tombstone without its text.

use activitypub_federation::config::Data;
use activitypub_federation::kinds::activity::DeleteType;
use activitypub_federation::protocol::helpers::deserialize_one_or_many;
use activitypub_federation::traits::{Activity, Object};
use serde::{Deserialize, Serialize};
use url::Url;

use super::actor_ref::ActorId;
use super::id_or::{IdOr, Ided};
use crate::network_items::NetworkItem;
use crate::{Error, Federation, Result, follows, relay};

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Delete {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: DeleteType,
    pub actor: ActorId,
    pub object: IdOr<Ided>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub cc: Vec<Url>,
}

impl Delete {
    fn of_actor(&self) -> bool {
        self.object.id() == self.actor.inner()
    }
}

/// Only the origin of an item we keep may delete it.
pub(super) async fn may_delete(fed: &Federation, object: &Url, actor: &Url) -> Result<()> {
    if let Some(r) = crate::reports::find(fed, object.as_str()).await? {
        if r.origin_actor == actor.as_str() {
            return Ok(());
        }
        tracing::warn!("a deletion of a report by someone other than its origin was refused");
        return Err(Error::Forbidden);
    }
    match NetworkItem::find(fed, object.as_str()).await? {
        Some(k) if k.row.origin_actor == actor.as_str() => Ok(()),
        Some(_) => {
            tracing::warn!("a deletion of an item by someone other than its origin was refused");
            Err(Error::Forbidden)
        }
        None => Err(Error::Ignored("a deletion of something we do not keep")),
    }
}

/// Turns the item into a tombstone and passes the deletion on.
pub(super) async fn apply(
    data: &Data<Federation>,
    object: &Url,
    activity: serde_json::Value,
    via: Option<&Url>,
) -> Result<()> {
    let fed = data.app_data();
    if let Some(r) = crate::reports::find(fed, object.as_str()).await? {
        let forwardable = r.forwardable;
        let origin = r.origin_actor.clone();
        crate::reports::delete(fed, r).await?;
        if forwardable && let Ok(origin) = Url::parse(&origin) {
            relay::pass_on_report(fed, activity, &origin, via).await?;
        }
        return Ok(());
    }
    let Some(item) = NetworkItem::find(fed, object.as_str()).await? else {
        return Err(Error::Ignored("a deletion of something we do not keep"));
    };
    if item.is_deleted() {
        return Ok(());
    }
    let public = item.row.visibility == "public";
    let origin = Url::parse(&item.row.origin_actor)
        .map_err(|_| Error::BadActivity("origin is not a URL".into()))?;
    item.delete(data).await?;
    tracing::info!(kind = %item.row.item_kind, "network item deleted");
    relay::pass_on(fed, activity, &origin, via, public).await
}

#[async_trait::async_trait]
impl Activity for Delete {
    type DataType = Federation;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<Federation>) -> Result<()> {
        if self.of_actor() {
            return Ok(());
        }
        may_delete(data.app_data(), self.object.id(), self.actor.inner()).await
    }

    async fn receive(self, data: &Data<Federation>) -> Result<()> {
        if self.of_actor() {
            return follows::actor_gone(data.app_data(), self.actor.inner().as_str()).await;
        }
        let activity = serde_json::to_value(&self)?;
        apply(data, self.object.id(), activity, None).await
    }
}
