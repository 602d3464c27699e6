//! The inbox: verify, deduplicate, apply.
//!
//! In order: the signature's headers, date and digest (against the body that
//! arrived); the activity's shape; blocked domains; the signing key must
//! belong to the activity's actor; the actor, the activity id and any
//! embedded object must share one origin; then the signature itself. The
//! activity id is stored with a unique key before anything is applied, so a
//! replay is acknowledged and ignored.

use std::time::SystemTime;

use axum::http::{HeaderMap, Method};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::Value;

use crate::client::FetchError;
use crate::entity::received_activity;
use crate::net::authority_of;
use crate::signature::{self, SignatureError};
use crate::{Error, Federation, Result, actor, blocks, remote};

/// What became of an activity that passed every check.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Seen before (same id): acknowledged, not applied again.
    Duplicate,
    /// Valid, but nothing we act on.
    Ignored,
}

fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(_) => v.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The request's Host header must be this node's host.
pub fn check_host(headers: &HeaderMap, local: &actor::LocalActor) -> Result<()> {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ours = local.host();
    let norm = |h: &str| {
        h.trim_end_matches(":443")
            .trim_end_matches(":80")
            .to_ascii_lowercase()
    };
    if norm(host) == norm(&ours) {
        Ok(())
    } else {
        Err(Error::Signature(SignatureError::HeaderMissing(
            "host (of this node)".into(),
        )))
    }
}

/// Whether the id's path could have been minted by the actor's server for
/// this actor. Where the actor lives at `/<kind>/<name>` (Mastodon,
/// GoToSocial, Pleroma, Lemmy), an id under `/<kind>/<other name>/…` belongs
/// to another actor of the same server and is refused; ids elsewhere on
/// the host (`/activities/…`) say nothing either way.
pub fn minted_for(actor_url: &str, id: &str) -> bool {
    let (Ok(actor), Ok(id)) = (url::Url::parse(actor_url), url::Url::parse(id)) else {
        return false;
    };
    let segments = |u: &url::Url| -> Vec<String> {
        u.path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let a = segments(&actor);
    let i = segments(&id);
    let n = a.len();
    if n < 2 || i.len() < n || i[..n - 1] != a[..n - 1] {
        return true;
    }
    i[n - 1] == a[n - 1]
}

/// Handles one POST to the inbox.
pub async fn receive(
    fed: &Federation,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Outcome> {
    let local = actor::load(fed).await?;
    let checked = signature::check_incoming(
        method,
        path_and_query,
        headers,
        Some(body),
        SystemTime::now(),
        local.scheme(),
    )?;

    let activity: Value =
        serde_json::from_slice(body).map_err(|_| Error::BadActivity("body is not JSON".into()))?;
    let id = activity
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::BadActivity("no id".into()))?;
    let kind = activity
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::BadActivity("no type".into()))?;
    let actor_url = activity
        .get("actor")
        .and_then(id_of)
        .ok_or_else(|| Error::BadActivity("no actor".into()))?;

    if blocks::is_blocked_url(fed, actor_url).await?
        || blocks::is_blocked_url(fed, &checked.key_id).await?
    {
        return Err(Error::Forbidden);
    }

    // The key must be the actor's own: `<actor>#fragment` by convention,
    // or a key on the actor's host that is proven below.
    let actor_host =
        authority_of(actor_url).ok_or_else(|| Error::BadActivity("actor is not a URL".into()))?;
    if !remote::key_may_belong_to(&checked.key_id, actor_url) {
        return Err(Error::BadActivity(
            "the signing key is not the actor's".into(),
        ));
    }
    if authority_of(id).as_deref() != Some(actor_host.as_str()) {
        return Err(Error::BadActivity(
            "activity id and actor are on different hosts".into(),
        ));
    }
    if !minted_for(actor_url, id) {
        return Err(Error::BadActivity(
            "the activity id belongs to another actor of that server".into(),
        ));
    }
    // The signed Host must be ours, or a request signed for another server
    // could be replayed here.
    check_host(headers, &local)?;
    // An Announce wraps another server's activity; its handler checks
    // that one's origin.
    if kind != "Announce"
        && let Some(object) = activity.get("object").filter(|o| o.is_object())
        && let Some(object_id) = object.get("id").and_then(Value::as_str)
        && !local.is_local(object_id)
        && authority_of(object_id).as_deref() != Some(actor_host.as_str())
    {
        return Err(Error::BadActivity(
            "embedded object is from another host".into(),
        ));
    }

    match remote::verify_request(fed, Some(actor_url), &checked).await {
        Ok(_) => {}
        // An actor deleted on its server: Mastodon sends its Delete to every
        // inbox it knows, and the actor answers 404 or 410 by then. Without
        // a key on record there is nothing to check it with, and nothing to
        // delete: acknowledge it, or the sender retries for days.
        Err(Error::Remote(FetchError::Gone(_) | FetchError::Status { status: 404, .. }))
            if kind == "Delete" && remote::cached(fed, actor_url).await?.is_none() =>
        {
            tracing::debug!(kind, "delete from an actor that is gone, ignored");
            return Ok(Outcome::Ignored);
        }
        Err(e) => return Err(e),
    }
    // Bookkeeping only: a failed write must not refuse a verified activity.
    if let Err(e) = crate::servers::record_form(fed, &actor_host, checked.form).await {
        tracing::warn!(error = %e, "could not record the signature form");
    }

    // Once per id and actor, whatever happens next.
    let first = received_activity::ActiveModel {
        activity_id: Set(id.to_owned()),
        kind: Set(kind.to_owned()),
        actor_url: Set(actor_url.to_owned()),
        received_at: Set(Utc::now()),
    }
    .insert(fed.write())
    .await;
    match first {
        Ok(_) => {}
        Err(e) if crate::error::is_unique_violation(&e) => {
            tracing::info!(kind, "duplicate activity ignored");
            return Ok(Outcome::Duplicate);
        }
        Err(e) => return Err(e.into()),
    }
    match apply(fed, kind, activity.clone()).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            // Not applied: forget the id, so the sender's retry is not taken
            // for a replay.
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            let _ = received_activity::Entity::delete_many()
                .filter(received_activity::Column::ActivityId.eq(id))
                .filter(received_activity::Column::ActorUrl.eq(actor_url))
                .exec(fed.write())
                .await;
            Err(e)
        }
    }
}

