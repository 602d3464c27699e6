//! Dutch formats as people type them and spreadsheets export them: dates,
//! phone numbers, postcodes, yes/no, hours with a decimal comma.

use chrono::{Datelike, NaiveDate};

/// `31-12-2024`, `31/12/2024`, `31.12.2024`, `1-2-24`, `2024-12-31`.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    // ISO only with a four-digit year first; `7-3-24` is day-month-year.
    if s.split('-').next().is_some_and(|y| y.len() == 4)
        && let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
    {
        return Some(d);
    }
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    if parts.len() != 3 {
        return None;
    }
    let day: u32 = parts[0].trim().parse().ok()?;
    let month: u32 = parts[1].trim().parse().ok()?;
    let mut year: i32 = parts[2].trim().parse().ok()?;
    if parts[2].trim().len() == 2 {
        // Two-digit years: the past century for anything after this year.
        let this_year = chrono::Utc::now().year() % 100;
        year += if year > this_year { 1900 } else { 2000 };
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

pub fn format_date(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// `dinsdag 8 december 2026`, as people write a day in a letter.
pub fn long_date(d: NaiveDate) -> String {
    const DAYS: [&str; 7] = [
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
    ];
    const MONTHS: [&str; 12] = noaber_federation::figures::MONTHS_NL;
    let day = DAYS[d.weekday().num_days_from_monday() as usize];
    let month = MONTHS[d.month0() as usize];
    format!("{day} {} {month} {}", d.day(), d.year())
}

/// Normalises a phone number. Dutch numbers become ten digits starting with
/// 0 (`0612345678`); foreign ones keep their `+` and country code.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'))
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    let national = if let Some(rest) = cleaned.strip_prefix("+31") {
        format!("0{}", rest.trim_start_matches('0'))
    } else if let Some(rest) = cleaned.strip_prefix("0031") {
        format!("0{}", rest.trim_start_matches('0'))
    } else if let Some(rest) = cleaned.strip_prefix('+') {
        return (rest.chars().all(|c| c.is_ascii_digit()) && (8..=15).contains(&rest.len()))
            .then(|| format!("+{rest}"));
    } else if cleaned.len() == 9 && cleaned.starts_with('6') {
        // Spreadsheets drop the leading zero of mobile numbers.
        format!("0{cleaned}")
    } else {
        cleaned
    };
    (national.len() == 10
        && national.starts_with('0')
        && national.chars().all(|c| c.is_ascii_digit()))
    .then_some(national)
}

/// `1234AB`, `1234 ab` → `1234 AB`.
pub fn normalize_postcode(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let (digits, letters) = compact.split_at_checked(4)?;
    let ok = digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
        && letters.len() == 2
        && letters.chars().all(|c| c.is_ascii_alphabetic());
    ok.then(|| format!("{digits} {}", letters.to_ascii_uppercase()))
}

pub fn valid_email(raw: &str) -> bool {
    let s = raw.trim();
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
        && s.len() <= 254
}

/// `ja`, `j`, `yes`, `1`, `waar`, `x` → true; `nee`, `n`, `no`, `0`, `` → false.
pub fn parse_yes_no(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "ja" | "j" | "yes" | "y" | "1" | "waar" | "true" | "x" | "on" => Some(true),
        "nee" | "n" | "no" | "0" | "onwaar" | "false" | "" | "off" => Some(false),
        _ => None,
    }
}

/// Hours as typed: `1,5`, `1.5`, `1:30`, `90m` → minutes.
pub fn parse_duration_minutes(raw: &str) -> Option<i32> {
    let s = raw.trim().to_lowercase();
    if s.is_empty() {
        return None;
    }
    if let Some(m) = s.strip_suffix('m') {
        return m.trim().parse().ok();
    }
    if let Some((h, m)) = s.split_once(':') {
        let h: i32 = h.trim().parse().ok()?;
        let m: i32 = m.trim().parse().ok()?;
        return (0..60).contains(&m).then_some(h * 60 + m);
    }
    let hours: f64 = s.replace(',', ".").parse().ok()?;
    hours.is_finite().then(|| (hours * 60.0).round() as i32)
}

/// Minutes as Dutch hours: `90` → `1,5`.
pub fn format_hours(minutes: i64) -> String {
    let whole = minutes / 60;
    let rest = minutes % 60;
    if rest == 0 {
        whole.to_string()
    } else {
        let frac = format!("{:.2}", rest as f64 / 60.0);
        let frac = frac.trim_start_matches('0').trim_end_matches('0');
        format!("{whole}{}", frac.replace('.', ","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_spreadsheets_write_them() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 7).unwrap();
        for s in [
            "07-03-2024",
            "7-3-2024",
            "7/3/2024",
            "07.03.2024",
            "2024-03-07",
            "7-3-24",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("31-02-2024"), None);
        assert_eq!(parse_date("morgen"), None);
        assert_eq!(format_date(d), "07-03-2024");
    }

    #[test]
    fn phone_numbers() {
        for s in [
            "06-12345678",
            "06 1234 5678",
            "+31 6 12345678",
            "0031612345678",
            "612345678",
        ] {
            assert_eq!(normalize_phone(s).as_deref(), Some("0612345678"), "{s}");
        }
        assert_eq!(
            normalize_phone("020-1234567").as_deref(),
            Some("0201234567")
        );
        assert_eq!(
            normalize_phone("+49 30 1234567").as_deref(),
            Some("+49301234567")
        );
        assert_eq!(normalize_phone("12345"), None);
        assert_eq!(normalize_phone("bel mij"), None);
    }

    #[test]
    fn postcodes_emails_and_yes_no() {
        assert_eq!(normalize_postcode("1234ab").as_deref(), Some("1234 AB"));
        assert_eq!(normalize_postcode("0123 AB"), None);
        assert_eq!(normalize_postcode("1234 A"), None);
        assert!(valid_email("annie@example.nl"));
        assert!(!valid_email("annie@"));
        assert!(!valid_email("annie example.nl"));
        assert_eq!(parse_yes_no("Ja"), Some(true));
        assert_eq!(parse_yes_no(""), Some(false));
        assert_eq!(parse_yes_no("misschien"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_minutes("1,5"), Some(90));
        assert_eq!(parse_duration_minutes("1:30"), Some(90));
        assert_eq!(parse_duration_minutes("45m"), Some(45));
        assert_eq!(parse_duration_minutes("2"), Some(120));
        assert_eq!(parse_duration_minutes("veel"), None);
        assert_eq!(format_hours(90), "1,5");
        assert_eq!(format_hours(120), "2");
        assert_eq!(format_hours(80), "1,33");
    }
}
