//! Totals over the initiatives' reports, on a regional or national node.
//! Each initiative counts once per period (the store keeps one report per
//! initiative and period, the latest version from its origin), whichever
//! way it came. A suppressed cell is somewhere from 1 to 4, and a rounded
//! one within 2 of its value, so a total over them is a range.

use std::collections::BTreeMap;

use noaber_federation::Federation;
use noaber_federation::figures::{METRICS, Period};
use noaber_federation::reports::{self, GroupBy, KnownInitiative, SumRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Result;

/// A total: exact when `low == high`, else a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TotalCell {
    pub metric: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub low: i64,
    pub high: i64,
    /// The initiatives whose report has this figure.
    pub initiatives: u32,
    /// Of those, the ones whose figure was suppressed.
    pub suppressed: u32,
}

impl TotalCell {
    /// "1.234", or "120–132" when suppressed or rounded cells make a range.
    pub fn text(&self) -> String {
        range_text(self.low, self.high)
    }
}

/// A total as people read it: "1.234", or "120–132" for a range.
pub fn range_text(low: i64, high: i64) -> String {
    if low == high {
        dutch_number(low)
    } else {
        format!("{}–{}", dutch_number(low), dutch_number(high))
    }
}

/// One disclosed figure as people read it: "<5", "± 15" or "12".
pub fn figure_text(f: &noaber_federation::figures::Figure) -> String {
    match f.value {
        _ if f.suppressed => "<5".into(),
        Some(v) if f.rounded => format!("± {}", dutch_number(v)),
        Some(v) => dutch_number(v),
        None => String::new(),
    }
}

pub fn dutch_number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// How many of the known initiatives reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Coverage {
    pub reported: usize,
    pub known: usize,
}

/// How totals are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum By {
    Region,
    Kind,
}

