//! The node's side of federation: building the handle from the settings,
//! publishing the profile as the actor, and counting users for NodeInfo.
//! What crosses the wire lives in `noaber-federation`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use noaber_federation::{Federation, FederationSettings, Usage, UsageSource};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use crate::config::Settings;
use crate::db::Db;
use crate::entity::{session, user};
use crate::profile::NodeProfile;

/// The federation handle; fails when the safe outgoing HTTP client cannot
/// be built (the node must not start without it).
pub fn handle(
    db: &Db,
    settings: &Settings,
) -> Result<Federation, noaber_federation::client::FetchError> {
    let cfg = &settings.federation;
    let fs = FederationSettings {
        allow_http: cfg.allow_http,
        allow_private: cfg.allow_private.clone(),
        retry_base: Duration::from_secs(u64::from(cfg.retry_base_seconds)),
        concurrency: cfg.concurrency as usize,
        request_timeout: Duration::from_secs(u64::from(cfg.request_timeout_seconds)),
        ..FederationSettings::default()
    };
    Federation::new(
        db.write().clone(),
        db.read().clone(),
        fs,
        Some(Arc::new(UserCounts(db.clone()))),
        env!("CARGO_PKG_VERSION"),
    )
}

/// Publishes the profile as the actor (making its keys the first time).
pub async fn publish_profile(
    fed: &Federation,
    p: &NodeProfile,
) -> Result<(), noaber_federation::Error> {
    noaber_federation::actor::publish(
        fed,
        &noaber_federation::actor::ActorProfile {
            name: p.name.clone(),
            kind: p.kind,
            place: p.place.clone(),
            region: p.region.clone(),
            initiative_type: p.initiative_type.clone(),
            base_url: p.base_url.clone(),
        },
    )
    .await
    .map(|_| ())
}

/// Real user counts for NodeInfo, when the admin chose to show them.
struct UserCounts(Db);

impl UsageSource for UserCounts {
    fn usage(&self) -> Pin<Box<dyn Future<Output = Usage> + Send + '_>> {
        Box::pin(async move {
            let db = &self.0;
            let total = user::Entity::find()
                .filter(user::Column::Disabled.eq(false))
                .count(db.read())
                .await
                .unwrap_or(0);
            let active = |days: i64| async move {
                session::Entity::find()
                    .select_only()
                    .column(session::Column::UserId)
                    .distinct()
                    .filter(
                        session::Column::LastSeenAt.gt(Utc::now() - chrono::Duration::days(days)),
                    )
                    .into_tuple::<i32>()
                    .all(db.read())
                    .await
                    .map(|v| v.len() as u64)
                    .unwrap_or(0)
            };
            Usage {
                total,
                active_month: active(30).await,
                active_halfyear: active(180).await,
            }
        })
    }
}
