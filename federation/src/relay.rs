//! Relaying: a regional or national node passes on the knowledge of the
//! nodes it follows to its own followers, as an `Announce` that wraps the
//! origin's activity (FEP-1b12), with `audience` naming the relay. The
//! origin and the relay it came through are left out; receivers keep one
//! copy however many paths an item takes, so a loop ends at the second
//! hop.

use serde_json::{Value, json};
use url::Url;

use crate::entity::{follower, remote_actor};
use crate::objects::PUBLIC;
use crate::{Federation, Result, actor, follows, outbox, remote};

/// Announces `activity` to our followers when this node relays.
pub async fn pass_on(
    fed: &Federation,
    activity: Value,
    origin: &Url,
    via: Option<&Url>,
    public: bool,
) -> Result<()> {
    let local = actor::load(fed).await?;
    if !local.relays() {
        return Ok(());
    }
    let inboxes = inboxes_except(fed, &[Some(origin), via]).await?;
    if inboxes.is_empty() {
        return Ok(());
    }
    let (to, cc) = if public {
        (json!([PUBLIC]), json!([local.followers()]))
    } else {
        (json!([local.followers()]), json!([]))
    };
    let announce = json!({
        "@context": actor::context(),
        "id": outbox::new_activity_id(local.base()),
        "type": "Announce",
        "actor": local.id(),
        "to": to,
        "cc": cc,
        "audience": local.id(),
        "object": activity,
    });
    outbox::enqueue(fed, &announce, &inboxes).await?;
    tracing::info!(inboxes = inboxes.len(), "relayed to followers");
    Ok(())
}

/// Inboxes of approved followers other than the given actors.
async fn inboxes_except(fed: &Federation, skip: &[Option<&Url>]) -> Result<Vec<String>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let skip: Vec<&str> = skip.iter().flatten().map(|u| u.as_str()).collect();
    let urls: Vec<String> = follower::Entity::find()
        .filter(follower::Column::State.eq(follows::ACCEPTED))
        .all(fed.read())
        .await?
        .into_iter()
        .map(|f| f.actor_url)
        .filter(|u| !skip.contains(&u.as_str()))
        .collect();
    let actors = remote_actor::Entity::find()
        .filter(remote_actor::Column::ActorUrl.is_in(urls))
        .all(fed.read())
        .await?;
    // A shared inbox also serves the skipped actors on that server.
    let skipped_inboxes: Vec<String> = remote_actor::Entity::find()
        .filter(remote_actor::Column::ActorUrl.is_in(skip.iter().copied()))
        .all(fed.read())
        .await?
        .iter()
        .map(remote::delivery_inbox)
        .collect();
    let mut inboxes: Vec<String> = actors
        .iter()
        .map(remote::delivery_inbox)
        .filter(|i| !skipped_inboxes.contains(i))
        .collect();
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}