impl By {
    fn wire(self) -> GroupBy {
        match self {
            Self::Region => GroupBy::Region,
            Self::Kind => GroupBy::Kind,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Group {
    /// The region's name or the kind's key; empty when not given.
    pub key: String,
    pub coverage: Coverage,
    pub cells: Vec<TotalCell>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Totals {
    #[schema(value_type = String, example = "2026-10")]
    pub period: Period,
    pub coverage: Coverage,
    pub cells: Vec<TotalCell>,
    /// Per region or kind, when asked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    /// Reports for this period that are still provisional.
    pub provisional: usize,
}

fn group_key(i: &KnownInitiative, by: By) -> String {
    match by {
        By::Region => i.region.clone(),
        By::Kind => i.initiative_type.clone(),
    }
    .unwrap_or_default()
}

/// Adds sum rows up into cells, in the order of the vocabulary.
pub fn cells<'a>(rows: impl IntoIterator<Item = &'a SumRow>) -> Vec<TotalCell> {
    let mut out: BTreeMap<(usize, Option<String>), TotalCell> = BTreeMap::new();
    for r in rows {
        let Some(order) = METRICS.iter().position(|m| m.key == r.metric) else {
            continue;
        };
        let c = out
            .entry((order, r.category.clone()))
            .or_insert_with(|| TotalCell {
                metric: r.metric.clone(),
                category: r.category.clone(),
                low: 0,
                high: 0,
                initiatives: 0,
                suppressed: 0,
            });
        c.low += r.low;
        c.high += r.high;
        c.initiatives += u32::try_from(r.initiatives).unwrap_or(u32::MAX);
        c.suppressed += u32::try_from(r.suppressed).unwrap_or(u32::MAX);
    }
    out.into_values().collect()
}

/// The totals of one period over the known initiatives.
pub async fn totals(fed: &Federation, period: Period, by: Option<By>) -> Result<Totals> {
    let known = reports::known_initiatives(fed).await?;
    totals_with(fed, &known, period, by).await
}

async fn totals_with(
    fed: &Federation,
    known: &[KnownInitiative],
    period: Period,
    by: Option<By>,
) -> Result<Totals> {
    let key = period.to_string();
    let lines = reports::reporters(fed, std::slice::from_ref(&key)).await?;
    let provisional = lines.iter().filter(|(_, _, p)| *p).count();
    let reporters: Vec<String> = lines.into_iter().map(|(_, origin, _)| origin).collect();
    let rows = reports::sums(fed, &[key], None, by.map(By::wire)).await?;
    let mut t = assemble(period, known, &reporters, &rows, by);
    t.provisional = provisional;
    Ok(t)
}

/// [`totals`] from what was read (the part unit tests call).
pub fn assemble(
    period: Period,
    known: &[KnownInitiative],
    reporters: &[String],
    rows: &[SumRow],
    by: Option<By>,
) -> Totals {
    let mut groups = Vec::new();
    if let Some(by) = by {
        let keys: std::collections::HashMap<&str, String> = known
            .iter()
            .map(|k| (k.actor.as_str(), group_key(k, by)))
            .collect();
        let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for key in keys.values() {
            per.entry(key.clone()).or_default().0 += 1;
        }
        for r in reporters {
            if let Some(key) = keys.get(r.as_str()) {
                per.entry(key.clone()).or_default().1 += 1;
            }
        }
        for (key, (known, reported)) in per {
            groups.push(Group {
                cells: cells(
                    rows.iter()
                        .filter(|r| r.grp.as_deref().unwrap_or_default() == key),
                ),
                coverage: Coverage { reported, known },
                key,
            });
        }
    }
    Totals {
        period,
        coverage: Coverage {
            reported: reporters.len(),
            known: known.len(),
        },
        cells: cells(rows),
        groups,
        provisional: 0,
    }
}

/// One point of a trend: a period's total of one metric (over all its
/// categories) with its coverage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendPoint {
    #[schema(value_type = String)]
    pub period: Period,
    pub low: i64,
    pub high: i64,
    pub coverage: Coverage,
}

/// The totals of `metric` over the `n` periods up to `last`.
pub async fn trend(
    fed: &Federation,
    metric: &str,
    last: Period,
    n: usize,
) -> Result<Vec<TrendPoint>> {
    let known = reports::known_initiatives(fed).await?.len();
    trend_with(fed, known, metric, last, n).await
}

async fn trend_with(
    fed: &Federation,
    known: usize,
    metric: &str,
    last: Period,
    n: usize,
) -> Result<Vec<TrendPoint>> {
    let periods = last.trail(n);
    let keys: Vec<String> = periods.iter().map(Period::to_string).collect();
    let reporters = reports::reporters(fed, &keys).await?;
    let rows = reports::sums(fed, &keys, Some(metric), None).await?;
    Ok(periods
        .into_iter()
        .map(|p| {
            let key = p.to_string();
            let (low, high) = rows
                .iter()
                .filter(|r| r.period == key)
                .fold((0, 0), |(l, h), r| (l + r.low, h + r.high));
            TrendPoint {
                period: p,
                low,
                high,
                coverage: Coverage {
                    reported: reporters
                        .iter()
                        .filter(|(period, ..)| *period == key)
                        .count(),
                    known,
                },
            }
        })
        .collect())
}

/// A line of the directory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryLine {
    pub actor: String,
    pub name: String,
    pub place: String,
    pub region: String,
    /// stadsdorp, zorgcooperatie …; empty when not given.
    pub initiative_type: String,
    /// The latest period reported on, if any (its last day).
    pub last_report: Option<chrono::NaiveDate>,
    pub followed: bool,
}

pub async fn directory(fed: &Federation) -> Result<Vec<DirectoryLine>> {
    directory_with(fed, reports::known_initiatives(fed).await?).await
}

async fn directory_with(
    fed: &Federation,
    known: Vec<KnownInitiative>,
) -> Result<Vec<DirectoryLine>> {
    let last = reports::last_reports(fed).await?;
    let mut out: Vec<DirectoryLine> = known
        .into_iter()
        .map(|k| DirectoryLine {
            last_report: last.get(&k.actor).and_then(|end| end.pred_opt()),
            name: k.name.unwrap_or_else(|| k.actor.clone()),
            place: k.place.unwrap_or_default(),
            region: k.region.unwrap_or_default(),
            initiative_type: k.initiative_type.unwrap_or_default(),
            followed: k.followed,
            actor: k.actor,
        })
        .collect();
    out.sort_by_key(|a| a.name.to_lowercase());
    Ok(out)
}

/// Everything the network dashboard shows, with the known initiatives
/// read once.
pub struct Dashboard {
    pub by_region: Totals,
    pub by_kind: Totals,
    pub trend: Vec<TrendPoint>,
    pub directory: Vec<DirectoryLine>,
}

pub async fn dashboard(fed: &Federation, period: Period, metric: &str) -> Result<Dashboard> {
    let known = reports::known_initiatives(fed).await?;
    Ok(Dashboard {
        by_region: totals_with(fed, &known, period, Some(By::Region)).await?,
        by_kind: totals_with(fed, &known, period, Some(By::Kind)).await?,
        trend: trend_with(fed, known.len(), metric, period, 12).await?,
        directory: directory_with(fed, known).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(grp: Option<&str>, metric: &str, initiatives: i64, low: i64, high: i64) -> SumRow {
        SumRow {
            grp: grp.map(str::to_owned),
            period: "2026-10".into(),
            metric: metric.into(),
            category: None,
            initiatives,
            suppressed: i64::from(low != high),
            low,
            high,
        }
    }

    #[test]
    fn sums_become_cells_and_ranges_read_as_ranges() {
        let cells = cells(&[
            row(Some("Drenthe"), "volunteers", 1, 1, 4),
            row(Some("Twente"), "volunteers", 1, 7, 7),
            row(Some("Drenthe"), "members", 2, 120, 120),
        ]);
        assert_eq!(cells[0].metric, "members", "in the order of the vocabulary");
        assert_eq!(
            (cells[1].low, cells[1].high, cells[1].initiatives),
            (8, 11, 2)
        );
        assert_eq!(cells[1].text(), "8–11");
        assert_eq!(dutch_number(1234567), "1.234.567");
    }

    #[test]
    fn coverage_counts_known_initiatives_per_group() {
        let known: Vec<KnownInitiative> = ["a", "b", "c"]
            .iter()
            .map(|a| KnownInitiative {
                actor: (*a).into(),
                name: None,
                place: None,
                region: Some(if *a == "c" { "Twente" } else { "Drenthe" }.into()),
                initiative_type: None,
                followed: true,
            })
            .collect();
        let t = assemble(
            Period::Month(2026, 10),
            &known,
            &["a".into(), "b".into()],
            &[row(Some("Drenthe"), "members", 2, 15, 15)],
            Some(By::Region),
        );
        assert_eq!(
            t.coverage,
            Coverage {
                reported: 2,
                known: 3
            }
        );
        assert_eq!(t.cells[0].low, 15);
        assert_eq!(t.groups.len(), 2);
        assert_eq!(
            t.groups[0].coverage,
            Coverage {
                reported: 2,
                known: 2
            }
        );
        assert_eq!(
            t.groups[1].coverage,
            Coverage {
                reported: 0,
                known: 1
            }
        );
        assert!(t.groups[1].cells.is_empty());
    }
}
