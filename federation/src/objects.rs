//! Published objects, served at their ids.
//!
//! The node hands over a closed [`Publication`]; this module gives it an
//! id, stores its wire form, sends `Create`, `Update` or `Delete` to the
//! followers and serves it: public objects
//! to anyone, followers-only objects only to a signed fetch by an approved
//! follower (authorized fetch), deleted ones as a `Tombstone` with 410.

use std::time::SystemTime;

use axum::http::{HeaderMap, Method};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use url::Url;

use crate::entity::object;
use crate::publication::{Envelope, Publication};
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

/// Whether a `to`/`cc` entry means everyone.
pub fn is_public_address(a: &str) -> bool {
    a == PUBLIC || a == "as:Public" || a == "Public"
}

fn addressing(local: &actor::LocalActor, visibility: Visibility) -> (Vec<Url>, Vec<Url>) {
    let followers = Url::parse(&local.followers()).ok();
    let public = Url::parse(PUBLIC).ok();
    match visibility {
        Visibility::Public => (
            public.into_iter().collect(),
            followers.into_iter().collect(),
        ),
        Visibility::Followers => (followers.into_iter().collect(), Vec::new()),
    }
}

/// A new object id under our base URL.
fn new_object_id(base: &str) -> String {
    use rand::Rng;
    let n: u128 = rand::thread_rng().r#gen();
    format!("{base}/objects/{n:032x}")
}

/// Sends `Create`, `Update` or `Delete` of a stored object to the followers.
async fn announce(
    fed: &Federation,
    local: &actor::LocalActor,
    kind: &str,
    object: Value,
    visibility: Visibility,
) -> Result<i32> {
    let (to, cc) = addressing(local, visibility);
    let activity = json!({
        "@context": actor::context(),
        "id": outbox::new_activity_id(local.base()),
        "type": kind,
        "actor": local.id(),
        "to": to,
        "cc": cc,
        "object": object,
    });
    outbox::enqueue(fed, &activity, &follows::follower_inboxes(fed).await?).await
}

/// Figures reports go to followers only, whatever the caller asked.
fn only_followers_for_reports(publication: &Publication, asked: Visibility) -> Visibility {
    match publication {
        Publication::ImpactReport(_) => Visibility::Followers,
        _ => asked,
    }
}

/// Publishes a closed value: gives it an id, stores its wire form and sends
/// `Create` to the followers. Returns the new id.
pub async fn publish(
    fed: &Federation,
    publication: &Publication,
    visibility: Visibility,
) -> Result<String> {
    Ok(publish_tracked(fed, publication, visibility).await?.0)
}

/// [`publish`], also returning the outbox entry of the `Create`, whose
/// deliveries [`crate::outbox::delivery_states`] reports.
pub async fn publish_tracked(
    fed: &Federation,
    publication: &Publication,
    visibility: Visibility,
) -> Result<(String, i32)> {
    let local = actor::load(fed).await?;
    let visibility = only_followers_for_reports(publication, visibility);
    let id = new_object_id(local.base());
    let (to, cc) = addressing(&local, visibility);
    let now = Utc::now();
    let item = publication.to_wire(Envelope {
        id: parse_url(&id)?,
        attributed_to: parse_url(&local.id())?,
        to,
        cc,
        published: now,
        updated: None,
    });
    let obj = item.to_value()?;
    object::ActiveModel {
        object_id: Set(id.clone()),
        kind: Set(item.type_name().to_owned()),
        visibility: Set(visibility.as_str().to_owned()),
        json: Set(serde_json::to_string(&obj)?),
        published_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(fed.write())
    .await?;
    let outbox_id = announce(fed, &local, "Create", obj, visibility).await?;
    Ok((id, outbox_id))
}

/// Replaces a published object with a new version (its text or its
/// visibility changed) and sends `Update` to the followers.
pub async fn update(
    fed: &Federation,
    id: &str,
    publication: &Publication,
    visibility: Visibility,
) -> Result<()> {
    update_tracked(fed, id, publication, visibility)
        .await
        .map(|_| ())
}

/// [`update`], returning the outbox entry of the `Update`.
pub async fn update_tracked(
    fed: &Federation,
    id: &str,
    publication: &Publication,
    visibility: Visibility,
) -> Result<i32> {
    let local = actor::load(fed).await?;
    let row = object::Entity::find()
        .filter(object::Column::ObjectId.eq(id))
        .one(fed.write())
        .await?
        .ok_or(Error::NotFound)?;
    if row.deleted_at.is_some() {
        return Err(Error::Gone);
    }
    let visibility = only_followers_for_reports(publication, visibility);
    let (to, cc) = addressing(&local, visibility);
    let item = publication.to_wire(Envelope {
        id: parse_url(id)?,
        attributed_to: parse_url(&local.id())?,
        to,
        cc,
        published: row.published_at,
        updated: Some(Utc::now()),
    });
    let obj = item.to_value()?;
    let mut a: object::ActiveModel = row.into();
    a.kind = Set(item.type_name().to_owned());
    a.visibility = Set(visibility.as_str().to_owned());
    a.json = Set(serde_json::to_string(&obj)?);
    a.update(fed.write()).await?;
    announce(fed, &local, "Update", obj, visibility).await
}

fn parse_url(s: &str) -> Result<Url> {
    Url::parse(s).map_err(|_| Error::Invalid(format!("{s} is geen adres")))
}

/// Whether `id` is one of our objects, published and not deleted.
pub async fn is_published(fed: &Federation, id: &str) -> Result<bool> {
    Ok(object::Entity::find()
        .filter(object::Column::ObjectId.eq(id))
        .filter(object::Column::DeletedAt.is_null())
        .one(fed.read())
        .await?
        .is_some())
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
    let visibility = if row.visibility == "public" {
        Visibility::Public
    } else {
        Visibility::Followers
    };
    let mut a: object::ActiveModel = row.into();
    a.deleted_at = Set(Some(Utc::now()));
    // The text goes; the id and kind stay for the Tombstone.
    a.json = Set("{}".into());
    a.update(fed.write()).await?;
    outbox::withdraw_object(fed, id).await?;
    announce(
        fed,
        &local,
        "Delete",
        json!({ "id": id, "type": "Tombstone" }),
        visibility,
    )
    .await?;
    fed.checkpoint().await
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
