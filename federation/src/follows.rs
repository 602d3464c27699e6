//! Who follows this node, and whom it follows.
//!
//! An incoming Follow becomes a pending request that an admin approves
//! (Accept) or rejects (Reject), unless the node's policy approves
//! automatically. An approved follower can be removed later (Reject). The
//! node's own follows are pending until the other side answers; Undo(Follow)
//! stops one.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use serde_json::{Value, json};

use crate::actor::{self, AutoApprove, LocalActor};
use crate::entity::{follower, following, remote_actor};
use crate::{Error, Federation, Result, outbox, remote};

pub use crate::state::FollowState;

pub const PENDING: FollowState = FollowState::Pending;
pub const ACCEPTED: FollowState = FollowState::Accepted;
pub const REJECTED: FollowState = FollowState::Rejected;
pub const REMOVED: FollowState = FollowState::Removed;
pub const WITHDRAWN: FollowState = FollowState::Withdrawn;

/// A follower or follow as operators see it.
#[derive(Debug, Clone, Serialize)]
pub struct FollowLine {
    pub state: FollowState,
    pub actor_url: String,
    pub name: Option<String>,
    pub username: Option<String>,
    /// `initiative`, `regional`, `national`, or none for other software.
    pub node_kind: Option<String>,
    pub actor_type: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Follow rows with what we know of each actor, read in one query.
async fn lines(
    fed: &Federation,
    rows: Vec<(FollowState, String, DateTime<Utc>)>,
) -> Result<Vec<FollowLine>> {
    let known = remote::known(fed, rows.iter().map(|(_, url, _)| url.clone())).await?;
    Ok(rows
        .into_iter()
        .map(|(state, actor_url, updated_at)| {
            let r = known.get(&actor_url);
            FollowLine {
                state,
                name: r.and_then(|r| r.name.clone()),
                username: r.and_then(|r| r.username.clone()),
                node_kind: r.and_then(|r| r.node_kind.clone()),
                actor_type: r.map(|r| r.actor_type.clone()),
                actor_url,
                updated_at,
            }
        })
        .collect())
}

async fn line(
    fed: &Federation,
    state: FollowState,
    actor_url: String,
    updated_at: DateTime<Utc>,
) -> Result<FollowLine> {
    let mut one = lines(fed, vec![(state, actor_url, updated_at)]).await?;
    one.pop().ok_or(Error::NotFound)
}

pub async fn followers(fed: &Federation, state: Option<FollowState>) -> Result<Vec<FollowLine>> {
    let mut q = follower::Entity::find().order_by_desc(follower::Column::UpdatedAt);
    if let Some(s) = state {
        q = q.filter(follower::Column::State.eq(s));
    }
    let rows = q
        .all(fed.read())
        .await?
        .into_iter()
        .map(|f| (f.state, f.actor_url, f.updated_at))
        .collect();
    lines(fed, rows).await
}

pub async fn following(fed: &Federation) -> Result<Vec<FollowLine>> {
    let rows = following::Entity::find()
        .order_by_desc(following::Column::UpdatedAt)
        .all(fed.read())
        .await?
        .into_iter()
        .map(|f| (f.state, f.actor_url, f.updated_at))
        .collect();
    lines(fed, rows).await
}

/// Approved followers, and accepted follows: what the collections count.
pub async fn accepted_counts(fed: &Federation) -> Result<(u64, u64)> {
    use sea_orm::PaginatorTrait;
    let followers = follower::Entity::find()
        .filter(follower::Column::State.eq(ACCEPTED))
        .count(fed.read())
        .await?;
    let following = following::Entity::find()
        .filter(following::Column::State.eq(ACCEPTED))
        .count(fed.read())
        .await?;
    Ok((followers, following))
}

/// Inboxes of approved followers, shared inboxes where offered.
pub async fn follower_inboxes(fed: &Federation) -> Result<Vec<String>> {
    follower_inboxes_except(fed, &[]).await
}

/// [`follower_inboxes`] without the inboxes of the given actors (a relay
/// leaves out the origin and the node it heard from; a shared inbox also
/// serves the left-out actors on that server, so it goes too).
pub async fn follower_inboxes_except(fed: &Federation, skip: &[&str]) -> Result<Vec<String>> {
    inboxes_of(fed, None, skip).await
}

/// [`follower_inboxes_except`] for the followers of one node kind only.
pub async fn follower_inboxes_of_kind(
    fed: &Federation,
    kind: &str,
    skip: &[&str],
) -> Result<Vec<String>> {
    inboxes_of(fed, Some(kind), skip).await
}

async fn inboxes_of(fed: &Federation, kind: Option<&str>, skip: &[&str]) -> Result<Vec<String>> {
    let urls: Vec<String> = follower::Entity::find()
        .filter(follower::Column::State.eq(ACCEPTED))
        .all(fed.read())
        .await?
        .into_iter()
        .map(|f| f.actor_url)
        .filter(|u| !skip.contains(&u.as_str()))
        .collect();
    let mut actors =
        remote_actor::Entity::find().filter(remote_actor::Column::ActorUrl.is_in(urls));
    if let Some(k) = kind {
        actors = actors.filter(remote_actor::Column::NodeKind.eq(k));
    }
    let actors = actors.all(fed.read()).await?;
    let skipped_inboxes: Vec<String> = if skip.is_empty() {
        Vec::new()
    } else {
        remote::known(fed, skip.iter().map(|s| (*s).to_owned()))
            .await?
            .values()
            .map(remote::delivery_inbox)
            .collect()
    };
    let mut inboxes: Vec<String> = actors
        .iter()
        .map(remote::delivery_inbox)
        .filter(|i| !skipped_inboxes.contains(i))
        .collect();
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}

pub async fn is_accepted_follower(fed: &Federation, actor_url: &str) -> Result<bool> {
    Ok(follower::Entity::find()
        .filter(follower::Column::ActorUrl.eq(actor_url))
        .filter(follower::Column::State.eq(ACCEPTED))
        .one(fed.read())
        .await?
        .is_some())
}

/// Whether we follow `actor_url` and it accepted: what it publishes is
/// ours to receive.
pub async fn is_following(fed: &Federation, actor_url: &str) -> Result<bool> {
    Ok(following::Entity::find()
        .filter(following::Column::ActorUrl.eq(actor_url))
        .filter(following::Column::State.eq(ACCEPTED))
        .one(fed.read())
        .await?
        .is_some())
}

fn follow_object(local: &LocalActor, follow_id: &str, follower_url: &str) -> Value {
    json!({ "id": follow_id, "type": "Follow", "actor": follower_url, "object": local.id() })
}

async fn answer(
    fed: &Federation,
    local: &LocalActor,
    kind: &str,
    row: &follower::Model,
) -> Result<()> {
    let remote = remote::get(fed, &row.actor_url, false).await?;
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": outbox::new_activity_id(local.base()),
        "type": kind,
        "actor": local.id(),
        "object": follow_object(local, &row.follow_activity_id, &row.actor_url),
        "to": [row.actor_url],
    });
    outbox::enqueue(fed, &activity, std::slice::from_ref(&remote.inbox)).await?;
    Ok(())
}

