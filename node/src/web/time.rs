//! Times for people: stored in UTC, shown in Europe/Amsterdam.
//!
//! The Netherlands keeps Central European Time (UTC+1) with summer time
//! (UTC+2) from the last Sunday of March, 01:00 UTC, to the last Sunday of
//! October, 01:00 UTC, the EU rule since 1996. That rule is all we need, so
//! no time-zone database is pulled in.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let mut d = first_next - Duration::days(1);
    while d.weekday() != Weekday::Sun {
        d -= Duration::days(1);
    }
    Some(d)
}

/// The offset from UTC in Amsterdam at instant `t`.
/// Today's date in the Netherlands.
pub fn today() -> NaiveDate {
    local_day(Utc::now())
}

pub fn amsterdam_offset(t: DateTime<Utc>) -> Duration {
    let year = t.year();
    let start = last_sunday(year, 3)
        .and_then(|d| d.and_hms_opt(1, 0, 0))
        .map(|n| Utc.from_utc_datetime(&n));
    let end = last_sunday(year, 10)
        .and_then(|d| d.and_hms_opt(1, 0, 0))
        .map(|n| Utc.from_utc_datetime(&n));
    match (start, end) {
        (Some(s), Some(e)) if t >= s && t < e => Duration::hours(2),
        _ => Duration::hours(1),
    }
}

/// `dd-mm-jjjj uu:mm` in Amsterdam time.
pub fn local(t: &DateTime<Utc>) -> String {
    (t.naive_utc() + amsterdam_offset(*t))
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

/// The date in the Netherlands at instant `t`.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    (t + amsterdam_offset(t)).date_naive()
}

/// `dd-mm-jjjj` in Amsterdam time (a UTC date can be a day off at night).
pub fn local_date(t: &DateTime<Utc>) -> String {
    (t.naive_utc() + amsterdam_offset(*t))
        .format("%d-%m-%Y")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn summer_and_winter_time() {
        assert_eq!(local(&at("2026-01-15T12:00:00Z")), "15-01-2026 13:00");
        assert_eq!(local(&at("2026-07-01T12:00:00Z")), "01-07-2026 14:00");
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(local(&at("2026-03-29T00:59:00Z")), "29-03-2026 01:59");
        assert_eq!(local(&at("2026-03-29T01:00:00Z")), "29-03-2026 03:00");
        assert_eq!(local(&at("2026-10-25T00:59:00Z")), "25-10-2026 02:59");
        assert_eq!(local(&at("2026-10-25T01:00:00Z")), "25-10-2026 02:00");
    }
}
