//! HTML that arrives from other servers, and HTML rendered from our own
//! Markdown, is cleaned by one allow-list before it is stored or shown: no
//! script, style, event handlers, `javascript:` links or remote images.

use std::collections::HashSet;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "a",
            "p",
            "br",
            "ul",
            "ol",
            "li",
            "strong",
            "em",
            "b",
            "i",
            "blockquote",
            "code",
            "pre",
            "h2",
            "h3",
            "h4",
            "hr",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
        ]
        .into_iter()
        .collect();
        let mut b = ammonia::Builder::default();
        b.tags(tags)
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .link_rel(Some("noopener noreferrer nofollow ugc"))
            .clean_content_tags(["script", "style"].into_iter().collect());
        b
    })
}

/// The HTML with only the allowed tags and attributes left.
pub fn clean_html(html: &str) -> String {
    cleaner().clean(html).to_string()
}

/// Text without tags, for search and for short previews.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            // Control characters (NUL among them, which PostgreSQL refuses
            // in text) become spaces.
            c if !in_tag && c.is_control() => out.push(' '),
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain text from a field that should hold none (titles, names).
pub fn plain_line(text: &str, max_chars: usize) -> String {
    plain_text(text).chars().take(max_chars).collect()
}

/// The Dutch stems of the words in `text`, lower-cased and without
/// accents' influence on matching, for the SQLite full-text index.
pub fn dutch_stems(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::Dutch);
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| stemmer.stem(&w.to_lowercase()).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_styles_handlers_and_remote_images_are_removed() {
        let dirty = r#"<p onclick="steal()">Hallo <script>alert(1)</script><style>p{}</style><img src="https://tracker.example/x.png"><a href="javascript:alert(1)">klik</a> <a href="https://zorg.example/">goed</a></p>"#;
        let clean = clean_html(dirty);
        for bad in [
            "script",
            "style",
            "onclick",
            "img",
            "javascript",
            "alert",
            "p{}",
        ] {
            assert!(!clean.contains(bad), "{bad} in {clean}");
        }
        assert!(clean.contains(r#"href="https://zorg.example/""#), "{clean}");
        assert!(clean.contains("Hallo"));
    }

    #[test]
    fn inflected_dutch_words_share_a_stem() {
        assert_eq!(dutch_stems("vrijwilligers"), dutch_stems("vrijwilliger"));
        assert_eq!(dutch_stems("Maaltijden"), dutch_stems("maaltijd"));
        assert_eq!(plain_text("<p>Een &amp; <b>twee</b></p>"), "Een & twee");
    }
}
