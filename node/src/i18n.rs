//! Interface strings in Dutch (the default) and English.
//!
//! The strings live in `locales/*.toml`, flat `key = "text"`, compiled into
//! the binary. Templates and error messages ask for a key; a key missing from
//! a locale falls back to Dutch, and a test keeps both files in step.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Nl,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::Nl => "nl",
            Self::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "nl" => Some(Self::Nl),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// Picks a language from an `Accept-Language` header: English only when
    /// the client prefers it over Dutch.
    pub fn from_accept_language(header: &str) -> Self {
        for part in header.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(lang) = Self::from_code(primary) {
                return lang;
            }
        }
        Self::Nl
    }
}

type Table = HashMap<String, String>;

fn parse(source: &str) -> Table {
    // The files are part of the binary and checked by a unit test, so a parse
    // failure here can only come from a broken build; fall back to no strings.
    match source.parse::<toml::Table>() {
        Ok(t) => t
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
            .collect(),
        Err(_) => Table::new(),
    }
}

static NL: LazyLock<Table> = LazyLock::new(|| parse(include_str!("../locales/nl.toml")));
static EN: LazyLock<Table> = LazyLock::new(|| parse(include_str!("../locales/en.toml")));

/// The text for `key` in `lang`; the key itself when no locale has it, so a
/// forgotten string shows up visibly instead of as an empty space.
pub fn text(lang: Lang, key: &str) -> &'static str {
    let primary = match lang {
        Lang::Nl => &*NL,
        Lang::En => &*EN,
    };
    primary
        .get(key)
        .or_else(|| NL.get(key))
        .map(String::as_str)
        .unwrap_or_else(|| missing(key))
}

fn missing(key: &str) -> &'static str {
    // Leaking is bounded: keys are compile-time strings from our own code.
    static SEEN: LazyLock<std::sync::Mutex<HashMap<String, &'static str>>> =
        LazyLock::new(Default::default);
    let Ok(mut seen) = SEEN.lock() else {
        return "?";
    };
    seen.entry(key.to_owned())
        .or_insert_with(|| Box::leak(key.to_owned().into_boxed_str()))
}

/// A translator bound to one language, handed to templates.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn t(&self, key: &str) -> &'static str {
        text(self.0, key)
    }

    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_parse_and_have_the_same_keys() {
        let nl: toml::Table = include_str!("../locales/nl.toml").parse().unwrap();
        let en: toml::Table = include_str!("../locales/en.toml").parse().unwrap();
        let mut only_nl: Vec<_> = nl.keys().filter(|k| !en.contains_key(*k)).collect();
        let mut only_en: Vec<_> = en.keys().filter(|k| !nl.contains_key(*k)).collect();
        only_nl.sort();
        only_en.sort();
        assert!(only_nl.is_empty(), "missing in en.toml: {only_nl:?}");
        assert!(only_en.is_empty(), "missing in nl.toml: {only_en:?}");
        assert!(nl.len() > 20);
    }

    #[test]
    fn accept_language_prefers_dutch_unless_english_comes_first() {
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,nl;q=0.8"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("nl-NL,en;q=0.5"), Lang::Nl);
        assert_eq!(Lang::from_accept_language("de-DE"), Lang::Nl);
    }
}
