//! An object named by its id or embedded whole: senders do both.

use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum IdOr<T> {
    Id(Url),
    Embedded(Box<T>),
}

/// Any object with an id, when nothing else of it is read.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Ided {
    pub id: Url,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// What has an id.
pub trait HasId {
    fn object_id(&self) -> &Url;
}

impl HasId for Ided {
    fn object_id(&self) -> &Url {
        &self.id
    }
}

impl<T: HasId> IdOr<T> {
    pub fn id(&self) -> &Url {
        match self {
            Self::Id(id) => id,
            Self::Embedded(t) => t.object_id(),
        }
    }

    pub fn embedded(&self) -> Option<&T> {
        match self {
            Self::Id(_) => None,
            Self::Embedded(t) => Some(t),
        }
    }
}