/// An incoming Follow (already verified).
pub async fn received_follow(fed: &Federation, actor_url: &str, follow_id: &str) -> Result<()> {
    let local = actor::load(fed).await?;
    let now = Utc::now();
    let auto = local.auto_approve() == AutoApprove::Always;
    let state = if auto { ACCEPTED } else { PENDING };
    let existing = follower::Entity::find()
        .filter(follower::Column::ActorUrl.eq(actor_url))
        .one(fed.write())
        .await?;
    let row = match existing {
        // Already approved: answer again (the other side may have lost it).
        Some(f) if f.state == ACCEPTED => {
            let mut a: follower::ActiveModel = f.into();
            a.follow_activity_id = Set(follow_id.to_owned());
            a.updated_at = Set(now);
            let f = a.update(fed.write()).await?;
            answer(fed, &local, "Accept", &f).await?;
            return Ok(());
        }
        Some(f) => {
            // Someone an admin removed or rejected asks again: a person
            // decides, whatever the policy.
            let again = if f.state == REMOVED || f.state == REJECTED {
                PENDING
            } else {
                state
            };
            let mut a: follower::ActiveModel = f.into();
            a.state = Set(again.to_owned());
            a.follow_activity_id = Set(follow_id.to_owned());
            a.updated_at = Set(now);
            a.update(fed.write()).await?
        }
        None => {
            let inserted = follower::ActiveModel {
                actor_url: Set(actor_url.to_owned()),
                state: Set(state.to_owned()),
                follow_activity_id: Set(follow_id.to_owned()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(fed.write())
            .await;
            match inserted {
                Ok(row) => row,
                // The same follow delivered twice at once: the other won.
                Err(e) if crate::error::is_unique_violation(&e) => {
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    tracing::info!(auto, "follow request received");
    if row.state == ACCEPTED {
        answer(fed, &local, "Accept", &row).await?;
    }
    Ok(())
}

/// Undo(Follow) from a follower.
pub async fn received_unfollow(fed: &Federation, actor_url: &str) -> Result<()> {
    set_follower_state(fed, actor_url, &[PENDING, ACCEPTED], WITHDRAWN)
        .await
        .map(|_| ())
}

async fn set_follower_state(
    fed: &Federation,
    actor_url: &str,
    from: &[FollowState],
    to: FollowState,
) -> Result<follower::Model> {
    let f = follower::Entity::find()
        .filter(follower::Column::ActorUrl.eq(actor_url))
        .one(fed.write())
        .await?
        .ok_or(Error::NotFound)?;
    if !from.contains(&f.state) {
        return Err(Error::Invalid(format!("deze volger is {}", f.state)));
    }
    let mut a: follower::ActiveModel = f.into();
    a.state = Set(to);
    a.updated_at = Set(Utc::now());
    Ok(a.update(fed.write()).await?)
}

/// An admin approves a pending follower: Accept.
pub async fn approve(fed: &Federation, actor_url: &str) -> Result<()> {
    let local = actor::load(fed).await?;
    let f = set_follower_state(fed, actor_url, &[PENDING, REJECTED], ACCEPTED).await?;
    answer(fed, &local, "Accept", &f).await
}

/// An admin rejects a pending follower: Reject.
pub async fn reject(fed: &Federation, actor_url: &str) -> Result<()> {
    let local = actor::load(fed).await?;
    let f = set_follower_state(fed, actor_url, &[PENDING], REJECTED).await?;
    answer(fed, &local, "Reject", &f).await
}

/// An admin removes an approved follower: Reject, and no more deliveries.
pub async fn remove(fed: &Federation, actor_url: &str) -> Result<()> {
    let local = actor::load(fed).await?;
    let f = set_follower_state(fed, actor_url, &[ACCEPTED], REMOVED).await?;
    answer(fed, &local, "Reject", &f).await
}

/// This node follows `target` (`name@host`, actor URL or home URL).
pub async fn follow(fed: &Federation, target: &str) -> Result<FollowLine> {
    let local = actor::load(fed).await?;
    let remote = remote::resolve(fed, target).await?;
    if remote.actor_url == local.id() {
        return Err(Error::Invalid("een node kan zichzelf niet volgen".into()));
    }
    if crate::blocks::is_blocked_url(fed, &remote.actor_url).await? {
        return Err(Error::Forbidden);
    }
    let now = Utc::now();
    let existing = following::Entity::find()
        .filter(following::Column::ActorUrl.eq(&remote.actor_url))
        .one(fed.write())
        .await?;
    if let Some(f) = &existing
        && (f.state == ACCEPTED || f.state == PENDING)
    {
        return line(fed, f.state, f.actor_url.clone(), f.updated_at).await;
    }
    let follow_id = outbox::new_activity_id(local.base());
    let row = match existing {
        Some(f) => {
            let mut a: following::ActiveModel = f.into();
            a.state = Set(PENDING);
            a.follow_activity_id = Set(follow_id.clone());
            a.updated_at = Set(now);
            a.update(fed.write()).await?
        }
        None => {
            following::ActiveModel {
                actor_url: Set(remote.actor_url.clone()),
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
        "actor": local.id(),
        "object": remote.actor_url,
        "to": [remote.actor_url],
    });
    outbox::enqueue(fed, &activity, std::slice::from_ref(&remote.inbox)).await?;
    line(fed, row.state, row.actor_url, row.updated_at).await
}

/// Stops following: Undo(Follow).
pub async fn unfollow(fed: &Federation, actor_url: &str) -> Result<()> {
    let local = actor::load(fed).await?;
    let f = following::Entity::find()
        .filter(following::Column::ActorUrl.eq(actor_url))
        .one(fed.write())
        .await?
        .ok_or(Error::NotFound)?;
    let remote = remote::get(fed, actor_url, false).await?;
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": outbox::new_activity_id(local.base()),
        "type": "Undo",
        "actor": local.id(),
        "object": { "id": f.follow_activity_id, "type": "Follow", "actor": local.id(), "object": actor_url },
        "to": [actor_url],
    });
    following::Entity::delete_by_id(f.id)
        .exec(fed.write())
        .await?;
    outbox::enqueue(fed, &activity, &[remote.inbox]).await?;
    Ok(())
}

/// The id of the Follow a follower sent us, if we have one on record.
pub async fn follow_id_of(fed: &Federation, actor_url: &str) -> Result<Option<String>> {
    Ok(follower::Entity::find()
        .filter(follower::Column::ActorUrl.eq(actor_url))
        .one(fed.read())
        .await?
        .map(|f| f.follow_activity_id))
}

/// Accept or Reject of one of our follows, from the followed actor. It
/// must name the Follow we sent that actor.
pub async fn received_answer(
    fed: &Federation,
    actor_url: &str,
    follow_id: &str,
    accepted: bool,
) -> Result<()> {
    let f = following::Entity::find()
        .filter(following::Column::ActorUrl.eq(actor_url))
        .one(fed.write())
        .await?
        .ok_or_else(|| Error::BadActivity("no follow of ours to answer".into()))?;
    if follow_id != f.follow_activity_id {
        return Err(Error::BadActivity("answer to another follow".into()));
    }
    let mut a: following::ActiveModel = f.into();
    a.state = Set(if accepted { ACCEPTED } else { REJECTED });
    a.updated_at = Set(Utc::now());
    a.update(fed.write()).await?;
    Ok(())
}

/// A remote actor was deleted: it neither follows nor is followed any more.
pub async fn actor_gone(fed: &Federation, actor_url: &str) -> Result<()> {
    follower::Entity::delete_many()
        .filter(follower::Column::ActorUrl.eq(actor_url))
        .exec(fed.write())
        .await?;
    following::Entity::delete_many()
        .filter(following::Column::ActorUrl.eq(actor_url))
        .exec(fed.write())
        .await?;
    remote_actor::Entity::delete_many()
        .filter(remote_actor::Column::ActorUrl.eq(actor_url))
        .exec(fed.write())
        .await?;
    Ok(())
}
