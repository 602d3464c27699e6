//! `Reject` of one of our follows, or the removal of an approved one.

use activitypub_federation::config::Data;
use activitypub_federation::kinds::activity::RejectType;
use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use url::Url;

use super::accept::{answer, our_follow};
use super::actor_ref::ActorId;
use super::follow::Follow;
use super::id_or::IdOr;
use crate::{Error, Federation, Result};

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Reject {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: RejectType,
    pub actor: ActorId,
    pub object: IdOr<Follow>,
}

#[async_trait::async_trait]
impl Activity for Reject {
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
        answer(data.app_data(), self.actor.inner(), &self.object, false).await
    }
}
