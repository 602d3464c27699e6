//! LitePub relays (ActivityRelay, Pleroma and Akkoma relays, pub-relay).
//!
//! Relays accept only `Application` actors as subscribers, the usual
//! instance actor, so the node's instance actor follows them: a `Follow`
//! of the public collection, as Mastodon sends it. The relay answers with
//! `Accept` and from then on `Announce`s what its other subscribers
//! publish; those arrive in the shared inbox and are handled like any
//! other received activity. Relays that follow their subscribers back
//! (ActivityRelay for all but Mastodon, Pleroma's relay) get an Accept from
//! the instance actor; no one else may follow it.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use serde_json::json;

use crate::entity::relay;
use crate::{Error, Federation, Result, actor, outbox, remote};

// A subscription has the states of a follow; the instance actor follows
// the public collection on a relay.
use crate::follows::{ACCEPTED, PENDING, REJECTED};
use crate::objects::PUBLIC;

/// A relay subscription as operators see it.
#[derive(Debug, Clone, Serialize)]
pub struct RelayLine {
    pub actor_url: String,
    pub inbox: String,
    pub state: String,
    pub updated_at: DateTime<Utc>,
}

impl From<relay::Model> for RelayLine {
    fn from(r: relay::Model) -> Self {
        Self {
            actor_url: r.actor_url,
            inbox: r.inbox,
            state: r.state.to_string(),
            updated_at: r.updated_at,
        }
    }
}

/// Subscribes to the relay at `target`: its actor URL, or its inbox URL
/// (what relay operators usually publish), whose actor is then looked up
/// at `/actor` on the same host.
pub async fn subscribe(fed: &Federation, target: &str) -> Result<RelayLine> {
    let local = actor::load(fed).await?;
    let target = target.trim();
    if !matches!(url::Url::parse(target), Ok(u) if u.scheme() == "https" || u.scheme() == "http") {
        return Err(Error::Invalid(format!(
            "'{target}' is geen adres van een relay, zoals https://relay.example/actor"
        )));
    }
    let relay_actor = match remote::get(fed, target, true).await {
        Ok(a) => a,
        Err(first) => match target.strip_suffix("/inbox") {
            Some(base) => remote::get(fed, &format!("{base}/actor"), true).await?,
            None => return Err(first),
        },
    };
    if crate::blocks::is_blocked_url(fed, &relay_actor.actor_url).await? {
        return Err(Error::Forbidden);
    }
    let now = Utc::now();
    let follow_id = outbox::new_activity_id(local.base());
    let inbox = remote::delivery_inbox(&relay_actor);
    let existing = relay::Entity::find()
        .filter(relay::Column::ActorUrl.eq(&relay_actor.actor_url))
        .one(fed.write())
        .await?;
    let row = match existing {
        Some(r) if r.state == ACCEPTED || r.state == PENDING => return Ok(r.into()),
        Some(r) => {
            let mut a: relay::ActiveModel = r.into();
            a.state = Set(PENDING);
            a.follow_activity_id = Set(follow_id.clone());
            a.inbox = Set(inbox.clone());
            a.updated_at = Set(now);
            a.update(fed.write()).await?
        }
        None => {
            relay::ActiveModel {
                actor_url: Set(relay_actor.actor_url.clone()),
                inbox: Set(inbox.clone()),
                state: Set(PENDING),
                follow_activity_id: Set(follow_id.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(fed.write())
            .await?
        }
    };
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": follow_id,
        "type": "Follow",
        "actor": local.instance_id(),
        "object": PUBLIC,
        "to": [relay_actor.actor_url],
    });
    outbox::enqueue(fed, &activity, &[inbox]).await?;
    tracing::info!("relay subscription requested");
    Ok(row.into())
}

/// Ends a subscription: Undo(Follow), and the row goes.
pub async fn unsubscribe(fed: &Federation, actor_url: &str) -> Result<()> {
    let local = actor::load(fed).await?;
    let r = relay::Entity::find()
        .filter(relay::Column::ActorUrl.eq(actor_url))
        .one(fed.write())
        .await?
        .ok_or(Error::NotFound)?;
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": outbox::new_activity_id(local.base()),
        "type": "Undo",
        "actor": local.instance_id(),
        "object": {
            "id": r.follow_activity_id, "type": "Follow",
            "actor": local.instance_id(), "object": PUBLIC,
        },
        "to": [r.actor_url],
    });
    relay::Entity::delete_by_id(r.id).exec(fed.write()).await?;
    outbox::enqueue(fed, &activity, &[r.inbox]).await?;
    Ok(())
}

/// Whether `actor_url` is a relay we subscribed to and that accepted.
pub async fn is_subscribed(fed: &Federation, actor_url: &str) -> Result<bool> {
    Ok(relay::Entity::find()
        .filter(relay::Column::ActorUrl.eq(actor_url))
        .filter(relay::Column::State.eq(ACCEPTED))
        .one(fed.read())
        .await?
        .is_some())
}

pub async fn list(fed: &Federation) -> Result<Vec<RelayLine>> {
    Ok(relay::Entity::find()
        .order_by_asc(relay::Column::ActorUrl)
        .all(fed.read())
        .await?
        .into_iter()
        .map(RelayLine::from)
        .collect())
}

/// An Accept or Reject from a relay for our subscription. Returns false
/// when `follow_id` is not a relay subscription (then it is a follow of
/// the organisation's).
pub async fn received_answer(
    fed: &Federation,
    actor_url: &str,
    follow_id: &str,
    accepted: bool,
) -> Result<bool> {
    let Some(r) = relay::Entity::find()
        .filter(relay::Column::FollowActivityId.eq(follow_id))
        .one(fed.write())
        .await?
    else {
        return Ok(false);
    };
    if r.actor_url != actor_url {
        return Err(Error::BadActivity("answer to another follow".into()));
    }
    let mut a: relay::ActiveModel = r.into();
    a.state = Set(if accepted { ACCEPTED } else { REJECTED });
    a.updated_at = Set(Utc::now());
    a.update(fed.write()).await?;
    tracing::info!(accepted, "relay answered our subscription");
    Ok(true)
}

/// A Follow of the instance actor. Accepted (by the instance actor) when it
/// comes from a relay we subscribe to; returns false otherwise.
pub async fn received_follow_back(
    fed: &Federation,
    local: &actor::LocalActor,
    actor_url: &str,
    follow_id: &str,
) -> Result<bool> {
    let Some(r) = relay::Entity::find()
        .filter(relay::Column::ActorUrl.eq(actor_url))
        .one(fed.read())
        .await?
    else {
        return Ok(false);
    };
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": outbox::new_activity_id(local.base()),
        "type": "Accept",
        "actor": local.instance_id(),
        "object": {
            "id": follow_id, "type": "Follow",
            "actor": actor_url, "object": local.instance_id(),
        },
        "to": [actor_url],
    });
    outbox::enqueue(fed, &activity, &[r.inbox]).await?;
    Ok(true)
}
