//! Figures reports received from initiatives: one per initiative and
//! period, always the latest version its origin wrote, whichever path it
//! came by (directly, through one region, through two). A deleted report
//! leaves the totals but keeps its version, so an older copy still on its
//! way cannot bring it back.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;

use crate::entity::{received_figure, received_report};
use crate::figures::{self, Figure, Period};
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
/// initiative and period (a deletion counts as a version: what was written
/// before it cannot come back). Read and write are one transaction, the
/// row locked on PostgreSQL; when two paths insert at once, the loser looks
/// again.
pub async fn store(fed: &Federation, r: &CheckedReport, via: Option<&str>) -> Result<Stored> {
    match store_once(fed, r, via).await {
        Err(Error::Db(e)) if crate::error::is_unique_violation(&e) => store_once(fed, r, via).await,
        other => other,
    }
}

async fn store_once(fed: &Federation, r: &CheckedReport, via: Option<&str>) -> Result<Stored> {
    let period = r.period.to_string();
    let txn = fed.write().begin().await?;
    let mut find = received_report::Entity::find()
        .filter(received_report::Column::OriginActor.eq(&r.origin))
        .filter(received_report::Column::Period.eq(&period));
    if txn.get_database_backend() == DbBackend::Postgres {
        find = find.lock_exclusive();
    }
    let known = find.one(&txn).await?;
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
    if let Some(k) = &known
        && k.version >= r.version
    {
        // Same or older version: note the path, nothing else changes.
        if via_json != k.via {
            let mut a: received_report::ActiveModel = k.clone().into();
            a.via = Set(via_json);
            a.update(&txn).await?;
        }
        txn.commit().await?;
        return Ok(Stored::Stale);
    }
    let outcome = if known.is_some() {
        Stored::Replaced
    } else {
        Stored::New
    };
    let mut a = match known {
        Some(k) => received_report::ActiveModel::from(k),
        None => received_report::ActiveModel {
            origin_actor: Set(r.origin.clone()),
            period: Set(period.clone()),
            ..Default::default()
        },
    };
    a.object_id = Set(r.object_id.clone());
    a.starts_on = Set(r.period.start());
    a.ends_on = Set(r.period.end());
    a.forwardable = Set(r.forwardable);
    a.provisional = Set(r.provisional);
    a.version = Set(r.version);
    a.via = Set(via_json);
    a.received_at = Set(Utc::now());
    a.deleted_at = Set(None);
    let row = a.save(&txn).await?;
    let id = row.id.clone().take().ok_or(Error::NotFound)?;
    if outcome == Stored::Replaced {
        received_figure::Entity::delete_many()
            .filter(received_figure::Column::Period.eq(&period))
            .filter(received_figure::Column::ReportId.eq(id))
            .exec(&txn)
            .await?;
    }
    insert_cells(&txn, id, &period, &r.figures).await?;
    txn.commit().await?;
    Ok(outcome)
}

/// Writes a report's figures as rows, in one statement: with twenty
/// figures a report, this is most of what storing a report costs.
async fn insert_cells(
    txn: &sea_orm::DatabaseTransaction,
    report_id: i32,
    period: &str,
    cells: &[Figure],
) -> Result<()> {
    use sea_orm::{Statement, Value};
    if cells.is_empty() {
        return Ok(());
    }
    let backend = txn.get_database_backend();
    let mut values: Vec<Value> = Vec::with_capacity(cells.len() * 7);
    let mut rows = Vec::with_capacity(cells.len());
    for f in cells {
        let (low, high) = figures::contribution(f);
        let mut marks = Vec::with_capacity(7);
        for v in [
            Value::from(report_id),
            Value::from(period.to_owned()),
            Value::from(f.metric.clone()),
            Value::from(f.category.clone()),
            Value::from(low),
            Value::from(high),
            Value::from(i32::from(f.suppressed)),
        ] {
            values.push(v);
            marks.push(match backend {
                DbBackend::Postgres => format!("${}", values.len()),
                _ => "?".to_owned(),
            });
        }
        rows.push(format!("({})", marks.join(", ")));
    }
    let sql = format!(
        "INSERT INTO received_figures (report_id, period, metric, category, low, high, suppressed) VALUES {}",
        rows.join(", ")
    );
    txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(())
}