/// Reads the activity into its type and lets the type decide and act.
async fn apply(fed: &Federation, kind: &str, activity: Value) -> Result<Outcome> {
    use activitypub_federation::traits::Activity;
    let parsed = crate::protocol::parse(activity)?;
    let data = fed.data().await?;
    tracing::info!(kind, "activity received");
    let done = match parsed.verify(&data).await {
        Ok(()) => parsed.receive(&data).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(Outcome::Applied),
        Err(Error::Ignored(why)) => {
            tracing::debug!(kind, why, "activity ignored");
            Ok(Outcome::Ignored)
        }
        Err(e) => Err(e),
    }
}

/// Forgets received ids older than a month: a replay needs a fresh
/// signature date (12 hours), so older ids protect nothing.
pub async fn prune(fed: &Federation) -> Result<u64> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let cutoff = Utc::now() - chrono::Duration::days(30);
    Ok(received_activity::Entity::delete_many()
        .filter(received_activity::Column::ReceivedAt.lt(cutoff))
        .exec(fed.write())
        .await?
        .rows_affected)
}

/// Whether an activity id was received (for tests and diagnostics).
pub async fn was_received(fed: &Federation, activity_id: &str) -> Result<bool> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(received_activity::Entity::find()
        .filter(received_activity::Column::ActivityId.eq(activity_id))
        .one(fed.read())
        .await?
        .is_some())
}

/// Who sent the activity with this id (every actor that did).
pub async fn received_from(fed: &Federation, activity_id: &str) -> Result<Vec<String>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(received_activity::Entity::find()
        .filter(received_activity::Column::ActivityId.eq(activity_id))
        .all(fed.read())
        .await?
        .into_iter()
        .map(|r| r.actor_url)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::minted_for;

    #[test]
    fn ids_under_another_actors_path_are_not_minted_for_this_one() {
        let alice = "https://social.example/users/alice";
        assert!(minted_for(
            alice,
            "https://social.example/users/alice#follows/1"
        ));
        assert!(minted_for(
            alice,
            "https://social.example/users/alice/statuses/1/activity"
        ));
        assert!(minted_for(alice, "https://social.example/activities/4d2"));
        assert!(!minted_for(
            alice,
            "https://social.example/users/bob/statuses/1/activity"
        ));
        assert!(!minted_for(alice, "https://social.example/users/bob"));
        // Our own nodes: one actor at `/actor`, ids under `/activities`.
        assert!(minted_for(
            "https://zuid.example/actor",
            "https://zuid.example/activities/1"
        ));
        assert!(!minted_for("not a url", "https://x.example/a"));
    }
}
