//! `Like` of one of our published items: "dit helpt ons ook".

use activitypub_federation::config::Data;
use activitypub_federation::kinds::activity::LikeType;
use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use url::Url;

use super::actor_ref::ActorId;
use crate::{Error, Federation, Result, objects, reactions};

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Like {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: LikeType,
    pub actor: ActorId,
    pub object: Url,
}

#[async_trait::async_trait]
impl Activity for Like {
    type DataType = Federation;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    /// A like of something that is not ours is not our business.
    async fn verify(&self, data: &Data<Federation>) -> Result<()> {
        if objects::is_published(data.app_data(), self.object.as_str()).await? {
            Ok(())
        } else {
            Err(Error::Ignored("a like of an object that is not ours"))
        }
    }

    async fn receive(self, data: &Data<Federation>) -> Result<()> {
        reactions::record(
            data.app_data(),
            reactions::Kind::Like,
            self.object.as_str(),
            self.actor.inner().as_str(),
            self.id.as_str(),
            None,
            "",
        )
        .await
    }
}