/// The report with this object id, if we keep it.
pub async fn find(fed: &Federation, object_id: &str) -> Result<Option<received_report::Model>> {
    Ok(received_report::Entity::find()
        .filter(received_report::Column::ObjectId.eq(object_id))
        .one(fed.read())
        .await?)
}

/// Takes a report out of the totals (the caller checked that its origin
/// asked). The deletion becomes the row's version, so a copy written
/// before it and still on its way through a region is stale when it
/// arrives.
pub async fn delete(fed: &Federation, row: received_report::Model) -> Result<()> {
    if row.deleted_at.is_some() {
        return Ok(());
    }
    let now = to_micros(Utc::now());
    let txn = fed.write().begin().await?;
    received_figure::Entity::delete_many()
        .filter(received_figure::Column::Period.eq(&row.period))
        .filter(received_figure::Column::ReportId.eq(row.id))
        .exec(&txn)
        .await?;
    let mut a: received_report::ActiveModel = row.clone().into();
    a.version = Set(row.version.max(now));
    a.deleted_at = Set(Some(now));
    a.update(&txn).await?;
    txn.commit().await?;
    tracing::info!("figures report deleted by its origin");
    Ok(())
}

/// A time as both databases keep it (PostgreSQL to the microsecond), so a
/// version read back compares equal to the one received.
pub fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::Timelike;
    t.with_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

/// A standing report: whose, for which period, and how it came.
#[derive(Debug, Clone, Serialize)]
pub struct ReportLine {
    pub origin: String,
    pub period: String,
    pub provisional: bool,
    pub forwardable: bool,
    pub version: DateTime<Utc>,
    /// The relays it came through; empty when it came directly.
    pub via: Vec<String>,
}

