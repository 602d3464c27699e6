//! Reactions other nodes send to our published items: a `Like` ("dit helpt
//! ons ook") and a question (a `Note` in reply). Both are sent from here
//! too, to the origin of a received item.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use serde_json::json;

use crate::entity::{network_item, reaction, remote_actor};
use crate::{Error, Federation, Result, actor, outbox, remote};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Like,
    Question,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Like => "like",
            Self::Question => "question",
        }
    }
}

/// Stores a reaction to one of our objects; a second like by the same
/// actor counts once.
pub async fn record(
    fed: &Federation,
    kind: Kind,
    object_id: &str,
    actor_url: &str,
    activity_id: &str,
    content: &str,
) -> Result<()> {
    if kind == Kind::Like
        && reaction::Entity::find()
            .filter(reaction::Column::ObjectId.eq(object_id))
            .filter(reaction::Column::ActorUrl.eq(actor_url))
            .filter(reaction::Column::Kind.eq(Kind::Like.as_str()))
            .one(fed.read())
            .await?
            .is_some()
    {
        return Err(Error::Ignored("a second like"));
    }
    let saved = reaction::ActiveModel {
        object_id: Set(object_id.to_owned()),
        actor_url: Set(actor_url.to_owned()),
        kind: Set(kind.as_str().to_owned()),
        activity_id: Set(activity_id.to_owned()),
        content: Set(content.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(fed.write())
    .await;
    match saved {
        Ok(_) => Ok(()),
        Err(e) if crate::error::is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Whether `like_id` is a like `actor_url` sent us.
pub async fn is_like(fed: &Federation, like_id: &str, actor_url: &str) -> Result<bool> {
    Ok(reaction::Entity::find()
        .filter(reaction::Column::ActivityId.eq(like_id))
        .filter(reaction::Column::ActorUrl.eq(actor_url))
        .filter(reaction::Column::Kind.eq(Kind::Like.as_str()))
        .one(fed.read())
        .await?
        .is_some())
}

/// An `Undo` of a like.
pub async fn forget(fed: &Federation, like_id: &str, actor_url: &str) -> Result<()> {
    reaction::Entity::delete_many()
        .filter(reaction::Column::ActivityId.eq(like_id))
        .filter(reaction::Column::ActorUrl.eq(actor_url))
        .exec(fed.write())
        .await?;
    Ok(())
}

/// A reaction as the origin sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ReactionLine {
    /// `like` or `question`.
    pub kind: String,
    pub actor_url: String,
    pub name: Option<String>,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

/// Reactions to one of our objects, oldest first.
pub async fn for_object(fed: &Federation, object_id: &str) -> Result<Vec<ReactionLine>> {
    let rows = reaction::Entity::find()
        .filter(reaction::Column::ObjectId.eq(object_id))
        .order_by_asc(reaction::Column::Id)
        .all(fed.read())
        .await?;
    let urls: Vec<String> = rows.iter().map(|r| r.actor_url.clone()).collect();
    let names: std::collections::HashMap<String, Option<String>> = remote_actor::Entity::find()
        .filter(remote_actor::Column::ActorUrl.is_in(urls))
        .all(fed.read())
        .await?
        .into_iter()
        .map(|a| (a.actor_url, a.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| ReactionLine {
            kind: r.kind,
            name: names.get(&r.actor_url).cloned().flatten(),
            actor_url: r.actor_url,
            content: r.content,
            created_at: r.created_at,
        })
        .collect())
}

/// The received item and its origin's inbox, for sending a reaction.
async fn target(fed: &Federation, item_id: i32) -> Result<(network_item::Model, String)> {
    let item = network_item::Entity::find_by_id(item_id)
        .one(fed.read())
        .await?
        .filter(|i| i.deleted_at.is_none())
        .ok_or(Error::NotFound)?;
    let origin = remote::get(fed, &item.origin_actor, false).await?;
    Ok((item, remote::delivery_inbox(&origin)))
}

/// Sends "dit helpt ons ook" (`Like`) to the origin of a received item.
pub async fn like(fed: &Federation, item_id: i32) -> Result<()> {
    let local = actor::load(fed).await?;
    let (item, inbox) = target(fed, item_id).await?;
    let activity = json!({
        "@context": actor::context(),
        "id": outbox::new_activity_id(local.base()),
        "type": "Like",
        "actor": local.id(),
        "to": [item.origin_actor],
        "object": item.object_id,
    });
    outbox::enqueue(fed, &activity, &[inbox]).await?;
    Ok(())
}

/// Sends a question (a `Note` in reply) to the origin of a received item.
/// The text is the node's own words; the caller has run the privacy check.
pub async fn ask(fed: &Federation, item_id: i32, question: &str) -> Result<String> {
    let local = actor::load(fed).await?;
    let (item, inbox) = target(fed, item_id).await?;
    let activity_id = outbox::new_activity_id(local.base());
    let note_id = format!("{activity_id}#question");
    let note = json!({
        "id": note_id,
        "type": "Note",
        "attributedTo": local.id(),
        "to": [item.origin_actor],
        "inReplyTo": item.object_id,
        "content": crate::sanitize::clean_html(&format!("<p>{}</p>", html_escape(question))),
        "published": Utc::now().to_rfc3339(),
    });
    let activity = json!({
        "@context": actor::context(),
        "id": activity_id,
        "type": "Create",
        "actor": local.id(),
        "to": [item.origin_actor],
        "object": note,
    });
    outbox::enqueue(fed, &activity, &[inbox]).await?;
    Ok(note_id)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
