//! Article bodies are written in Markdown and shown as HTML: rendered with
//! CommonMark (plus tables and strikethrough), then cleaned by the same
//! allow-list as HTML that arrives from other servers.

use pulldown_cmark::{Options, Parser, html};

pub fn to_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(markdown, options));
    noaber_federation::sanitize::clean_html(&out)
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn markdown_renders_without_scripts_or_remote_images() {
        let html = to_html(
            "# Kop\n\nTekst met **nadruk** en [een link](https://zorg.example/).\n\n\
             <script>alert(1)</script>\n\n[klik](javascript:alert(1))\n\n\
             ![foto](https://tracker.example/p.png)\n\n<p onmouseover=\"x()\">hallo</p>",
        );
        assert!(html.contains("<strong>nadruk</strong>"), "{html}");
        assert!(html.contains(r#"href="https://zorg.example/""#), "{html}");
        for bad in [
            "<script",
            "javascript:",
            "<img",
            "onmouseover",
            "tracker.example",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }
}
