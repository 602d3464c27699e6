//! `Create` of a knowledge item by a node we follow, or of a question in
//! reply to one of ours.

use activitypub_federation::config::Data;
use activitypub_federation::kinds::activity::CreateType;
use activitypub_federation::protocol::helpers::deserialize_one_or_many;
use activitypub_federation::traits::{Activity, Object};
use serde::{Deserialize, Serialize};
use url::Url;

use super::actor_ref::ActorId;
use super::item::Item;
use crate::network_items::NetworkItem;
use crate::{Error, Federation, Result, follows, objects, reactions, relay, sanitize};

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Create {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: CreateType,
    pub actor: ActorId,
    pub object: Item,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub cc: Vec<Url>,
}

/// Longest question kept.
const QUESTION_CHARS: usize = 5_000;

impl Create {
    /// A reply to one of our published items.
    async fn replies_to_ours(&self, fed: &Federation) -> Result<bool> {
        match &self.object.in_reply_to {
            Some(target) => objects::is_published(fed, target.as_str()).await,
            None => Ok(false),
        }
    }
}

/// The author of an item is the actor that sends it, on the host it
/// lives on.
pub(super) fn authored_by(item: &Item, actor: &Url) -> Result<()> {
    if item.attributed_to != *actor {
        return Err(Error::BadActivity(
            "the object is attributed to another actor".into(),
        ));
    }
    if !super::actor_ref::same_origin(item.id.inner(), actor) {
        return Err(Error::BadActivity(
            "object and actor are on different hosts".into(),
        ));
    }
    Ok(())
}

/// Stores an item from its origin; a new one is passed on by a relaying
/// node. `via` is the relay that brought it, if any.
pub(super) async fn store_item(
    data: &Data<Federation>,
    item: Item,
    activity: serde_json::Value,
    via: Option<&Url>,
) -> Result<()> {
    let fed = data.app_data();
    if !item.is_for_followers_or_public() {
        return Err(Error::Ignored(
            "a message addressed to someone in particular",
        ));
    }
    let origin = item.attributed_to.clone();
    let public = item.is_public();
    NetworkItem::verify(&item, item.id.inner(), data).await?;
    // Best effort: the origin's name and kind for the pages. A relayed item
    // is kept even when its origin cannot be reached now.
    if let Err(e) = crate::remote::get(fed, origin.as_str(), false).await {
        tracing::debug!(error = %e, "origin of a received item not reachable");
    }
    let stored = NetworkItem::from_json(item, data).await?;
    if let Some(v) = via {
        crate::network_items::note_via(fed, &stored.row, v.as_str()).await?;
    }
    if stored.fresh {
        tracing::info!(kind = %stored.row.item_kind, "network item stored");
        relay::pass_on(fed, activity, &origin, via, public).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl Activity for Create {
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
        authored_by(&self.object, self.actor.inner())?;
        if self.replies_to_ours(fed).await? {
            return Ok(());
        }
        if let Some(target) = &self.object.in_reply_to {
            // The origin's answer to a question we asked.
            if reactions::our_question_to(fed, target.as_str(), self.actor.inner().as_str())
                .await?
                .is_some()
            {
                return Ok(());
            }
            return Err(Error::Ignored("a reply to an object that is not ours"));
        }
        if follows::is_following(fed, self.actor.inner().as_str()).await? {
            Ok(())
        } else {
            Err(Error::Ignored("a post from an actor we do not follow"))
        }
    }

    async fn receive(self, data: &Data<Federation>) -> Result<()> {
        let fed = data.app_data();
        if let Some(target) = self.object.in_reply_to.clone()
            && self.replies_to_ours(fed).await?
        {
            let html = sanitize::clean_html(self.object.content.as_deref().unwrap_or(""));
            let text: String = sanitize::plain_text(&html)
                .chars()
                .take(QUESTION_CHARS)
                .collect();
            return reactions::record(
                fed,
                reactions::Kind::Question,
                target.as_str(),
                self.actor.inner().as_str(),
                self.id.as_str(),
                Some(self.object.id.inner().as_str()),
                &text,
            )
            .await;
        }
        if let Some(target) = &self.object.in_reply_to
            && let Some(q) =
                reactions::our_question_to(fed, target.as_str(), self.actor.inner().as_str())
                    .await?
        {
            let html = sanitize::clean_html(self.object.content.as_deref().unwrap_or(""));
            let text: String = sanitize::plain_text(&html)
                .chars()
                .take(QUESTION_CHARS)
                .collect();
            return reactions::record_answer(fed, q, &text).await;
        }
        let activity = serde_json::to_value(&self)?;
        store_item(data, self.object, activity, None).await
    }
}
