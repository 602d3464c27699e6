//! Figures reports received from initiatives: one per initiative and
//! period, always the latest version its origin wrote, whichever path it
//! came by (directly, through one region, through two). A deleted report
//! leaves the totals but keeps its version, so an older copy still on its
//! way cannot bring it back.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde::Serialize;

use crate::entity::received_report;
use crate::figures::{Figure, Period};
use crate::{Error, Federation, Result};

/// A received report that passed every check.
#[derive(Debug, Clone)]
pub struct CheckedReport {
    pub object_id: String,
    pub origin: String,
    pub period: Period,
    pub figures: Vec<Figure>,
    pub forwardable: bool,
    pub provisional: bool,
    /// When the origin wrote this version.
    pub version: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New,
    /// It replaced an earlier version, or another report for the period.
    Replaced,
    /// We already hold this version or a newer one.
    Stale,
}

/// Keeps the report unless we hold the same or a newer version for its
/// initiative and period. Read and write are one transaction, so two paths
/// delivering at once keep one row.
pub async fn store(fed: &Federation, r: &CheckedReport, via: Option<&str>) -> Result<Stored> {
    let period = r.period.to_string();
    let txn = fed.write().begin().await?;
    let known = received_report::Entity::find()
        .filter(received_report::Column::OriginActor.eq(&r.origin))
        .filter(received_report::Column::Period.eq(&period))
        .one(&txn)
        .await?;
    let mut vias: Vec<String> = known
        .as_ref()
        .and_then(|k| k.via.as_deref())
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default();
    if let Some(v) = via
        && !vias.iter().any(|x| x == v)
    {
        vias.push(v.to_owned());
    }
    let via_json = if vias.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&vias)?)
    };
    let outcome = match &known {
        Some(k) if k.version >= r.version => {
            // Same or older version: note the path, nothing else changes.
            if via_json != k.via {
                let mut a: received_report::ActiveModel = k.clone().into();
                a.via = Set(via_json.clone());
                a.update(&txn).await?;
            }
            Stored::Stale
        }
        Some(_) => Stored::Replaced,
        None => Stored::New,
    };
    if outcome != Stored::Stale {
        let mut a = match known {
            Some(k) => received_report::ActiveModel::from(k),
            None => received_report::ActiveModel {
                origin_actor: Set(r.origin.clone()),
                period: Set(period),
                ..Default::default()
            },
        };
        a.object_id = Set(r.object_id.clone());
        a.starts_on = Set(r.period.start());
        a.ends_on = Set(r.period.end());
        a.figures = Set(serde_json::to_string(&r.figures)?);
        a.forwardable = Set(r.forwardable);
        a.provisional = Set(r.provisional);
        a.version = Set(r.version);
        a.via = Set(via_json);
        a.received_at = Set(Utc::now());
        a.deleted_at = Set(None);
        match a.save(&txn).await {
            Ok(_) => {}
            // Another path stored it a moment earlier, in its own
            // transaction: that copy stands, this one is looked at again.
            Err(e) if crate::error::is_unique_violation(&e) => {
                drop(txn);
                return Ok(Stored::Stale);
            }
            Err(e) => return Err(e.into()),
        }
    }
    txn.commit().await?;
    Ok(outcome)
}

/// The report with this object id, if we keep it.
pub async fn find(fed: &Federation, object_id: &str) -> Result<Option<received_report::Model>> {
    Ok(received_report::Entity::find()
        .filter(received_report::Column::ObjectId.eq(object_id))
        .one(fed.read())
        .await?)
}

/// Takes a report out of the totals, on its origin's word only.
pub async fn delete(fed: &Federation, object_id: &str, actor: &str) -> Result<()> {
    let Some(row) = find(fed, object_id).await? else {
        return Err(Error::Ignored("a deletion of something we do not keep"));
    };
    if row.origin_actor != actor {
        tracing::warn!("a deletion of a report by someone other than its origin was refused");
        return Err(Error::Forbidden);
    }
    if row.deleted_at.is_some() {
        return Ok(());
    }
    let mut a: received_report::ActiveModel = row.into();
    a.figures = Set("[]".into());
    a.deleted_at = Set(Some(Utc::now()));
    a.update(fed.write()).await?;
    tracing::info!("figures report deleted by its origin");
    Ok(())
}

/// A report as the rollup reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportLine {
    pub origin: String,
    pub period: String,
    pub figures: Vec<Figure>,
    pub provisional: bool,
    pub forwardable: bool,
    pub version: DateTime<Utc>,
    /// The relays it came through; empty when it came directly.
    pub via: Vec<String>,
}

