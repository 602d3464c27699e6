//! The public impact page's figures: what the initiative chose to make
//! public, per year and month, under the same disclosure as its reports
//! (1 to 4 as "<5", the social value hidden with small hour counts). A
//! year of a figure that adds up over months (hours, rides) is shown as
//! the range its months allow, so a hidden month cannot be worked out by
//! subtraction; a figure of a moment (members on the last day) or of
//! distinct people is the year's own. Worked out at most once a minute per
//! year: the page is open to anyone.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use noaber_federation::figures::{METRICS, Period, contribution};

use super::{Result, compute, disclose, settings};
use crate::db::Db;

/// One public metric: its year as a range and its months as disclosed.
#[derive(Debug, Clone)]
pub struct PublicMetric {
    pub metric: &'static str,
    pub low: i64,
    pub high: i64,
    /// Month, shown value ("<5", "± 15", "12"), and the range drawn.
    pub months: Vec<(Period, String, i64, i64)>,
}

type Cached = (Instant, Vec<PublicMetric>);

static CACHE: LazyLock<Mutex<HashMap<i32, Cached>>> = LazyLock::new(Default::default);
const FRESH: Duration = Duration::from_secs(60);

/// The public figures of `year`, up to `today`.
pub async fn year(db: &Db, year: i32, today: chrono::NaiveDate) -> Result<Vec<PublicMetric>> {
    if let Ok(cache) = CACHE.lock()
        && let Some((at, v)) = cache.get(&year)
        && at.elapsed() < FRESH
    {
        return Ok(v.clone());
    }
    let s = settings::get(db).await?;
    let mut out = Vec::new();
    if !s.public_metrics.is_empty() {
        let whole = compute::compute(db, Period::Year(year), s.hour_rate_cents).await?;
        let whole = disclose::disclose(&whole, &s.public_metrics, s.round_to_five);
        let mut months = Vec::new();
        for m in 1..=12 {
            let p = Period::Month(year, m);
            if p.start() > today {
                break;
            }
            let computed = compute::compute(db, p, s.hour_rate_cents).await?;
            months.push((
                p,
                disclose::disclose(&computed, &s.public_metrics, s.round_to_five),
            ));
        }
        for m in METRICS
            .iter()
            .filter(|m| s.public_metrics.iter().any(|k| k == m.key))
        {
            let mut metric = PublicMetric {
                metric: m.key,
                low: 0,
                high: 0,
                months: Vec::new(),
            };
            for (p, figures) in &months {
                let (mut low, mut high, mut shown) = (0, 0, Vec::new());
                for f in figures.iter().filter(|f| f.metric == m.key) {
                    let (l, h) = contribution(f);
                    low += l;
                    high += h;
                    shown.push(f.clone());
                }
                let text = match shown.as_slice() {
                    [f] => super::rollup::figure_text(f),
                    _ => super::rollup::range_text(low, high),
                };
                metric.low += low;
                metric.high += high;
                metric.months.push((*p, text, low, high));
            }
            if !adds_up(m.key) {
                let (low, high) = whole
                    .iter()
                    .filter(|f| f.metric == m.key)
                    .map(contribution)
                    .fold((0, 0), |(l, h), (a, b)| (l + a, h + b));
                metric.low = low;
                metric.high = high;
            }
            out.push(metric);
        }
    }
    if let Ok(mut cache) = CACHE.lock() {
        cache.insert(year, (Instant::now(), out.clone()));
    }
    Ok(out)
}

/// Whether a year's figure is the sum of its months.
fn adds_up(metric: &str) -> bool {
    !matches!(
        metric,
        "members" | "volunteers" | "active_volunteers" | "bottlenecks_open"
    )
}

/// Forgets what was worked out, after the settings changed.
pub fn forget() {
    if let Ok(mut cache) = CACHE.lock() {
        cache.clear();
    }
}
