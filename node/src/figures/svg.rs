//! Bar charts drawn on the server as SVG: no JavaScript, a title and a
//! description for screen readers, and the same numbers in a table beside
//! every chart. A range (a total over suppressed cells) shows as a solid
//! bar up to its low end and a light one up to its high end.

use std::fmt::Write;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar: its label and its value (or range).
pub struct Bar {
    pub label: String,
    pub low: i64,
    pub high: i64,
}

/// A vertical bar chart. `id` makes the title and description addressable.
pub fn bars(id: &str, title: &str, description: &str, data: &[Bar]) -> String {
    let (w, h, top, bottom, left) = (640.0_f64, 240.0_f64, 16.0, 40.0, 8.0);
    let max = data.iter().map(|b| b.high).max().unwrap_or(0).max(1) as f64;
    let n = data.len().max(1) as f64;
    let slot = (w - left * 2.0) / n;
    let bar_w = (slot * 0.7).max(2.0);
    let plot = h - top - bottom;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        escape(title),
        escape(description)
    );
    let _ = write!(
        out,
        r##"<line x1="{left}" y1="{y}" x2="{x2}" y2="{y}" stroke="#555" stroke-width="1"/>"##,
        y = h - bottom,
        x2 = w - left
    );
    for (i, b) in data.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let hl = plot * (b.low.max(0) as f64) / max;
        let hh = plot * (b.high.max(0) as f64) / max;
        if hh > hl {
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{:.1}" width="{bar_w:.1}" height="{:.1}" fill="#9ec5e8"/>"##,
                h - bottom - hh,
                hh - hl
            );
        }
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="{:.1}" width="{bar_w:.1}" height="{hl:.1}" fill="#1f5f99"/>"##,
            h - bottom - hl
        );
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#222">{}</text>"##,
            x + bar_w / 2.0,
            h - bottom + 16.0,
            escape(&b.label)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_labelled_and_escapes_its_text() {
        let svg = bars(
            "c1",
            "Leden <per> maand",
            "Van 10 tot 12",
            &[
                Bar {
                    label: "okt".into(),
                    low: 10,
                    high: 10,
                },
                Bar {
                    label: "nov & dec".into(),
                    low: 11,
                    high: 14,
                },
            ],
        );
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("Leden &lt;per&gt; maand"));
        assert!(svg.contains("nov &amp; dec"));
        assert_eq!(svg.matches("<rect").count(), 3);
    }
}
