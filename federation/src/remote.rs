//! Remote actors: fetched, checked, cached; and resolving what an operator
//! types (`name@host`, an actor URL, or a node's home address) to an actor.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use url::Url;

use crate::entity::remote_actor;
use crate::net::authority_of;
use crate::signature::Checked;
use crate::{Error, Federation, Result};

/// How long a fetched actor is trusted before it is fetched again.
const FRESH_FOR: i64 = 24;

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Checks an actor document and turns it into a row. The key must belong
/// to the actor and every URL in it must be on the actor's own host.
pub fn parse_actor(doc: &Value) -> Result<remote_actor::Model> {
    let bad = |m: &str| Error::BadActivity(format!("actor document: {m}"));
    let id = str_field(doc, "id").ok_or_else(|| bad("no id"))?;
    let id_url = Url::parse(id).map_err(|_| bad("id is not a URL"))?;
    let inbox = str_field(doc, "inbox").ok_or_else(|| bad("no inbox"))?;
    let key = doc.get("publicKey").ok_or_else(|| bad("no publicKey"))?;
    // Some servers publish a list of keys; the first is the main one.
    let key = if let Some(list) = key.as_array() {
        list.first().ok_or_else(|| bad("no publicKey"))?
    } else {
        key
    };
    let owner = str_field(key, "owner").unwrap_or(id);
    if owner != id {
        return Err(bad("the key belongs to another actor"));
    }
    let pem = str_field(key, "publicKeyPem").ok_or_else(|| bad("no publicKeyPem"))?;
    crate::keys::VerifyingKey::from_pem(pem)
        .map_err(|_| bad("publicKeyPem is not an RSA public key"))?;
    let shared = doc
        .get("endpoints")
        .and_then(|e| str_field(e, "sharedInbox"))
        .map(str::to_owned);
    for url in std::iter::once(inbox).chain(shared.as_deref()) {
        let u = Url::parse(url).map_err(|_| bad("inbox is not a URL"))?;
        if u.host_str() != id_url.host_str() {
            return Err(bad("inbox on another host"));
        }
    }
    let kind = doc
        .get("nodeKind")
        .or_else(|| doc.get("noaber:nodeKind"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(remote_actor::Model {
        id: 0,
        actor_url: id.to_owned(),
        inbox: inbox.to_owned(),
        shared_inbox: shared,
        name: str_field(doc, "name").map(|n| n.chars().take(200).collect()),
        username: str_field(doc, "preferredUsername").map(|n| n.chars().take(100).collect()),
        node_kind: kind,
        actor_type: str_field(doc, "type").unwrap_or("Person").to_owned(),
        public_key_pem: pem.to_owned(),
        fetched_at: Utc::now(),
        key_id: str_field(key, "id").map(str::to_owned),
        region: str_field(doc, "region")
            .or_else(|| str_field(doc, "noaber:region"))
            .map(|r| crate::sanitize::plain_line(r, 80))
            .filter(|r| !r.is_empty()),
        initiative_type: str_field(doc, "initiativeType")
            .or_else(|| str_field(doc, "noaber:initiativeType"))
            .map(|r| crate::sanitize::plain_line(r, 40))
            .filter(|r| !r.is_empty()),
        place: doc
            .get("location")
            .and_then(|l| str_field(l, "name"))
            .map(|p| crate::sanitize::plain_line(p, 120))
            .filter(|p| !p.is_empty()),
    })
}

pub(crate) async fn store(
    fed: &Federation,
    mut m: remote_actor::Model,
) -> Result<remote_actor::Model> {
    let existing = remote_actor::Entity::find()
        .filter(remote_actor::Column::ActorUrl.eq(&m.actor_url))
        .one(fed.write())
        .await?;
    let active = remote_actor::ActiveModel {
        id: match &existing {
            Some(e) => Set(e.id),
            None => sea_orm::ActiveValue::NotSet,
        },
        actor_url: Set(m.actor_url.clone()),
        inbox: Set(m.inbox.clone()),
        shared_inbox: Set(m.shared_inbox.clone()),
        name: Set(m.name.clone()),
        username: Set(m.username.clone()),
        node_kind: Set(m.node_kind.clone()),
        actor_type: Set(m.actor_type.clone()),
        public_key_pem: Set(m.public_key_pem.clone()),
        fetched_at: Set(m.fetched_at),
        key_id: Set(m.key_id.clone()),
        region: Set(m.region.clone()),
        initiative_type: Set(m.initiative_type.clone()),
        place: Set(m.place.clone()),
    };
    let saved = if existing.is_some() {
        active.update(fed.write()).await?
    } else {
        match active.clone().insert(fed.write()).await {
            Ok(saved) => saved,
            // Another request stored the same actor a moment ago.
            Err(e) if crate::error::is_unique_violation(&e) => remote_actor::Entity::find()
                .filter(remote_actor::Column::ActorUrl.eq(&m.actor_url))
                .one(fed.write())
                .await?
                .ok_or(Error::NotFound)?,
            Err(e) => return Err(e.into()),
        }
    };
    m.id = saved.id;
    Ok(saved)
}

/// The cached actor, fetched (signed) when unknown or stale, or when
/// `refresh` asks for it (a signature did not verify: the key may be new).
pub async fn get(fed: &Federation, actor_url: &str, refresh: bool) -> Result<remote_actor::Model> {
    let cached = remote_actor::Entity::find()
        .filter(remote_actor::Column::ActorUrl.eq(actor_url))
        .one(fed.read())
        .await?;
    if let Some(c) = &cached
        && !refresh
        && Utc::now() - c.fetched_at < Duration::hours(FRESH_FOR)
    {
        return Ok(c.clone());
    }
    let url = Url::parse(actor_url).map_err(|_| Error::BadActivity("actor is not a URL".into()))?;
    // Refetching is what a bad signature triggers; do it at most once a
    // minute per actor, so unsigned junk cannot make us fetch at will.
    if refresh
        && let Some(c) = &cached
        && Utc::now() - c.fetched_at < Duration::minutes(1)
    {
        return Ok(c.clone());
    }
    let signer = fed.signer().await.ok();
    match fed.http().fetch(&url, signer.as_ref()).await {
        Ok((_, doc)) => {
            let actor = parse_actor(&doc)?;
            // A redirect may not swap in another actor: the document must
            // be the one that was named.
            if actor.actor_url != actor_url {
                return Err(Error::BadActivity(
                    "the actor document is at another address".into(),
                ));
            }
            store(fed, actor).await
        }
        // Keep using a cached copy when the server is briefly away.
        Err(e) => match cached {
            Some(c) if !refresh => Ok(c),
            _ => Err(e.into()),
        },
    }
}

/// Verifies a checked request with the key of the actor that owns it:
/// the cached key first, then (key rotation) the actor fetched again.
/// Returns the actor.
pub async fn verify_signed(
    fed: &Federation,
    owner: &str,
    checked: &Checked,
) -> Result<remote_actor::Model> {
    let actor = get(fed, owner, false).await?;
    let key = fed.inner.keys.get(&actor.public_key_pem)?;
    if checked.verify(&key).is_ok() {
        return Ok(actor);
    }
    let actor = get(fed, owner, true).await?;
    let key = fed.inner.keys.get(&actor.public_key_pem)?;
    checked.verify(&key)?;
    Ok(actor)
}

/// Verifies a checked request and returns the actor it proves.
///
/// `claimed` is the actor an activity names; a signed GET names none.
/// A key id `<actor>#fragment` belongs to that actor by convention. A key
/// at an address of its own (GoToSocial: `/users/name/main-key`) must be
/// on the actor's host, and the actor's own document must name it as its
/// key: a key document alone proves nothing, since anyone who can place a
/// file on a host could serve one. The key document is only read to learn
/// the owner when the request names no actor.
pub async fn verify_request(
    fed: &Federation,
    claimed: Option<&str>,
    checked: &Checked,
) -> Result<remote_actor::Model> {
    let key_id = checked.key_id.as_str();
    let owner = match claimed {
        Some(c) => c.to_owned(),
        None if key_id.contains('#') => checked.key_owner_guess(),
        None => key_owner(fed, key_id).await?,
    };
    if !key_may_belong_to(key_id, &owner) {
        return Err(Error::BadActivity(
            "the signing key is not the actor's".into(),
        ));
    }
    if key_id.contains('#') || key_id == owner {
        return verify_signed(fed, &owner, checked).await;
    }
    let mut actor = get(fed, &owner, false).await?;
    if actor.key_id.as_deref() != Some(key_id) {
        // The key may be new: fetch the actor again (at most once a minute).
        actor = get(fed, &owner, true).await?;
        if actor.key_id.as_deref() != Some(key_id) {
            return Err(Error::BadActivity(
                "the actor does not name this signing key".into(),
            ));
        }
    }
    verify_signed(fed, &owner, checked).await
}

/// Whether `key_id` can be `actor`'s key at all: `<actor>#fragment` (or
/// the actor's own URL), or a key at an address of its own on the actor's
/// host (which the actor's document must then name).
pub fn key_may_belong_to(key_id: &str, actor: &str) -> bool {
    if key_id.contains('#') || key_id == actor {
        key_id.split('#').next() == Some(actor)
    } else {
        authority_of(key_id).is_some() && authority_of(key_id) == authority_of(actor)
    }
}

/// Key owners learned from key documents, and the key ids that failed,
/// so that requests with made-up key ids cannot make us fetch at will.
pub(crate) type KeyOwners = crate::cache::BoundedMap<(Option<String>, Instant)>;

const OWNER_FRESH: StdDuration = StdDuration::from_secs(3600);
const FAILURE_FRESH: StdDuration = StdDuration::from_secs(60);

/// The owner a key document names, cached for an hour; a key id that could
/// not be read is not tried again for a minute.
async fn key_owner(fed: &Federation, key_id: &str) -> Result<String> {
    match fed.inner.key_owners.get(key_id) {
        Some((Some(owner), at)) if at.elapsed() < OWNER_FRESH => return Ok(owner),
        Some((None, at)) if at.elapsed() < FAILURE_FRESH => {
            return Err(Error::BadActivity(
                "key document: could not be read a moment ago".into(),
            ));
        }
        _ => {}
    }
    let fetched = fetch_key(fed, key_id).await;
    fed.inner
        .key_owners
        .insert(key_id, (fetched.as_ref().ok().cloned(), Instant::now()));
    fetched
}

/// Fetches a key document and returns the owner it names: either a key
/// object (`id` is the key id, with `owner`) or an actor whose
/// `publicKey.id` is the key id, as GoToSocial serves at its key
/// The cached actors among `urls`, by URL, read in one query (for lists
/// that show names and kinds).
pub async fn known(
    fed: &Federation,
    urls: impl IntoIterator<Item = String>,
) -> Result<std::collections::HashMap<String, remote_actor::Model>> {
    Ok(remote_actor::Entity::find()
        .filter(remote_actor::Column::ActorUrl.is_in(urls))
        .all(fed.read())
        .await?
        .into_iter()
        .map(|a| (a.actor_url.clone(), a))
        .collect())
}

/// addresses. The owner must be on the key's host.
pub async fn fetch_key(fed: &Federation, key_id: &str) -> Result<String> {
    let bad = |m: &str| Error::BadActivity(format!("key document: {m}"));
    let url = Url::parse(key_id).map_err(|_| bad("key id is not a URL"))?;
    let signer = fed.signer().await.ok();
    let host = crate::net::authority(&url);
    let (_, doc) = fed
        .http()
        .fetch_where(&url, signer.as_ref(), |id| {
            authority_of(id).as_deref() == Some(host.as_str())
        })
        .await?;
    let doc_id = str_field(&doc, "id").unwrap_or_default();
    let owner = if doc_id == key_id {
        str_field(&doc, "owner")
    } else {
        let key = doc.get("publicKey").ok_or_else(|| bad("no publicKey"))?;
        let key = key.as_array().and_then(|l| l.first()).unwrap_or(key);
        if str_field(key, "id") != Some(key_id) {
            return Err(bad("it names another key"));
        }
        let owner = str_field(key, "owner").unwrap_or(doc_id);
        if owner != doc_id {
            return Err(bad("the key belongs to another actor"));
        }
        Some(owner)
    };
    let owner = owner.ok_or_else(|| bad("no owner"))?;
    if authority_of(owner).as_deref() != Some(host.as_str()) {
        return Err(bad("the owner is on another host"));
    }
    Ok(owner.to_owned())
}

pub async fn cached(fed: &Federation, actor_url: &str) -> Result<Option<remote_actor::Model>> {
    Ok(remote_actor::Entity::find()
        .filter(remote_actor::Column::ActorUrl.eq(actor_url))
        .one(fed.read())
        .await?)
}

/// Resolves `name@host`, `@name@host`, an actor URL, or a home URL.
pub async fn resolve(fed: &Federation, target: &str) -> Result<remote_actor::Model> {
    let target = target.trim().trim_start_matches('@');
    if !target.contains("://") && target.contains('@') {
        let (_, host) = target
            .split_once('@')
            .ok_or_else(|| Error::Invalid(target.into()))?;
        if host.is_empty() || host.contains('/') {
            return Err(Error::Invalid(format!(
                "'{target}' is geen adres zoals naam@domein"
            )));
        }
        let mut last = None;
        let schemes: &[&str] = if fed.settings().allow_http {
            &["https", "http"]
        } else {
            &["https"]
        };
        for scheme in schemes {
            let url = Url::parse(&format!(
                "{scheme}://{host}/.well-known/webfinger?resource=acct:{}",
                form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>()
            ))
            .map_err(|_| Error::Invalid(target.into()))?;
            match fed.http().get_json(&url).await {
                Ok(doc) => {
                    let href = doc
                        .get("links")
                        .and_then(Value::as_array)
                        .and_then(|links| {
                            links.iter().find(|l| {
                                str_field(l, "rel") == Some("self")
                                    && str_field(l, "type").is_some_and(|t| {
                                        t.contains("activity+json") || t.contains("ld+json")
                                    })
                            })
                        })
                        .and_then(|l| str_field(l, "href"))
                        .ok_or_else(|| {
                            Error::Invalid(format!("{target} heeft geen ActivityPub-adres"))
                        })?;
                    return get(fed, href, true).await;
                }
                Err(e) => last = Some(e),
            }
        }
        return Err(last
            .map(Error::from)
            .unwrap_or_else(|| Error::Invalid(target.into())));
    }
    let url = Url::parse(target).map_err(|_| {
        Error::Invalid(format!(
            "'{target}' is geen adres zoals naam@domein of https://…"
        ))
    })?;
    let signer = fed.signer().await.ok();
    let (_, doc) = fed.http().fetch(&url, signer.as_ref()).await?;
    store(fed, parse_actor(&doc)?).await
}

/// Where to deliver to an actor: its shared inbox when it has one.
pub fn delivery_inbox(actor: &remote_actor::Model) -> String {
    actor
        .shared_inbox
        .clone()
        .unwrap_or_else(|| actor.inbox.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Actor documents as Mastodon, Mobilizon, Pleroma, Lemmy and others
    /// really send them.
    #[test]
    fn actors_from_other_software_parse() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/fixtures/fediverse");
        if !root.exists() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "fixtures missing at {}",
                root.display()
            );
            eprintln!("SKIPPED: no fixtures at {}", root.display());
            return;
        }
        let mut parsed = 0;
        for software in std::fs::read_dir(&root).unwrap() {
            let objects = software.unwrap().path().join("objects");
            let Ok(files) = std::fs::read_dir(&objects) else {
                continue;
            };
            for f in files {
                let path = f.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                if !(name.starts_with("person")
                    || name.starts_with("group")
                    || name.starts_with("instance"))
                {
                    continue;
                }
                let doc: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                if doc.get("publicKey").is_none() {
                    continue;
                }
                // GNU social groups sign with another actor's key: we cannot
                // tie such a key to the group, so it is refused on purpose.
                let foreign_key = doc["publicKey"]["owner"] != doc["id"];
                let result = parse_actor(&doc);
                if foreign_key {
                    let err = result.err().map(|e| e.to_string()).unwrap_or_default();
                    assert!(err.contains("another actor"), "{}: {err}", path.display());
                    continue;
                }
                let actor = result.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(actor.actor_url, doc["id"].as_str().unwrap());
                assert!(
                    actor.public_key_pem.contains("PUBLIC KEY"),
                    "{}",
                    path.display()
                );
                parsed += 1;
            }
        }
        assert!(parsed >= 8, "parsed {parsed} actor documents");
    }

    #[test]
    fn a_key_of_another_actor_is_refused() {
        let doc = serde_json::json!({
            "id": "https://a.example/actor", "type": "Person", "inbox": "https://a.example/inbox",
            "publicKey": {"id": "https://b.example/actor#main-key", "owner": "https://b.example/actor", "publicKeyPem": "x"}
        });
        assert!(parse_actor(&doc).is_err());
        let doc = serde_json::json!({
            "id": "https://a.example/actor", "type": "Person", "inbox": "https://evil.example/inbox",
            "publicKey": {"id": "https://a.example/actor#main-key", "owner": "https://a.example/actor", "publicKeyPem": "x"}
        });
        assert!(parse_actor(&doc).is_err());
    }
}