fn line(row: received_report::Model) -> ReportLine {
    ReportLine {
        figures: serde_json::from_str(&row.figures).unwrap_or_default(),
        via: row
            .via
            .as_deref()
            .and_then(|v| serde_json::from_str(v).ok())
            .unwrap_or_default(),
        origin: row.origin_actor,
        period: row.period,
        provisional: row.provisional,
        forwardable: row.forwardable,
        version: row.version,
    }
}

/// The standing (not deleted) reports for the given periods.
pub async fn for_periods(fed: &Federation, periods: &[String]) -> Result<Vec<ReportLine>> {
    Ok(received_report::Entity::find()
        .filter(received_report::Column::Period.is_in(periods.iter().cloned()))
        .filter(received_report::Column::DeletedAt.is_null())
        .all(fed.read())
        .await?
        .into_iter()
        .map(line)
        .collect())
}

/// Every initiative that sent a standing report, with the end of the
/// latest period it reported on and when that arrived.
pub async fn last_reports(fed: &Federation) -> Result<Vec<(String, NaiveDate, DateTime<Utc>)>> {
    let rows: Vec<(String, NaiveDate, DateTime<Utc>)> = received_report::Entity::find()
        .select_only()
        .column(received_report::Column::OriginActor)
        .column(received_report::Column::EndsOn)
        .column(received_report::Column::ReceivedAt)
        .filter(received_report::Column::DeletedAt.is_null())
        .order_by_asc(received_report::Column::OriginActor)
        .into_tuple()
        .all(fed.read())
        .await?;
    let mut out: Vec<(String, NaiveDate, DateTime<Utc>)> = Vec::new();
    for (origin, ends, at) in rows {
        match out.last_mut() {
            Some(last) if last.0 == origin => {
                if ends > last.1 {
                    last.1 = ends;
                }
                if at > last.2 {
                    last.2 = at;
                }
            }
            _ => out.push((origin, ends, at)),
        }
    }
    Ok(out)
}

/// The periods any standing report covers, newest first.
pub async fn periods(fed: &Federation) -> Result<Vec<String>> {
    let mut p: Vec<String> = received_report::Entity::find()
        .select_only()
        .column(received_report::Column::Period)
        .filter(received_report::Column::DeletedAt.is_null())
        .distinct()
        .into_tuple()
        .all(fed.read())
        .await?;
    p.sort_by(|a, b| b.cmp(a));
    Ok(p)
}

/// An initiative this node knows: one it follows, or one whose report
/// reached it through a region.
#[derive(Debug, Clone, Serialize)]
pub struct KnownInitiative {
    pub actor: String,
    pub name: Option<String>,
    pub place: Option<String>,
    pub region: Option<String>,
    pub initiative_type: Option<String>,
    /// Whether this node follows it itself.
    pub followed: bool,
}

/// Every initiative followed or heard of through its reports.
pub async fn known_initiatives(fed: &Federation) -> Result<Vec<KnownInitiative>> {
    use crate::entity::{following, remote_actor};
    use crate::state::FollowState;
    let followed: Vec<String> = following::Entity::find()
        .select_only()
        .column(following::Column::ActorUrl)
        .filter(following::Column::State.eq(FollowState::Accepted))
        .into_tuple()
        .all(fed.read())
        .await?;
    let mut origins: Vec<String> = received_report::Entity::find()
        .select_only()
        .column(received_report::Column::OriginActor)
        .distinct()
        .into_tuple()
        .all(fed.read())
        .await?;
    origins.extend(followed.iter().cloned());
    origins.sort();
    origins.dedup();
    let actors: std::collections::HashMap<String, remote_actor::Model> =
        remote_actor::Entity::find()
            .filter(remote_actor::Column::ActorUrl.is_in(origins.iter().cloned()))
            .all(fed.read())
            .await?
            .into_iter()
            .map(|a| (a.actor_url.clone(), a))
            .collect();
    Ok(origins
        .into_iter()
        .filter_map(|url| {
            let a = actors.get(&url);
            let kind = a.and_then(|a| a.node_kind.as_deref());
            // A followed node of another kind (a region) is no initiative;
            // an origin of reports is one even before its actor is known.
            let reported = !followed.contains(&url);
            if kind != Some("initiative") && !(reported && kind.is_none()) {
                return None;
            }
            Some(KnownInitiative {
                followed: !reported,
                name: a.and_then(|a| a.name.clone()),
                place: a.and_then(|a| a.place.clone()),
                region: a.and_then(|a| a.region.clone()),
                initiative_type: a.and_then(|a| a.initiative_type.clone()),
                actor: url,
            })
        })
        .collect())
}
