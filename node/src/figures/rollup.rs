//! Totals over the initiatives' reports, on a regional or national node.
//! Each initiative counts once per period (the store keeps one report per
//! initiative and period, the latest version from its origin), whichever
//! way it came. A suppressed cell is somewhere from 1 to 4, and a rounded
//! one within 2 of its value, so a total over them is a range.

use std::collections::BTreeMap;

use noaber_federation::Federation;
use noaber_federation::figures::{Figure, METRICS, Period};
use noaber_federation::reports::{self, KnownInitiative, ReportLine};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Result;
use super::disclose::THRESHOLD;

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
    pub fn exact(&self) -> bool {
        self.low == self.high
    }

    /// "1.234", "120–132", or "≥ 3" when nothing but suppressed cells.
    pub fn text(&self) -> String {
        if self.exact() {
            dutch_number(self.low)
        } else {
            format!("{}–{}", dutch_number(self.low), dutch_number(self.high))
        }
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

/// Sums reports into totals, in the order of the vocabulary.
pub fn sum<'a>(reports: impl IntoIterator<Item = &'a ReportLine>) -> Vec<TotalCell> {
    let mut cells: BTreeMap<(usize, Option<String>), TotalCell> = BTreeMap::new();
    for r in reports {
        for f in &r.figures {
            let Some(order) = METRICS.iter().position(|m| m.key == f.metric) else {
                continue;
            };
            let cell = cells
                .entry((order, f.category.clone()))
                .or_insert_with(|| TotalCell {
                    metric: f.metric.clone(),
                    category: f.category.clone(),
                    low: 0,
                    high: 0,
                    initiatives: 0,
                    suppressed: 0,
                });
            add(cell, f);
        }
    }
    cells.into_values().collect()
}

fn add(cell: &mut TotalCell, f: &Figure) {
    cell.initiatives += 1;
    match f.value {
        _ if f.suppressed => {
            cell.suppressed += 1;
            cell.low += 1;
            cell.high += THRESHOLD - 1;
        }
        Some(v) if f.rounded => {
            cell.low += (v - 2).max(THRESHOLD);
            cell.high += v + 2;
        }
        Some(v) => {
            cell.low += v;
            cell.high += v;
        }
        None => {}
    }
}

/// How totals are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum By {
    Region,
    Kind,
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

/// The totals of one period over the known initiatives.
pub async fn totals(fed: &Federation, period: Period, by: Option<By>) -> Result<Totals> {
    let known = reports::known_initiatives(fed).await?;
    let lines = reports::for_periods(fed, &[period.to_string()]).await?;
    Ok(build(period, &known, &lines, by))
}

/// [`totals`] from what was read (the part tests and benchmarks call).
pub fn build(
    period: Period,
    known: &[KnownInitiative],
    lines: &[ReportLine],
    by: Option<By>,
) -> Totals {
    let keys: std::collections::HashMap<&str, String> = known
        .iter()
        .map(|k| {
            (
                k.actor.as_str(),
                by.map(|b| group_key(k, b)).unwrap_or_default(),
            )
        })
        .collect();
    let counted: Vec<&ReportLine> = lines
        .iter()
        .filter(|l| keys.contains_key(l.origin.as_str()))
        .collect();
    let mut groups = Vec::new();
    if by.is_some() {
        let mut per: BTreeMap<&str, (usize, Vec<&ReportLine>)> = BTreeMap::new();
        for key in keys.values() {
            per.entry(key.as_str()).or_default().0 += 1;
        }
        for l in &counted {
            if let Some(key) = keys.get(l.origin.as_str()) {
                per.entry(key.as_str()).or_default().1.push(l);
            }
        }
        for (key, (members, mine)) in per {
            groups.push(Group {
                key: key.to_owned(),
                coverage: Coverage {
                    reported: mine.len(),
                    known: members,
                },
                cells: sum(mine),
            });
        }
    }
    Totals {
        period,
        coverage: Coverage {
            reported: counted.len(),
            known: known.len(),
        },
        provisional: counted.iter().filter(|l| l.provisional).count(),
        cells: sum(counted.iter().copied()),
        groups,
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
    let known = reports::known_initiatives(fed).await?;
    let periods = last.trail(n);
    let keys: Vec<String> = periods.iter().map(Period::to_string).collect();
    let lines = reports::for_periods(fed, &keys).await?;
    Ok(periods
        .into_iter()
        .map(|p| {
            let key = p.to_string();
            let mine: Vec<ReportLine> = lines.iter().filter(|l| l.period == key).cloned().collect();
            let t = build(p, &known, &mine, None);
            let (low, high) = t
                .cells
                .iter()
                .filter(|c| c.metric == metric)
                .fold((0, 0), |(l, h), c| (l + c.low, h + c.high));
            TrendPoint {
                period: p,
                low,
                high,
                coverage: t.coverage,
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
    let known = reports::known_initiatives(fed).await?;
    let last = reports::last_reports(fed).await?;
    let mut out: Vec<DirectoryLine> = known
        .into_iter()
        .map(|k| DirectoryLine {
            last_report: last
                .iter()
                .find(|(o, _, _)| *o == k.actor)
                .and_then(|(_, end, _)| end.pred_opt()),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn line(origin: &str, figures: Vec<Figure>) -> ReportLine {
        ReportLine {
            origin: origin.into(),
            period: "2026-10".into(),
            figures,
            provisional: false,
            forwardable: true,
            version: chrono::Utc::now(),
            via: Vec::new(),
        }
    }

    fn f(metric: &str, value: Option<i64>) -> Figure {
        Figure {
            metric: metric.into(),
            category: None,
            value,
            suppressed: value.is_none(),
            rounded: false,
            entered: false,
        }
    }

    #[test]
    fn suppressed_cells_make_a_range() {
        let lines = [
            line("a", vec![f("members", Some(100)), f("volunteers", None)]),
            line("b", vec![f("members", Some(20)), f("volunteers", Some(7))]),
        ];
        let cells = sum(lines.iter());
        assert_eq!((cells[0].low, cells[0].high), (120, 120));
        assert_eq!((cells[1].low, cells[1].high), (8, 11));
        assert_eq!(cells[1].text(), "8–11");
        assert_eq!(dutch_number(1234567), "1.234.567");
    }

    #[test]
    fn coverage_counts_known_initiatives_once() {
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
        let lines = [
            line("a", vec![f("members", Some(10))]),
            line("b", vec![f("members", Some(5))]),
            line("stranger", vec![f("members", Some(1000))]),
        ];
        let t = build(Period::Month(2026, 10), &known, &lines, Some(By::Region));
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
            t.groups[1].coverage,
            Coverage {
                reported: 0,
                known: 1
            }
        );
    }
}
