//! Reports to the network: what the disclosure settings let go for a
//! period, shown first, then sent as an `ImpactReport` to the followers
//! (a `Create`, or an `Update` that replaces the earlier report of the same
//! period). A period that has not ended goes only as provisional.

use chrono::{DateTime, Utc};
use noaber_federation::Federation;
use noaber_federation::figures::{Figure, Period};
use noaber_federation::objects::{self, Visibility};
use noaber_federation::publication::{Publication, ReportDraft};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use url::Url;
use utoipa::ToSchema;

use super::{Result, compute, disclose, settings};
use crate::db::Db;
use crate::entity::impact_report;
use crate::validation::Invalid;

/// What a report for a period would carry, exactly as it would leave.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Disclosed {
    #[schema(value_type = String, example = "2026-10")]
    pub period: Period,
    #[schema(value_type = Vec<Object>)]
    pub figures: Vec<Figure>,
    pub forwardable: bool,
    pub provisional: bool,
}

/// Works out the disclosed report. A period that has not ended is refused
/// unless `provisional`.
pub async fn prepare(
    db: &Db,
    period: Period,
    forwardable: Option<bool>,
    provisional: bool,
    today: chrono::NaiveDate,
) -> Result<Disclosed> {
    if !provisional && !period.has_ended(today) {
        return Err(Invalid::one("period", "error.period_not_ended").into());
    }
    // A report for a period that has ended is final, whatever was asked.
    let provisional = provisional && !period.has_ended(today);
    let s = settings::get(db).await?;
    let computed = compute::compute(db, period, s.hour_rate_cents).await?;
    Ok(disclosed(period, &computed, &s, forwardable, provisional))
}

/// What the settings let go of figures already counted.
pub fn disclosed(
    period: Period,
    computed: &[compute::Computed],
    s: &settings::DisclosureSettings,
    forwardable: Option<bool>,
    provisional: bool,
) -> Disclosed {
    Disclosed {
        period,
        figures: disclose::disclose(computed, &s.shared_metrics, s.round_to_five),
        forwardable: forwardable.unwrap_or(s.forwardable),
        provisional,
    }
}

/// A report as sent, with how its delivery stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SentReport {
    pub period: String,
    pub object_id: String,
    #[schema(value_type = Vec<Object>)]
    pub figures: Vec<Figure>,
    pub forwardable: bool,
    pub provisional: bool,
    pub sent_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Deliveries of the latest version: delivered, pending, failed.
    pub delivered: i64,
    pub pending: i64,
    pub failed: i64,
}

/// The initiative's public impact page, under the address its actor has.
async fn impact_url(fed: &Federation) -> Result<Url> {
    let local = noaber_federation::actor::load(fed).await?;
    Url::parse(&format!("{}/impact", local.base()))
        .map_err(|_| Invalid::one("base_url", "error.base_url").into())
}

/// Sends the report: a new one, or an `Update` of the period's earlier one.
pub async fn send(
    db: &Db,
    fed: &Federation,
    who: Option<i32>,
    d: &Disclosed,
) -> Result<SentReport> {
    let publication = Publication::ImpactReport(ReportDraft {
        period: d.period,
        figures: d.figures.clone(),
        forwardable: d.forwardable,
        provisional: d.provisional,
        url: impact_url(fed).await?,
    });
    let period = d.period.to_string();
    let known = impact_report::Entity::find()
        .filter(impact_report::Column::Period.eq(&period))
        .one(db.write())
        .await?;
    let now = Utc::now();
    let figures = serde_json::to_string(&d.figures)?;
    match known {
        Some(row) if row.deleted_at.is_none() => {
            let outbox =
                objects::update_tracked(fed, &row.object_id, &publication, Visibility::Followers)
                    .await?;
            let mut a: impact_report::ActiveModel = row.into();
            a.outbox_id = Set(Some(outbox));
            a.figures = Set(figures);
            a.forwardable = Set(d.forwardable);
            a.provisional = Set(d.provisional);
            a.sent_by = Set(who);
            a.updated_at = Set(now);
            a.update(db.write()).await?;
        }
        known => {
            let (object_id, outbox) =
                objects::publish_tracked(fed, &publication, Visibility::Followers).await?;
            let a = impact_report::ActiveModel {
                period: Set(period.clone()),
                object_id: Set(object_id),
                outbox_id: Set(Some(outbox)),
                figures: Set(figures),
                forwardable: Set(d.forwardable),
                provisional: Set(d.provisional),
                sent_by: Set(who),
                sent_at: Set(now),
                updated_at: Set(now),
                deleted_at: Set(None),
                ..Default::default()
            };
            match known {
                Some(old) => {
                    let mut a = a;
                    a.id = Set(old.id);
                    a.update(db.write()).await?;
                }
                None => {
                    a.insert(db.write()).await?;
                }
            }
        }
    }
    tracing::info!(period = %period, "figures report sent");
    get(db, fed, &period).await?.ok_or(super::Error::NotFound)
}

