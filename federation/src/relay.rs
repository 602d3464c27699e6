//! Relaying: a regional or national node passes on the knowledge of the
//! nodes it follows to its own followers, as an `Announce` that wraps the
//! origin's activity (FEP-1b12), with `audience` naming the relay. The
//! origin and the relay it came through are left out; receivers keep one
//! copy however many paths an item takes, so a loop ends at the second
//! hop.

use serde_json::{Value, json};
use url::Url;

use crate::objects::PUBLIC;
use crate::{Federation, Result, actor, follows, outbox};

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
    let inboxes = follows::follower_inboxes_except(fed, &skip(origin, via)).await?;
    let (to, cc) = if public {
        (json!([PUBLIC]), json!([local.followers()]))
    } else {
        (json!([local.followers()]), json!([]))
    };
    if announce(fed, &local, activity, &inboxes, to, cc).await? {
        tracing::info!(inboxes = inboxes.len(), "relayed to followers");
    }
    Ok(())
}

/// A regional node passes a report the initiative marked forwardable on to
/// the national nodes that follow it, and to no one else: the initiative
/// agreed to that, not to more.
pub async fn pass_on_report(
    fed: &Federation,
    activity: Value,
    origin: &Url,
    via: Option<&Url>,
) -> Result<()> {
    let local = actor::load(fed).await?;
    if local.node_kind() != Some(crate::NodeKind::Regional) {
        return Ok(());
    }
    let inboxes = follows::follower_inboxes_of_kind(fed, "national", &skip(origin, via)).await?;
    let to = json!([local.followers()]);
    if announce(fed, &local, activity, &inboxes, to, json!([])).await? {
        tracing::info!(inboxes = inboxes.len(), "figures report passed on");
    }
    Ok(())
}

/// The origin and the relay it came through hear nothing back.
fn skip<'a>(origin: &'a Url, via: Option<&'a Url>) -> Vec<&'a str> {
    [Some(origin), via]
        .into_iter()
        .flatten()
        .map(Url::as_str)
        .collect()
}

/// Queues an `Announce` of `activity` (FEP-1b12: `audience` names us) to
/// `inboxes`; nothing when there are none. Whether it queued one.
async fn announce(
    fed: &Federation,
    local: &actor::LocalActor,
    activity: Value,
    inboxes: &[String],
    to: Value,
    cc: Value,
) -> Result<bool> {
    if inboxes.is_empty() {
        return Ok(false);
    }
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
    outbox::enqueue(fed, &announce, inboxes).await?;
    Ok(true)
}
