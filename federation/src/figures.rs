//! The figures vocabulary: periods, the metrics a report may carry, and one
//! figure as it travels. A report holds counts only; a count from 1 to 4
//! travels as `suppressed`, never as its value.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A month (`2026-10`), a quarter (`2026-Q3`) or a year (`2026`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Year(i32),
    Quarter(i32, u32),
    Month(i32, u32),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("geen periode: gebruik 2026, 2026-Q3 of 2026-10")]
pub struct BadPeriod;

/// The months in Dutch, January first (also for dates in the node's mails).
pub const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

impl Period {
    pub fn parse(s: &str) -> Result<Self, BadPeriod> {
        let s = s.trim();
        let year = |y: &str| -> Result<i32, BadPeriod> {
            if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BadPeriod);
            }
            let y: i32 = y.parse().map_err(|_| BadPeriod)?;
            if (2000..=2999).contains(&y) {
                Ok(y)
            } else {
                Err(BadPeriod)
            }
        };
        match s.split_once('-') {
            None => Ok(Self::Year(year(s)?)),
            Some((y, rest)) => {
                let y = year(y)?;
                if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
                    match q {
                        "1" | "2" | "3" | "4" => {
                            Ok(Self::Quarter(y, q.parse().map_err(|_| BadPeriod)?))
                        }
                        _ => Err(BadPeriod),
                    }
                } else if rest.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()) {
                    let m: u32 = rest.parse().map_err(|_| BadPeriod)?;
                    if (1..=12).contains(&m) {
                        Ok(Self::Month(y, m))
                    } else {
                        Err(BadPeriod)
                    }
                } else {
                    Err(BadPeriod)
                }
            }
        }
    }

    /// The first day.
    pub fn start(self) -> NaiveDate {
        let (y, m) = match self {
            Self::Year(y) => (y, 1),
            Self::Quarter(y, q) => (y, (q - 1) * 3 + 1),
            Self::Month(y, m) => (y, m),
        };
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The day after the last day.
    pub fn end(self) -> NaiveDate {
        let (y, m) = match self {
            Self::Year(y) => (y + 1, 1),
            Self::Quarter(y, 4) => (y + 1, 1),
            Self::Quarter(y, q) => (y, q * 3 + 1),
            Self::Month(y, 12) => (y + 1, 1),
            Self::Month(y, m) => (y, m + 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MAX)
    }

    /// Whether the period is over on `today`.
    pub fn has_ended(self, today: NaiveDate) -> bool {
        today >= self.end()
    }

    /// The period of the same kind before this one.
    pub fn previous(self) -> Self {
        match self {
            Self::Year(y) => Self::Year(y - 1),
            Self::Quarter(y, 1) => Self::Quarter(y - 1, 4),
            Self::Quarter(y, q) => Self::Quarter(y, q - 1),
            Self::Month(y, 1) => Self::Month(y - 1, 12),
            Self::Month(y, m) => Self::Month(y, m - 1),
        }
    }

    /// The periods of each kind that ended most recently before `today`.
    pub fn last_ended(today: NaiveDate) -> [Self; 3] {
        let month = Self::Month(today.year(), today.month()).previous();
        let quarter = Self::Quarter(today.year(), (today.month() - 1) / 3 + 1).previous();
        [month, quarter, Self::Year(today.year() - 1)]
    }

    /// The `n` periods of this kind up to and including this one, oldest first.
    pub fn trail(self, n: usize) -> Vec<Self> {
        let mut out = vec![self];
        let mut p = self;
        for _ in 1..n {
            p = p.previous();
            out.push(p);
        }
        out.reverse();
        out
    }

    /// In Dutch, for pages: "oktober 2026", "3e kwartaal 2026", "2026".
    pub fn dutch(self) -> String {
        const MONTHS: [&str; 12] = MONTHS_NL;
        match self {
            Self::Year(y) => y.to_string(),
            Self::Quarter(y, q) => format!("{q}e kwartaal {y}"),
            Self::Month(y, m) => format!(
                "{} {y}",
                MONTHS.get(m as usize - 1).copied().unwrap_or_default()
            ),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Year(y) => write!(f, "{y}"),
            Self::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Self::Month(y, m) => write!(f, "{y}-{m:02}"),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Where a metric's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Counted from the node's own records.
    Computed,
    /// Entered by hand: kept elsewhere.
    Entered,
    /// Worked out from other figures.
    Derived,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Computed => "computed",
            Self::Entered => "entered",
            Self::Derived => "derived",
        }
    }
}

/// One metric of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    pub key: &'static str,
    pub source: Source,
    /// Counted per bottleneck category.
    pub by_category: bool,
}

