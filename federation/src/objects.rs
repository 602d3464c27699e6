//! Published objects, served at their ids.
//!
//! The node hands over a finished wire object; this module gives it an id,
//! stores it, sends `Create` to the followers and serves it: public objects
//! to anyone, followers-only objects only to a signed fetch by an approved
//! follower (authorized fetch), deleted ones as a `Tombstone` with 410.

use std::time::SystemTime;

use axum::http::{HeaderMap, Method};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::entity::object;
use crate::signature;
use crate::{Error, Federation, Result, actor, follows, outbox, remote};

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Anyone may read it.
    Public,
    /// Only approved followers, by signed fetch.
    Followers,
}

impl Visibility {
    fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Followers => "followers",
        }
    }
}

/// Publishes `object` (its `type`, content, …; `id`, `attributedTo` and
/// addressing are set here). Returns the new id.
pub async fn publish(fed: &Federation, mut obj: Value, visibility: Visibility) -> Result<String> {
    let local = actor::load(fed).await?;
    use rand::Rng;
    let n: u128 = rand::thread_rng().r#gen();
    let id = format!("{}/objects/{n:032x}", local.base());
    let (to, cc) = match visibility {
        Visibility::Public => (json!([PUBLIC]), json!([local.followers()])),
        Visibility::Followers => (json!([local.followers()]), json!([])),
    };
    let now = Utc::now();
    obj["id"] = json!(id);
    obj["attributedTo"] = json!(local.id());
    obj["to"] = to.clone();
    obj["cc"] = cc.clone();
    obj["published"] = json!(now.to_rfc3339());
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("Note")
        .to_owned();
    object::ActiveModel {
        object_id: Set(id.clone()),
        kind: Set(kind),
        visibility: Set(visibility.as_str().to_owned()),
        json: Set(serde_json::to_string(&obj)?),
        published_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(fed.write())
    .await?;
    let create = json!({
        "@context": actor::context(),
        "id": outbox::new_activity_id(local.base()),
        "type": "Create",
        "actor": local.id(),
        "to": to,
        "cc": cc,
        "object": obj,
    });
    outbox::enqueue(fed, &create, &follows::follower_inboxes(fed).await?).await?;
    Ok(id)
}

/// Deletes a published object: a Tombstone stays at its id, and `Delete`
/// goes to the followers.
pub async fn delete(fed: &Federation, id: &str) -> Result<()> {
    let local = actor::load(fed).await?;
    let row = object::Entity::find()
        .filter(object::Column::ObjectId.eq(id))
        .one(fed.write())
        .await?
        .ok_or(Error::NotFound)?;
    if row.deleted_at.is_some() {
        return Ok(());
    }
    let mut a: object::ActiveModel = row.clone().into();
    a.deleted_at = Set(Some(Utc::now()));
    a.update(fed.write()).await?;
    let (to, cc) = if row.visibility == "public" {
        (json!([PUBLIC]), json!([local.followers()]))
    } else {
        (json!([local.followers()]), json!([]))
    };
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": outbox::new_activity_id(local.base()),
        "type": "Delete",
        "actor": local.id(),
        "to": to,
        "cc": cc,
        "object": { "id": id, "type": "Tombstone" },
    });
    outbox::enqueue(fed, &activity, &follows::follower_inboxes(fed).await?).await?;
    Ok(())
}

/// The actor of a signed GET, if the request is signed and verifies.
pub async fn signed_fetcher(
    fed: &Federation,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
) -> Result<Option<String>> {
    if headers.get("signature").is_none() {
        return Ok(None);
    }
    let local = actor::load(fed).await?;
    crate::inbox::check_host(headers, &local)?;
    let checked = signature::check_incoming(
        method,
        path_and_query,
        headers,
        None,
        SystemTime::now(),
        local.scheme(),
    )?;
    let actor = remote::verify_request(fed, None, &checked).await?;
    Ok(Some(actor.actor_url))
}

/// The object at `id` for this request, or why not.
pub async fn serve(
    fed: &Federation,
    id: &str,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
) -> Result<Value> {
    let row = object::Entity::find()
        .filter(object::Column::ObjectId.eq(id))
        .one(fed.read())
        .await?
        .ok_or(Error::NotFound)?;
    if row.deleted_at.is_some() {
        return Err(Error::Gone);
    }
    if row.visibility != "public" {
        let Some(fetcher) = signed_fetcher(fed, method, path_and_query, headers).await? else {
            return Err(Error::Signature(signature::SignatureError::Missing));
        };
        if !follows::is_accepted_follower(fed, &fetcher).await? {
            return Err(Error::Forbidden);
        }
    }
    let mut v: Value = serde_json::from_str(&row.json)?;
    v["@context"] = actor::context();
    Ok(v)
}

/// The Tombstone document for a deleted object.
pub fn tombstone_document(id: &str, kind: &str, deleted: chrono::DateTime<Utc>) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Tombstone",
        "formerType": kind,
        "deleted": deleted.to_rfc3339(),
    })
}

/// Kind and deletion time of a deleted object, for its Tombstone.
pub async fn deleted_info(
    fed: &Federation,
    id: &str,
) -> Result<Option<(String, chrono::DateTime<Utc>)>> {
    Ok(object::Entity::find()
        .filter(object::Column::ObjectId.eq(id))
        .one(fed.read())
        .await?
        .and_then(|r| r.deleted_at.map(|d| (r.kind, d))))
}

/// Number of public objects, for the outbox collection.
pub async fn public_count(fed: &Federation) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(object::Entity::find()
        .filter(object::Column::Visibility.eq("public"))
        .filter(object::Column::DeletedAt.is_null())
        .count(fed.read())
        .await?)
}
