//! Remote actors as the library's `Object`: the actor of every activity is
//! an `ObjectId<NetworkActor>`, read from the cache of remote actors.
//!
//! Fetching goes through this crate's own client (it refuses private
//! addresses and signs the request), not the library's.

use activitypub_federation::config::Data;
use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::traits::Object;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use url::Url;

use crate::entity::remote_actor;
use crate::net::authority_of;
use crate::{Error, Federation, Result, remote};

/// A remote actor as cached.
#[derive(Clone, Debug)]
pub struct NetworkActor {
    pub url: Url,
    pub row: remote_actor::Model,
}

pub type ActorId = ObjectId<NetworkActor>;

impl NetworkActor {
    fn from_row(row: remote_actor::Model) -> Result<Self> {
        let url = Url::parse(&row.actor_url)
            .map_err(|_| Error::BadActivity("actor is not a URL".into()))?;
        Ok(Self { url, row })
    }

    /// The cached actor, fetched when unknown or stale.
    pub async fn get(fed: &Federation, id: &ActorId) -> Result<Self> {
        Self::from_row(remote::get(fed, id.inner().as_str(), false).await?)
    }
}

/// Whether two URLs are on the same host and port (the library's own check
/// compares domain names only, and addresses have none).
pub fn same_origin(a: &Url, b: &Url) -> bool {
    // Ids without a host (`urn:…`) have no origin to compare.
    a.host_str().is_some_and(|h| !h.is_empty())
        && authority_of(a.as_str()) == authority_of(b.as_str())
}

#[async_trait::async_trait]
impl Object for NetworkActor {
    type DataType = Federation;
    type Kind = Value;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.url
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        Some(self.row.fetched_at)
    }

    async fn read_from_id(object_id: Url, data: &Data<Federation>) -> Result<Option<Self>> {
        remote_actor::Entity::find()
            .filter(remote_actor::Column::ActorUrl.eq(object_id.as_str()))
            .one(data.read())
            .await?
            .map(Self::from_row)
            .transpose()
    }

    async fn into_json(self, _data: &Data<Federation>) -> Result<Value> {
        Ok(json!({
            "id": self.row.actor_url,
            "type": self.row.actor_type,
            "inbox": self.row.inbox,
            "name": self.row.name,
        }))
    }

    async fn verify(json: &Value, expected_domain: &Url, _data: &Data<Federation>) -> Result<()> {
        let id = json
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| Url::parse(s).ok())
            .ok_or_else(|| Error::BadActivity("actor without id".into()))?;
        if !same_origin(&id, expected_domain) {
            return Err(Error::BadActivity("actor is on another host".into()));
        }
        Ok(())
    }

    async fn from_json(json: Value, data: &Data<Federation>) -> Result<Self> {
        let parsed = remote::parse_actor(&json)?;
        Self::from_row(remote::store(data.app_data(), parsed).await?)
    }
}