const fn m(key: &'static str, source: Source) -> Metric {
    Metric {
        key,
        source,
        by_category: false,
    }
}

/// Every metric a report may carry, in the order pages show them.
pub const METRICS: &[Metric] = &[
    m("members", Source::Computed),
    m("volunteers", Source::Computed),
    m("active_volunteers", Source::Computed),
    m("requests_received", Source::Computed),
    m("requests_matched", Source::Computed),
    m("requests_completed", Source::Computed),
    m("requests_not_worked_out", Source::Computed),
    m("hours", Source::Computed),
    m("activities", Source::Computed),
    m("participants", Source::Computed),
    Metric {
        key: "bottlenecks_open",
        source: Source::Computed,
        by_category: true,
    },
    Metric {
        key: "bottlenecks_solved",
        source: Source::Computed,
        by_category: true,
    },
    m("rides", Source::Entered),
    m("meals", Source::Entered),
    m("visits", Source::Entered),
    m("odd_jobs", Source::Entered),
    m("social_value_eur", Source::Derived),
];

pub fn metric(key: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.key == key)
}

/// The largest count a report may carry: far above any real figure, low
/// enough that sums over a whole country never overflow.
pub const MAX_VALUE: i64 = 1_000_000_000_000;

/// One figure as it travels: its value, or `suppressed` (a count from 1 to
/// 4) with no value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub suppressed: bool,
    /// Rounded to a multiple of 5 before it left the node.
    #[serde(default, skip_serializing_if = "is_false")]
    pub rounded: bool,
    /// Entered by hand, not counted from records.
    #[serde(default, skip_serializing_if = "is_false")]
    pub entered: bool,
}

/// Counts from 1 to this minus one travel as `suppressed`.
pub const THRESHOLD: i64 = 5;

