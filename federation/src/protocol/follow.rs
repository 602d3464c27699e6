//! `Follow`: another node (or a relay following us back) asks to receive
//! what we publish.

use activitypub_federation::config::Data;
use activitypub_federation::kinds::activity::FollowType;
use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use url::Url;

use super::actor_ref::ActorId;
use super::id_or::HasId;
use crate::{Error, Federation, Result, actor, follows, relays};

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Follow {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: FollowType,
    pub actor: ActorId,
    pub object: Url,
}

impl HasId for Follow {
    fn object_id(&self) -> &Url {
        &self.id
    }
}

#[async_trait::async_trait]
impl Activity for Follow {
    type DataType = Federation;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    /// Only a follow of our organisation, or of our instance actor (a
    /// relay following back), is ours to answer.
    async fn verify(&self, data: &Data<Federation>) -> Result<()> {
        let local = actor::load(data.app_data()).await?;
        let object = self.object.as_str();
        if object == local.id() || object == local.instance_id() {
            Ok(())
        } else {
            Err(Error::Ignored("a follow of someone else"))
        }
    }

    async fn receive(self, data: &Data<Federation>) -> Result<()> {
        let fed = data.app_data();
        let local = actor::load(fed).await?;
        let actor = self.actor.inner().as_str();
        // Relays other than Mastodon's kind follow the subscriber's
        // instance actor back; only relays we subscribed to may.
        if self.object.as_str() == local.instance_id() {
            return if relays::received_follow_back(fed, &local, actor, self.id.as_str()).await? {
                Ok(())
            } else {
                Err(Error::Ignored("a follow-back from a relay we did not ask"))
            };
        }
        follows::received_follow(fed, actor, self.id.as_str()).await
    }
}