fn line(row: received_report::Model) -> ReportLine {
    ReportLine {
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

/// Every initiative that sent a standing report, with the end (the day
/// after) of the latest period it reported on.
pub async fn last_reports(
    fed: &Federation,
) -> Result<std::collections::HashMap<String, NaiveDate>> {
    Ok(received_report::Entity::find()
        .select_only()
        .column(received_report::Column::OriginActor)
        .column_as(received_report::Column::EndsOn.max(), "ends_on")
        .filter(received_report::Column::DeletedAt.is_null())
        .group_by(received_report::Column::OriginActor)
        .into_tuple::<(String, NaiveDate)>()
        .all(fed.read())
        .await?
        .into_iter()
        .collect())
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
    let followed: std::collections::HashSet<String> = following::Entity::find()
        .select_only()
        .column(following::Column::ActorUrl)
        .filter(following::Column::State.eq(FollowState::Accepted))
        .into_tuple::<String>()
        .all(fed.read())
        .await?
        .into_iter()
        .collect();
    let mut origins: Vec<String> = received_report::Entity::find()
        .select_only()
        .column(received_report::Column::OriginActor)
        .distinct()
        .into_tuple()
        .all(fed.read())
        .await?;
    let reported: std::collections::HashSet<String> = origins.iter().cloned().collect();
    origins.extend(followed.iter().cloned());
    origins.sort();
    origins.dedup();
    // Every actor that may be an initiative, read once without its key;
    // cheaper than a long list of ids.
    type Row = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let actors: std::collections::HashMap<String, Row> = remote_actor::Entity::find()
        .select_only()
        .column(remote_actor::Column::ActorUrl)
        .column(remote_actor::Column::NodeKind)
        .column(remote_actor::Column::Name)
        .column(remote_actor::Column::Place)
        .column(remote_actor::Column::Region)
        .column(remote_actor::Column::InitiativeType)
        .filter(
            sea_orm::Condition::any()
                .add(remote_actor::Column::NodeKind.eq("initiative"))
                .add(remote_actor::Column::NodeKind.is_null()),
        )
        .into_tuple::<Row>()
        .all(fed.read())
        .await?
        .into_iter()
        .map(|a| (a.0.clone(), a))
        .collect();
    Ok(origins
        .into_iter()
        .filter_map(|url| {
            let a = actors.get(&url);
            let kind = a.and_then(|a| a.1.as_deref());
            // A followed node of another kind (a region) is no initiative;
            // an origin of reports is one even before its actor is known.
            if kind != Some("initiative") && !reported.contains(&url) {
                return None;
            }
            Some(KnownInitiative {
                followed: followed.contains(&url),
                name: a.and_then(|a| a.2.clone()),
                place: a.and_then(|a| a.3.clone()),
                region: a.and_then(|a| a.4.clone()),
                initiative_type: a.and_then(|a| a.5.clone()),
                actor: url,
            })
        })
        .collect())
}

/// How totals are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Region,
    Kind,
}

/// A sum over the standing reports of a period (and a group).
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct SumRow {
    /// The region or kind of initiative; `None` when not given or not split.
    pub grp: Option<String>,
    pub period: String,
    pub metric: String,
    pub category: Option<String>,
    /// The reports that have this figure.
    pub initiatives: i64,
    pub suppressed: i64,
    pub low: i64,
    pub high: i64,
}

/// Sums of the figures of the given periods (of one metric, if given),
/// split by region or kind of the initiative when asked. The database adds
/// up; each report holds one row per figure.
pub async fn sums(
    fed: &Federation,
    periods: &[String],
    metric: Option<&str>,
    by: Option<GroupBy>,
) -> Result<Vec<SumRow>> {
    use sea_orm::{FromQueryResult, Statement, Value};
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    let backend = fed.read().get_database_backend();
    let mut values: Vec<Value> = periods.iter().map(|p| p.clone().into()).collect();
    let mark = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let in_list: Vec<String> = (1..=periods.len()).map(mark).collect();
    let mut filter = format!("f.period IN ({})", in_list.join(", "));
    if let Some(m) = metric {
        values.push(m.to_owned().into());
        filter.push_str(&format!(" AND f.metric = {}", mark(values.len())));
    }
    let (grp, join) = match by {
        None => ("CAST(NULL AS TEXT)", ""),
        Some(GroupBy::Region) => (
            "a.region",
            " JOIN received_reports r ON r.id = f.report_id \
             LEFT JOIN remote_actors a ON a.actor_url = r.origin_actor",
        ),
        Some(GroupBy::Kind) => (
            "a.initiative_type",
            " JOIN received_reports r ON r.id = f.report_id \
             LEFT JOIN remote_actors a ON a.actor_url = r.origin_actor",
        ),
    };
    let sql = format!(
        "SELECT {grp} AS grp, f.period AS period, f.metric AS metric, f.category AS category, \
         CAST(COUNT(*) AS BIGINT) AS initiatives, CAST(SUM(f.suppressed) AS BIGINT) AS suppressed, \
         CAST(SUM(f.low) AS BIGINT) AS low, CAST(SUM(f.high) AS BIGINT) AS high \
         FROM received_figures f{join} WHERE {filter} \
         GROUP BY {grp}, f.period, f.metric, f.category"
    );
    Ok(
        SumRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(fed.read())
            .await?,
    )
}

/// The initiatives with a standing report for each of the given periods:
/// period, initiative, and whether the report is provisional.
pub async fn reporters(
    fed: &Federation,
    periods: &[String],
) -> Result<Vec<(String, String, bool)>> {
    Ok(received_report::Entity::find()
        .select_only()
        .column(received_report::Column::Period)
        .column(received_report::Column::OriginActor)
        .column(received_report::Column::Provisional)
        .filter(received_report::Column::Period.is_in(periods.iter().cloned()))
        .filter(received_report::Column::DeletedAt.is_null())
        .into_tuple()
        .all(fed.read())
        .await?)
}
