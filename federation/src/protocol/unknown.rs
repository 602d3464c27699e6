//! Any other activity: acknowledged and ignored.

use activitypub_federation::config::Data;
use activitypub_federation::traits::Activity;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use url::Url;

use crate::{Error, Federation, Result};

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Unknown {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: Value,
    #[serde(deserialize_with = "actor_id")]
    pub actor: Url,
}

fn actor_id<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Url, D::Error> {
    let v = Value::deserialize(d)?;
    let s = match &v {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    };
    s.and_then(|s| Url::parse(s).ok())
        .ok_or_else(|| serde::de::Error::custom("actor names no actor"))
}

#[async_trait::async_trait]
impl Activity for Unknown {
    type DataType = Federation;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<Federation>) -> Result<()> {
        Err(Error::Ignored("an activity we do not act on"))
    }

    async fn receive(self, _data: &Data<Federation>) -> Result<()> {
        Ok(())
    }
}
