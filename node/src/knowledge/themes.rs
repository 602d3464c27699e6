//! Themes that knowledge is filed under. The list offered is the one the
//! movement uses; a node may file under a theme of its own too.

/// Themes offered in the forms.
pub const DEFAULT: &[&str] = &[
    "wonen",
    "zorg",
    "welzijn",
    "vervoer",
    "maaltijden",
    "dagbesteding",
    "eenzaamheid",
    "regelgeving",
    "financiering",
    "vrijwilligers",
    "samenwerking gemeente",
    "samenwerking zorgverzekeraar",
    "digitale vaardigheden",
    "mantelzorg",
];

/// Longest theme name.
pub const THEME_CHARS: usize = 40;

/// A theme as stored: trimmed, lower case, single spaces; None when empty,
/// too long, or not made of letters, digits, spaces and hyphens.
pub fn normalize(raw: &str) -> Option<String> {
    let t = raw
        .trim()
        .trim_start_matches('#')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let ok = !t.is_empty()
        && t.chars().count() <= THEME_CHARS
        && t.chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-');
    ok.then_some(t)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn themes_are_normalised_or_refused() {
        assert_eq!(normalize("  #Vervoer ").as_deref(), Some("vervoer"));
        assert_eq!(
            normalize("Samenwerking   gemeente").as_deref(),
            Some("samenwerking gemeente")
        );
        assert_eq!(normalize("<script>"), None);
        assert_eq!(normalize(""), None);
    }
}
