//! `noaber:ImpactReport`: an initiative's disclosed figures for one period,
//! always addressed to its followers only. It arrives in a `Create` or an
//! `Update` from the initiative itself, or wrapped in an `Announce` by a
//! regional node passing on a report the initiative marked forwardable.
//!
//! A report is read strictly: an unknown metric, a negative or broken
//! count, a suppressed cell with a value or a period that does not parse
//! rejects the whole report (400, the reason logged) and stores nothing.

use activitypub_federation::config::Data;
use activitypub_federation::protocol::helpers::deserialize_one_or_many;
use activitypub_federation::traits::Activity;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use super::actor_ref::{ActorId, same_origin};
use crate::figures::{self, Period};
use crate::reports::{CheckedReport, Stored};
use crate::{Error, Federation, Result, follows, relay, reports};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum ReportType {
    #[serde(alias = "noaber:ImpactReport")]
    ImpactReport,
}

/// The report object.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpactReport {
    #[serde(rename = "type")]
    pub kind: ReportType,
    pub id: Url,
    pub attributed_to: Url,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub cc: Vec<Url>,
    pub period: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Read as loose JSON, then strictly by [`figures::read_figures`], so a
    /// bad entry is a reason, not a silent mismatch.
    #[serde(default)]
    pub figures: Vec<serde_json::Value>,
    #[serde(default, alias = "noaber:forwardable")]
    pub forwardable: bool,
    #[serde(default, alias = "noaber:provisional")]
    pub provisional: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
}

impl ImpactReport {
    /// The report as this node keeps it, or why it is refused.
    pub fn check(&self) -> Result<CheckedReport> {
        let period = Period::parse(&self.period)
            .map_err(|_| Error::BadActivity("the report's period does not parse".into()))?;
        let figures = figures::read_figures(&self.figures)
            .map_err(|e| Error::BadActivity(format!("the report's figures: {e}")))?;
        if !same_origin(&self.id, &self.attributed_to) {
            return Err(Error::BadActivity(
                "report and its author are on different hosts".into(),
            ));
        }
        // A report that says it is final for a period that is not over
        // cannot be right.
        if !self.provisional && !period.has_ended(Utc::now().date_naive()) {
            return Err(Error::BadActivity(
                "a final report for a period that has not ended".into(),
            ));
        }
        // The origin's own time orders versions; one from the future would
        // make every later correction look old.
        let version = self
            .updated
            .or(self.published)
            .map(|t| reports::to_micros(t.to_utc()))
            .ok_or_else(|| Error::BadActivity("the report has no date".into()))?;
        if version > Utc::now() + chrono::Duration::minutes(5) {
            return Err(Error::BadActivity(
                "the report is dated in the future".into(),
            ));
        }
        Ok(CheckedReport {
            object_id: self.id.to_string(),
            origin: self.attributed_to.to_string(),
            period,
            figures,
            forwardable: self.forwardable,
            provisional: self.provisional,
            version,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum ReportVerb {
    Create,
    Update,
}

/// `Create` or `Update` of a report.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ReportActivity {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: ReportVerb,
    pub actor: ActorId,
    pub object: ImpactReport,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub cc: Vec<Url>,
}

impl ReportActivity {
    /// Only its author sends a report or a change to it.
    pub(super) fn by_its_author(&self) -> Result<CheckedReport> {
        if self.object.attributed_to != *self.actor.inner()
            || !same_origin(&self.object.id, self.actor.inner())
        {
            tracing::warn!("a report sent by someone other than its author was refused");
            return Err(Error::Forbidden);
        }
        let checked = self.object.check();
        if let Err(e) = &checked {
            tracing::warn!(error = %e, "a received report was rejected");
        }
        checked
    }

    /// Stores the report and, on a regional node, passes a forwardable one
    /// on to the national nodes that follow it.
    pub(super) async fn store(mut self, fed: &Federation, via: Option<&Url>) -> Result<()> {
        let report = self.by_its_author()?;
        // What is passed on is what was read, nothing more.
        self.object.figures = report
            .figures
            .iter()
            .filter_map(|f| serde_json::to_value(f).ok())
            .collect();
        let stored = reports::store(fed, &report, via.map(Url::as_str)).await?;
        match stored {
            Stored::Stale => return Err(Error::Ignored("an older version of a report")),
            Stored::New | Stored::Replaced => {
                tracing::info!(period = %report.period, replaced = stored == Stored::Replaced, "figures report stored");
            }
        }
        // A report that came through a region may be the first we hear of
        // its initiative: its name and region are fetched once, best effort.
        if via.is_some()
            && crate::remote::cached(fed, &report.origin).await?.is_none()
            && let Err(e) = crate::remote::get(fed, &report.origin, false).await
        {
            tracing::debug!(error = %e, "origin of a relayed report not reachable");
        }
        if report.forwardable {
            let origin = self.actor.inner().clone();
            let activity = serde_json::to_value(&self)?;
            relay::pass_on_report(fed, activity, &origin, via).await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Activity for ReportActivity {
    type DataType = Federation;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, data: &Data<Federation>) -> Result<()> {
        if !follows::is_following(data.app_data(), self.actor.inner().as_str()).await? {
            return Err(Error::Ignored("a report from a node we do not follow"));
        }
        self.by_its_author().map(|_| ())
    }

    async fn receive(self, data: &Data<Federation>) -> Result<()> {
        self.store(data.app_data(), None).await
    }
}