/// The least and the most a figure adds to a total: a suppressed cell is
/// somewhere from 1 to 4; a rounded one within 2 of its value (and never
/// below the threshold, as it would have been suppressed).
pub fn contribution(f: &Figure) -> (i64, i64) {
    match f.value {
        _ if f.suppressed => (1, THRESHOLD - 1),
        Some(v) if f.rounded => ((v - 2).max(THRESHOLD), v + 2),
        Some(v) => (v, v),
        None => (0, 0),
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Why a received figure is not taken.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BadFigure {
    #[error("a figure is not an object")]
    NotAnObject,
    #[error("unknown metric {0:?}")]
    UnknownMetric(String),
    #[error("{0}: the value is not a whole number of at least 0")]
    NotACount(String),
    #[error("{0}: a suppressed figure carries a value")]
    SuppressedWithValue(String),
    #[error("{0}: neither a value nor suppressed")]
    NoValue(String),
    #[error("{0}: a category that is not a plain word")]
    BadCategory(String),
    #[error("{0}: the figure is given twice")]
    Twice(String),
    #[error("too many figures")]
    TooMany,
}

fn plain_word(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 60
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Reads the figures of a received report strictly: every entry must be a
/// known metric with a whole, non-negative value or `suppressed` without
/// one. One bad entry rejects the report.
pub fn read_figures(raw: &[serde_json::Value]) -> Result<Vec<Figure>, BadFigure> {
    if raw.len() > 2_000 {
        return Err(BadFigure::TooMany);
    }
    let mut out: Vec<Figure> = Vec::with_capacity(raw.len());
    for entry in raw {
        let obj = entry.as_object().ok_or(BadFigure::NotAnObject)?;
        let key = obj
            .get("metric")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let metric =
            metric(key).ok_or_else(|| BadFigure::UnknownMetric(key.chars().take(60).collect()))?;
        let category = match obj.get("category") {
            None | Some(serde_json::Value::Null) => None,
            Some(c) => match c.as_str() {
                Some(c) if metric.by_category && plain_word(c) => Some(c.to_owned()),
                _ => return Err(BadFigure::BadCategory(key.into())),
            },
        };
        let flag = |name: &str| obj.get(name).and_then(serde_json::Value::as_bool) == Some(true);
        let suppressed = flag("suppressed");
        let value = match obj.get("value") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => match v.as_i64() {
                Some(n) if (0..=MAX_VALUE).contains(&n) => Some(n),
                _ => return Err(BadFigure::NotACount(key.into())),
            },
        };
        match (suppressed, value) {
            (true, Some(_)) => return Err(BadFigure::SuppressedWithValue(key.into())),
            (false, None) => return Err(BadFigure::NoValue(key.into())),
            _ => {}
        }
        if out
            .iter()
            .any(|f| f.metric == key && f.category == category)
        {
            return Err(BadFigure::Twice(key.into()));
        }
        out.push(Figure {
            metric: key.to_owned(),
            category,
            value,
            suppressed,
            rounded: flag("rounded"),
            entered: flag("entered"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn periods_parse_and_print_the_same() {
        for s in ["2026", "2026-Q3", "2026-10", "2026-01", "2025-Q4"] {
            assert_eq!(Period::parse(s).unwrap().to_string(), s);
        }
        for bad in [
            "",
            "26",
            "2026-13",
            "2026-Q5",
            "2026-1",
            "2026-10-01",
            "oktober",
            "1999",
        ] {
            assert_eq!(Period::parse(bad), Err(BadPeriod), "{bad}");
        }
    }

    #[test]
    fn periods_know_their_days_and_whether_they_ended() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let q4 = Period::parse("2026-Q4").unwrap();
        assert_eq!((q4.start(), q4.end()), (d(2026, 10, 1), d(2027, 1, 1)));
        let dec = Period::parse("2026-12").unwrap();
        assert_eq!(dec.end(), d(2027, 1, 1));
        assert!(!dec.has_ended(d(2026, 12, 31)));
        assert!(dec.has_ended(d(2027, 1, 1)));
        assert_eq!(
            Period::last_ended(d(2027, 1, 5)),
            [
                Period::Month(2026, 12),
                Period::Quarter(2026, 4),
                Period::Year(2026)
            ]
        );
        assert_eq!(
            Period::Month(2026, 2).trail(3),
            vec![
                Period::Month(2025, 12),
                Period::Month(2026, 1),
                Period::Month(2026, 2)
            ]
        );
        assert_eq!(Period::Quarter(2026, 3).dutch(), "3e kwartaal 2026");
    }

    #[test]
    fn suppressed_and_rounded_cells_add_a_range() {
        let f = |value: Option<i64>, suppressed, rounded| Figure {
            metric: "members".into(),
            category: None,
            value,
            suppressed,
            rounded,
            entered: false,
        };
        assert_eq!(contribution(&f(None, true, false)), (1, 4));
        assert_eq!(contribution(&f(Some(10), false, true)), (8, 12));
        assert_eq!(contribution(&f(Some(5), false, true)), (5, 7));
        assert_eq!(contribution(&f(Some(7), false, false)), (7, 7));
    }

    #[test]
    fn received_figures_are_read_strictly() {
        let ok = read_figures(&[
            json!({"metric": "members", "value": 120}),
            json!({"metric": "volunteers", "suppressed": true}),
            json!({"metric": "bottlenecks_open", "category": "vog", "value": 0}),
        ])
        .unwrap();
        assert_eq!(ok.len(), 3);
        assert!(ok[1].suppressed && ok[1].value.is_none());
        let bad = |v: serde_json::Value| read_figures(&[v]).unwrap_err();
        assert!(matches!(
            bad(json!({"metric": "members", "value": -1})),
            BadFigure::NotACount(_)
        ));
        assert!(matches!(
            bad(json!({"metric": "members", "value": 2.5})),
            BadFigure::NotACount(_)
        ));
        assert!(matches!(
            bad(json!({"metric": "members", "value": "12"})),
            BadFigure::NotACount(_)
        ));
        assert!(matches!(
            bad(json!({"metric": "names", "value": 1})),
            BadFigure::UnknownMetric(_)
        ));
        assert!(matches!(
            bad(json!({"metric": "members", "value": 3, "suppressed": true})),
            BadFigure::SuppressedWithValue(_)
        ));
        assert!(matches!(
            bad(json!({"metric": "members"})),
            BadFigure::NoValue(_)
        ));
        assert!(matches!(
            bad(json!({"metric": "members", "category": "vog", "value": 1})),
            BadFigure::BadCategory(_)
        ));
        assert!(matches!(
            read_figures(&[
                json!({"metric": "hours", "value": 1}),
                json!({"metric": "hours", "value": 2})
            ]),
            Err(BadFigure::Twice(_))
        ));
    }
}
