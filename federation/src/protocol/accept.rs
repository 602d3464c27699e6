//! `Accept` of one of our follows (by id, or the Follow embedded).

use activitypub_federation::config::Data;
use activitypub_federation::kinds::activity::AcceptType;
use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use url::Url;

use super::actor_ref::ActorId;
use super::follow::Follow;
use super::id_or::IdOr;
use crate::{Error, Federation, Result, actor, follows, relays};

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Accept {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: AcceptType,
    pub actor: ActorId,
    pub object: IdOr<Follow>,
}

/// The answer must name a follow this node sent.
pub(super) async fn our_follow(fed: &Federation, object: &IdOr<Follow>) -> Result<()> {
    let local = actor::load(fed).await?;
    if local.is_local(object.id().as_str()) {
        Ok(())
    } else {
        Err(Error::BadActivity(
            "the answer does not name our follow".into(),
        ))
    }
}

/// A relay subscription or a follow of another node is answered.
pub(super) async fn answer(
    fed: &Federation,
    actor: &Url,
    object: &IdOr<Follow>,
    accepted: bool,
) -> Result<()> {
    let follow_id = object.id().as_str();
    if relays::received_answer(fed, actor.as_str(), follow_id, accepted).await? {
        return Ok(());
    }
    follows::received_answer(fed, actor.as_str(), follow_id, accepted).await
}

#[async_trait::async_trait]
impl Activity for Accept {
    type DataType = Federation;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<Federation>) -> Result<()> {
        our_follow(data.app_data(), &self.object).await
    }

    async fn receive(self, data: &Data<Federation>) -> Result<()> {
        answer(data.app_data(), self.actor.inner(), &self.object, true).await
    }
}
