//! `Undo` of a follow of us: embedded with us as its object, or named by
//! the id of the Follow we have on record; or `Undo` of a `Like`.

use activitypub_federation::config::Data;
use activitypub_federation::kinds::activity::UndoType;
use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use url::Url;

use super::actor_ref::ActorId;
use super::id_or::{HasId, IdOr};
use super::like::Like;
use crate::{Error, Federation, Result, actor, follows, reactions};

/// What can be undone.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Undone {
    Follow(super::follow::Follow),
    Like(Like),
}

impl HasId for Undone {
    fn object_id(&self) -> &Url {
        match self {
            Self::Follow(f) => &f.id,
            Self::Like(l) => &l.id,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Undo {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: UndoType,
    pub actor: ActorId,
    pub object: IdOr<Undone>,
}

#[async_trait::async_trait]
impl Activity for Undo {
    type DataType = Federation;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<Federation>) -> Result<()> {
        let fed = data.app_data();
        let actor = self.actor.inner().as_str();
        let ours = match &self.object {
            IdOr::Embedded(undone) => match undone.as_ref() {
                Undone::Follow(f) => {
                    let local = actor::load(fed).await?;
                    f.object.as_str() == local.id() && f.actor.inner().as_str() == actor
                }
                Undone::Like(l) => l.actor.inner().as_str() == actor,
            },
            IdOr::Id(id) => {
                follows::follow_id_of(fed, actor).await?.as_deref() == Some(id.as_str())
                    || reactions::is_like(fed, id.as_str(), actor).await?
            }
        };
        if ours {
            Ok(())
        } else {
            Err(Error::Ignored("an undo of something not ours"))
        }
    }

    async fn receive(self, data: &Data<Federation>) -> Result<()> {
        let fed = data.app_data();
        let actor = self.actor.inner().as_str();
        let like_id = match &self.object {
            IdOr::Embedded(u) => match u.as_ref() {
                Undone::Like(l) => Some(l.id.as_str().to_owned()),
                Undone::Follow(_) => None,
            },
            IdOr::Id(id) => reactions::is_like(fed, id.as_str(), actor)
                .await?
                .then(|| id.as_str().to_owned()),
        };
        if let Some(like) = like_id {
            return reactions::forget(fed, &like, actor).await;
        }
        follows::received_unfollow(fed, actor)
            .await
            .or_else(|e| match e {
                Error::NotFound | Error::Invalid(_) => Ok(()),
                e => Err(e),
            })
    }
}