/// Takes a sent report back: it leaves the totals of every node that has it.
pub async fn withdraw(db: &Db, fed: &Federation, period: Period) -> Result<()> {
    let row = impact_report::Entity::find()
        .filter(impact_report::Column::Period.eq(period.to_string()))
        .filter(impact_report::Column::DeletedAt.is_null())
        .one(db.write())
        .await?
        .ok_or(super::Error::NotFound)?;
    objects::delete(fed, &row.object_id).await?;
    let mut a: impact_report::ActiveModel = row.into();
    a.deleted_at = Set(Some(Utc::now()));
    a.update(db.write()).await?;
    Ok(())
}

async fn view(fed: &Federation, row: impact_report::Model) -> Result<SentReport> {
    let (mut delivered, mut pending, mut failed) = (0, 0, 0);
    if let Some(id) = row.outbox_id {
        for (state, n) in noaber_federation::outbox::delivery_states(fed, id).await? {
            match state.as_str() {
                "delivered" => delivered += n,
                "failed" => failed += n,
                _ => pending += n,
            }
        }
    }
    Ok(SentReport {
        figures: serde_json::from_str(&row.figures)?,
        period: row.period,
        object_id: row.object_id,
        forwardable: row.forwardable,
        provisional: row.provisional,
        sent_at: row.sent_at,
        updated_at: row.updated_at,
        delivered,
        pending,
        failed,
    })
}

pub async fn get(db: &Db, fed: &Federation, period: &str) -> Result<Option<SentReport>> {
    match impact_report::Entity::find()
        .filter(impact_report::Column::Period.eq(period))
        .filter(impact_report::Column::DeletedAt.is_null())
        .one(db.read())
        .await?
    {
        Some(row) => Ok(Some(view(fed, row).await?)),
        None => Ok(None),
    }
}

/// Every report sent and not taken back, newest period first.
pub async fn list(db: &Db, fed: &Federation) -> Result<Vec<SentReport>> {
    let rows = impact_report::Entity::find()
        .filter(impact_report::Column::DeletedAt.is_null())
        .order_by_desc(impact_report::Column::Period)
        .all(db.read())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view(fed, r).await?);
    }
    Ok(out)
}

/// Automatic sending: the reports of the month, quarter and year that
/// ended last, once each, when the initiative chose so.
pub async fn send_due(db: &Db, fed: &Federation) -> Result<usize> {
    let s = settings::get(db).await?;
    if !s.auto_send {
        return Ok(0);
    }
    let today = Utc::now().date_naive();
    let mut sent = 0;
    for period in Period::last_ended(today) {
        let known = impact_report::Entity::find()
            .filter(impact_report::Column::Period.eq(period.to_string()))
            .one(db.read())
            .await?;
        // A final report already sent (or taken back by hand) stays as is;
        // a provisional one is replaced by the final one.
        if known.is_some_and(|k| !k.provisional || k.deleted_at.is_some()) {
            continue;
        }
        let d = prepare(db, period, None, false, today).await?;
        send(db, fed, None, &d).await?;
        sent += 1;
    }
    Ok(sent)
}
