//! Reactions other nodes send to our published items: a `Like` ("dit helpt
//! ons ook") and a question (a `Note` in reply). Both are sent from here
//! too, to the origin of a received item.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use serde_json::json;

use crate::entity::{network_item, question, reaction};
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
    note_id: Option<&str>,
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
        note_id: Set(note_id.map(str::to_owned)),
        content: Set(content.to_owned()),
        answer: Set(None),
        answered_at: Set(None),
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
    pub id: i32,
    /// `like` or `question`.
    pub kind: String,
    pub actor_url: String,
    pub name: Option<String>,
    pub content: String,
    /// Our answer to a question.
    pub answer: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Reactions to one of our objects, oldest first.
pub async fn for_object(fed: &Federation, object_id: &str) -> Result<Vec<ReactionLine>> {
    let rows = reaction::Entity::find()
        .filter(reaction::Column::ObjectId.eq(object_id))
        .order_by_asc(reaction::Column::Id)
        .all(fed.read())
        .await?;
    let known = remote::known(fed, rows.iter().map(|r| r.actor_url.clone())).await?;
    Ok(rows
        .into_iter()
        .map(|r| ReactionLine {
            id: r.id,
            kind: r.kind,
            name: known.get(&r.actor_url).and_then(|a| a.name.clone()),
            actor_url: r.actor_url,
            content: r.content,
            answer: r.answer,
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
    // Kept before it is sent, so the answer always finds it.
    question::ActiveModel {
        item_id: Set(item_id),
        note_id: Set(note_id.clone()),
        text: Set(question.to_owned()),
        answer: Set(None),
        asked_at: Set(Utc::now()),
        answered_at: Set(None),
        ..Default::default()
    }
    .insert(fed.write())
    .await?;
    outbox::enqueue(fed, &activity, &[inbox]).await?;
    Ok(note_id)
}

/// Answers a question another node asked about one of our items: a `Note`
/// in reply goes to the asker, and the answer is kept beside the question.
/// The text is the node's own words; the caller has run the privacy check.
pub async fn answer(fed: &Federation, object_id: &str, reaction_id: i32, text: &str) -> Result<()> {
    let local = actor::load(fed).await?;
    let row = reaction::Entity::find_by_id(reaction_id)
        .one(fed.read())
        .await?
        .filter(|r| r.object_id == object_id && r.kind == Kind::Question.as_str())
        .ok_or(Error::NotFound)?;
    let Some(question_id) = row.note_id.clone() else {
        return Err(Error::NotFound);
    };
    let asker = remote::get(fed, &row.actor_url, false).await?;
    let activity_id = outbox::new_activity_id(local.base());
    let activity = json!({
        "@context": actor::context(),
        "id": activity_id,
        "type": "Create",
        "actor": local.id(),
        "to": [row.actor_url],
        "object": {
            "id": format!("{activity_id}#answer"),
            "type": "Note",
            "attributedTo": local.id(),
            "to": [row.actor_url],
            "inReplyTo": question_id,
            "content": crate::sanitize::clean_html(&format!("<p>{}</p>", html_escape(text))),
            "published": Utc::now().to_rfc3339(),
        },
    });
    outbox::enqueue(fed, &activity, &[remote::delivery_inbox(&asker)]).await?;
    let mut a: reaction::ActiveModel = row.into();
    a.answer = Set(Some(text.to_owned()));
    a.answered_at = Set(Some(Utc::now()));
    a.update(fed.write()).await?;
    Ok(())
}

/// The question of ours that `note_id` names, if the origin it was asked
/// of is `actor_url`.
pub async fn our_question_to(
    fed: &Federation,
    note_id: &str,
    actor_url: &str,
) -> Result<Option<question::Model>> {
    let Some(q) = question::Entity::find()
        .filter(question::Column::NoteId.eq(note_id))
        .one(fed.read())
        .await?
    else {
        return Ok(None);
    };
    let origin = network_item::Entity::find_by_id(q.item_id)
        .one(fed.read())
        .await?
        .map(|i| i.origin_actor);
    Ok((origin.as_deref() == Some(actor_url)).then_some(q))
}

/// Keeps the origin's answer to one of our questions.
pub async fn record_answer(fed: &Federation, q: question::Model, text: &str) -> Result<()> {
    let mut a: question::ActiveModel = q.into();
    a.answer = Set(Some(text.to_owned()));
    a.answered_at = Set(Some(Utc::now()));
    a.update(fed.write()).await?;
    Ok(())
}

/// A question we asked about a received item, with its answer.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionLine {
    pub text: String,
    pub answer: Option<String>,
    pub asked_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// Our questions about one received item, oldest first.
pub async fn questions_about(fed: &Federation, item_id: i32) -> Result<Vec<QuestionLine>> {
    Ok(question::Entity::find()
        .filter(question::Column::ItemId.eq(item_id))
        .order_by_asc(question::Column::Id)
        .all(fed.read())
        .await?
        .into_iter()
        .map(|q| QuestionLine {
            text: q.text,
            answer: q.answer,
            asked_at: q.asked_at,
            answered_at: q.answered_at,
        })
        .collect())
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
