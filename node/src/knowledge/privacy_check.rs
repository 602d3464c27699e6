//! The privacy check before anything leaves the node: text written for the
//! network is scanned for what identifies a person (phone numbers, e-mail
//! addresses, a postcode with a house number, IBANs, numbers that pass the
//! BSN eleven-test, and the full names of the node's own members). Each
//! hit is shown where it is; the writer fixes it or confirms it on purpose.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use utoipa::ToSchema;

/// What kind of personal detail a hit looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Phone,
    Email,
    PostcodeHouseNumber,
    Iban,
    Bsn,
    MemberName,
}

impl HitKind {
    /// The locale key of its description.
    pub fn label(self) -> &'static str {
        match self {
            Self::Phone => "privacy.phone",
            Self::Email => "privacy.email",
            Self::PostcodeHouseNumber => "privacy.postcode",
            Self::Iban => "privacy.iban",
            Self::Bsn => "privacy.bsn",
            Self::MemberName => "privacy.member_name",
        }
    }
}

/// One place in one field that looks like personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Hit {
    pub field: &'static str,
    pub kind: HitKind,
    /// The text found.
    pub text: String,
    /// Byte offsets in the field.
    pub start: usize,
    pub end: usize,
}

fn re(pattern: &str) -> Regex {
    // The patterns are fixed and compiled by the tests below: a broken one
    // cannot reach a release.
    match Regex::new(pattern) {
        Ok(r) => r,
        Err(e) => panic!("privacy check pattern: {e}"),
    }
}

static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:(?:\+|00)31[\s.\-]?(?:\(0\)[\s.\-]?)?[1-9](?:[\s.\-]?\d){8}|\(?\b0[1-9](?:\)?[\s.\-/]{0,2}\d){8})\b",
    )
});
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"));
static POSTCODE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b[1-9]\d{3}\s?[A-Z]{2}[\s,]+\d{1,5}[a-zA-Z]?\b|\b[A-Za-z]+\s\d{1,5}[a-zA-Z]?,?\s+[1-9]\d{3}\s?[A-Z]{2}\b",
    )
});
static IBAN: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b[A-Z]{2}[0-9]{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b"));
static NINE_DIGITS: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b[0-9]{3}[.\s]?[0-9]{3}[.\s]?[0-9]{3}\b"));

/// The mod-97 check every IBAN passes.
fn iban_valid(raw: &str) -> bool {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() < 15 || s.len() > 34 {
        return false;
    }
    if !s.is_ascii() {
        return false;
    }
    let (head, tail) = s.split_at(4);
    let mut rem: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let v = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// The BSN eleven-test: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of 11.
pub fn passes_eleven_test(raw: &str) -> bool {
    let digits: Vec<i64> = raw
        .chars()
        .filter_map(|c| c.to_digit(10).map(i64::from))
        .collect();
    if digits.len() != 9 || digits.iter().all(|d| *d == 0) {
        return false;
    }
    let sum: i64 = digits[..8]
        .iter()
        .zip((2..=9).rev())
        .map(|(d, w)| d * w)
        .sum::<i64>()
        - digits[8];
    sum % 11 == 0
}

/// Lower case without accents, with the byte offset in the original of
/// every folded character, so hits point into the text as written.
fn fold_with_offsets(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut offsets = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        // Any run of white space (a line break, a no-break space, two
        // spaces) counts as one space, as in the folded names.
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
                offsets.push(i);
            }
            continue;
        }
        for f in fold_char(c).chars() {
            out.push(f);
            offsets.extend(std::iter::repeat_n(i, f.len_utf8()));
        }
    }
    offsets.push(text.len());
    (out, offsets)
}

fn fold_char(c: char) -> String {
    let base = match c {
        'á' | 'à' | 'ä' | 'â' | 'ã' | 'å' | 'Á' | 'À' | 'Ä' | 'Â' => 'a',
        'é' | 'è' | 'ë' | 'ê' | 'É' | 'È' | 'Ë' | 'Ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' | 'Í' | 'Ì' | 'Ï' | 'Î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' | 'õ' | 'Ó' | 'Ò' | 'Ö' | 'Ô' => 'o',
        'ú' | 'ù' | 'ü' | 'û' | 'Ú' | 'Ù' | 'Ü' | 'Û' => 'u',
        'ç' | 'Ç' => 'c',
        'ñ' | 'Ñ' => 'n',
        'ÿ' | 'ý' => 'y',
        other => other,
    };
    base.to_lowercase().collect()
}

