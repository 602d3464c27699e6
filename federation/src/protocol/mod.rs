//! The typed wire vocabulary: one file per activity and object type, each
//! a serde struct with its behaviour beside it, through the
//! activitypub_federation crate's `Activity` and `Object` traits (`verify`
//! reads and decides, `receive` writes).
//!
//! The inbox checks the signature and the origins first (its own faster
//! path: the library has no hook for it), then hands the activity to
//! [`InboxActivity`], which picks the type by trying each in turn; what
//! matches none is acknowledged and ignored.

pub mod accept;
pub mod actor_ref;
pub mod announce;
pub mod create;
pub mod delete;
pub mod follow;
pub mod id_or;
pub mod item;
pub mod like;
pub mod reject;
pub mod undo;
pub mod unknown;
pub mod update;

use activitypub_federation::config::Data;
use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{Error, Federation, Result};

/// Every activity the inbox reads; the catch-all is last.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum InboxActivity {
    Follow(follow::Follow),
    Accept(accept::Accept),
    Reject(reject::Reject),
    Undo(undo::Undo),
    Create(Box<create::Create>),
    Update(Box<update::Update>),
    Delete(delete::Delete),
    Announce(Box<announce::Announce>),
    Like(like::Like),
    Other(unknown::Unknown),
}

macro_rules! each {
    ($self:expr, $a:ident => $e:expr) => {
        match $self {
            InboxActivity::Follow($a) => $e,
            InboxActivity::Accept($a) => $e,
            InboxActivity::Reject($a) => $e,
            InboxActivity::Undo($a) => $e,
            InboxActivity::Create($a) => $e,
            InboxActivity::Update($a) => $e,
            InboxActivity::Delete($a) => $e,
            InboxActivity::Announce($a) => $e,
            InboxActivity::Like($a) => $e,
            InboxActivity::Other($a) => $e,
        }
    };
}

#[async_trait::async_trait]
impl Activity for InboxActivity {
    type DataType = Federation;
    type Error = Error;

    fn id(&self) -> &Url {
        each!(self, a => a.id())
    }

    fn actor(&self) -> &Url {
        each!(self, a => a.actor())
    }

    async fn verify(&self, data: &Data<Federation>) -> Result<()> {
        each!(self, a => a.verify(data).await)
    }

    async fn receive(self, data: &Data<Federation>) -> Result<()> {
        each!(self, a => a.receive(data).await)
    }
}

/// Reads an activity that passed the inbox's checks.
pub fn parse(activity: serde_json::Value) -> Result<InboxActivity> {
    serde_json::from_value(activity)
        .map_err(|_| Error::BadActivity("not an activity we can read".into()))
}