/// Folded for comparing names: lower case, no accents, single spaces.
pub fn fold(text: &str) -> String {
    let (f, _) = fold_with_offsets(text);
    f.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Scans one field. `names` are the folded full names of the node's own
/// members (two words or more).
pub fn scan(field: &'static str, text: &str, names: &[String]) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut push = |kind, start: usize, end: usize| {
        if !hits
            .iter()
            .any(|h: &Hit| h.start < end && start < h.end && h.field == field)
        {
            hits.push(Hit {
                field,
                kind,
                text: text[start..end].to_owned(),
                start,
                end,
            });
        }
    };
    for m in EMAIL.find_iter(text) {
        push(HitKind::Email, m.start(), m.end());
    }
    for m in IBAN.find_iter(text) {
        if iban_valid(m.as_str()) {
            push(HitKind::Iban, m.start(), m.end());
        }
    }
    for m in NINE_DIGITS.find_iter(text) {
        if passes_eleven_test(m.as_str()) {
            push(HitKind::Bsn, m.start(), m.end());
        }
    }
    for m in PHONE.find_iter(text) {
        push(HitKind::Phone, m.start(), m.end());
    }
    for m in POSTCODE_NUMBER.find_iter(text) {
        push(HitKind::PostcodeHouseNumber, m.start(), m.end());
    }
    if !names.is_empty() {
        let (folded, offsets) = fold_with_offsets(text);
        for name in names {
            let mut from = 0;
            while let Some(pos) = folded[from..].find(name.as_str()) {
                let s = from + pos;
                let e = s + name.len();
                let boundary = |i: Option<char>| i.is_none_or(|c| !c.is_alphanumeric());
                if boundary(folded[..s].chars().next_back()) && boundary(folded[e..].chars().next())
                {
                    push(HitKind::MemberName, offsets[s], offsets[e]);
                }
                from = e;
            }
        }
    }
    hits.sort_by_key(|h| h.start);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(HitKind, String)> {
        scan("body", text, &[fold("Renée de Vries")])
            .into_iter()
            .map(|h| (h.kind, h.text))
            .collect()
    }

    #[test]
    fn each_kind_of_personal_detail_is_found() {
        let k = kinds("Bel 06-12345678 of mail a.jansen@example.nl.");
        assert_eq!(k[0], (HitKind::Phone, "06-12345678".into()));
        assert_eq!(k[1], (HitKind::Email, "a.jansen@example.nl".into()));
        assert_eq!(kinds("Bel 020 123 45 67")[0].0, HitKind::Phone);
        assert_eq!(kinds("of +31 6 1234 5678")[0].0, HitKind::Phone);
        assert_eq!(kinds("tel. (0521) 123456")[0].0, HitKind::Phone);
        assert_eq!(
            kinds("Adres: 1234 AB 12")[0],
            (HitKind::PostcodeHouseNumber, "1234 AB 12".into())
        );
        assert_eq!(
            kinds("Dorpsstraat 12, 7941 AB Meppel")[0].0,
            HitKind::PostcodeHouseNumber
        );
        assert_eq!(
            kinds("Rekening NL91 ABNA 0417 1643 00")[0],
            (HitKind::Iban, "NL91 ABNA 0417 1643 00".into())
        );
        assert_eq!(
            kinds("BSN 111222333")[0],
            (HitKind::Bsn, "111222333".into())
        );
        assert_eq!(
            kinds("hielp Renée\nde  Vries")[0].0,
            HitKind::MemberName,
            "a line break or two spaces inside the name"
        );
        assert!(kinds("NL९१ABNA0417164300 en NL９１ABNA0417164300").is_empty());
        let names = kinds("Gisteren hielp renee de vries met boodschappen");
        assert_eq!(names[0], (HitKind::MemberName, "renee de vries".into()));
        assert_eq!(
            kinds("RENÉE DE VRIES komt")[0],
            (HitKind::MemberName, "RENÉE DE VRIES".into())
        );
    }

    #[test]
    fn clean_text_passes() {
        for clean in [
            "Wij zetten 12 vrijwilligers in voor 340 ritten per jaar in 2025.",
            "Postcodegebied 7941 doet mee; bel het algemene nummer van de gemeente.",
            "Een IBAN-achtige code NL00 XXXX 0000 0000 00 telt niet.",
            "Het getal 123456789 haalt de elfproef niet.",
            "De Vries is een veel voorkomende achternaam.",
        ] {
            assert!(kinds(clean).is_empty(), "{clean}: {:?}", kinds(clean));
        }
    }

    #[test]
    fn the_eleven_test() {
        assert!(passes_eleven_test("111222333"));
        assert!(passes_eleven_test("123456782"));
        assert!(!passes_eleven_test("123456789"));
        assert!(!passes_eleven_test("000000000"));
    }
}
