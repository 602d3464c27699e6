//! The privacy boundary as a type: the node hands this crate closed values,
//! never free JSON, and each becomes one wire object with a fixed set of
//! keys. Nothing a node keeps about a person has a field here.

use chrono::{DateTime, NaiveDate, Utc};
use url::Url;

use crate::figures::{Figure, Period};
use crate::protocol::item::{Hashtag, Item, ItemKind, ItemType, Place, Source};
use crate::protocol::report::{ImpactReport, ReportType};
use crate::sanitize;

/// A knowledge article: a solution, an experience, a how-to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleDraft {
    pub title: String,
    pub summary: String,
    /// The body as written (Markdown).
    pub markdown: String,
    /// The body rendered; cleaned again on the way out.
    pub html: String,
    pub themes: Vec<String>,
    /// The bottleneck categories it helps with.
    pub categories: Vec<String>,
    /// Its page for people (Mastodon links to it).
    pub url: Url,
}

/// News or a call (nieuws, oproep) from a network to its followers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateDraft {
    pub title: String,
    pub markdown: String,
    pub html: String,
    pub url: Url,
}

/// A meeting, training or open day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDraft {
    pub title: String,
    pub summary: String,
    pub markdown: String,
    pub html: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// A place name ("Buurthuis De Linde"), never a home address.
    pub location: Option<String>,
    pub url: Url,
}

/// A bottleneck the initiative runs into (knelpunt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BottleneckDraft {
    pub title: String,
    pub category: String,
    pub markdown: String,
    pub html: String,
    /// `open`, `in_behandeling`, `opgelost`.
    pub status: String,
    pub since: Option<NaiveDate>,
    pub url: Url,
}

/// A disclosed figures report: counts only, after suppression, for one
/// period. Always followers-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDraft {
    pub period: Period,
    pub figures: Vec<Figure>,
    /// May a regional node pass it on to the national network.
    pub forwardable: bool,
    /// For a period that has not ended yet.
    pub provisional: bool,
    /// The initiative's public impact page.
    pub url: Url,
}

/// Everything a node can publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publication {
    Article(ArticleDraft),
    Update(UpdateDraft),
    Event(EventDraft),
    Bottleneck(BottleneckDraft),
    ImpactReport(ReportDraft),
}

/// A publication in its wire form.
pub enum Wire {
    Item(Box<Item>),
    Report(Box<ImpactReport>),
}

impl Wire {
    /// Its ActivityStreams type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Item(i) => i.kind.as_str(),
            Self::Report(_) => "ImpactReport",
        }
    }

    pub fn to_value(&self) -> serde_json::Result<serde_json::Value> {
        match self {
            Self::Item(i) => serde_json::to_value(i),
            Self::Report(r) => serde_json::to_value(r),
        }
    }
}

/// Where an object is addressed and when.
pub struct Envelope {
    pub id: Url,
    pub attributed_to: Url,
    pub to: Vec<Url>,
    pub cc: Vec<Url>,
    pub published: DateTime<Utc>,
    pub updated: Option<DateTime<Utc>>,
}

fn hashtags(themes: &[String], base: &Url) -> Vec<Hashtag> {
    themes
        .iter()
        .map(|t| Hashtag {
            kind: "Hashtag".into(),
            name: format!("#{}", t.replace(' ', "_")),
            href: base.join(&format!("/kennis?thema={t}")).ok(),
        })
        .collect()
}

impl Publication {
    /// What it is as a knowledge item; a report is none.
    pub fn kind(&self) -> Option<ItemKind> {
        match self {
            Self::Article(_) => Some(ItemKind::Article),
            Self::Update(_) => Some(ItemKind::Update),
            Self::Event(_) => Some(ItemKind::Event),
            Self::Bottleneck(_) => Some(ItemKind::Bottleneck),
            Self::ImpactReport(_) => None,
        }
    }

    /// The wire object.
    pub fn to_wire(&self, env: Envelope) -> Wire {
        match self {
            Self::ImpactReport(r) => Wire::Report(Box::new(ImpactReport {
                kind: ReportType::ImpactReport,
                id: env.id,
                attributed_to: env.attributed_to,
                to: env.to,
                cc: env.cc,
                period: r.period.to_string(),
                start_time: Some(r.period.start().to_string()),
                end_time: Some(r.period.end().to_string()),
                figures: r
                    .figures
                    .iter()
                    .filter_map(|f| serde_json::to_value(f).ok())
                    .collect(),
                forwardable: r.forwardable,
                provisional: r.provisional,
                published: Some(env.published.fixed_offset()),
                updated: env.updated.map(|u| u.fixed_offset()),
                url: Some(r.url.clone()),
            })),
            _ => Wire::Item(Box::new(self.to_item(env))),
        }
    }

    fn to_item(&self, env: Envelope) -> Item {
        let mut item = Item {
            kind: ItemType::Article,
            id: env.id.clone().into(),
            attributed_to: env.attributed_to.clone(),
            to: env.to,
            cc: env.cc,
            name: None,
            summary: None,
            content: None,
            media_type: Some("text/html".into()),
            source: None,
            url: None,
            published: Some(env.published.fixed_offset()),
            updated: env.updated.map(|u| u.fixed_offset()),
            start_time: None,
            end_time: None,
            location: None,
            in_reply_to: None,
            tag: Vec::new(),
            audience: None,
            item_kind: self.kind(),
            bottleneck_categories: Vec::new(),
            bottleneck_status: None,
            bottleneck_since: None,
        };
        let source = |md: &str| {
            Some(Source {
                content: md.to_owned(),
                media_type: "text/markdown".into(),
            })
        };
        match self {
            Self::Article(a) => {
                item.name = Some(a.title.clone());
                item.summary = Some(a.summary.clone()).filter(|s| !s.is_empty());
                item.content = Some(sanitize::clean_html(&a.html));
                item.source = source(&a.markdown);
                item.url = Some(a.url.clone());
                item.tag = hashtags(&a.themes, &env.attributed_to);
                item.bottleneck_categories = a.categories.clone();
            }
            Self::Update(u) => {
                item.kind = ItemType::Page;
                item.name = Some(u.title.clone());
                item.content = Some(sanitize::clean_html(&u.html));
                item.source = source(&u.markdown);
                item.url = Some(u.url.clone());
            }
            Self::Event(e) => {
                item.kind = ItemType::Event;
                item.name = Some(e.title.clone());
                item.summary = Some(e.summary.clone()).filter(|s| !s.is_empty());
                item.content = Some(sanitize::clean_html(&e.html));
                item.source = source(&e.markdown);
                item.url = Some(e.url.clone());
                item.start_time = Some(e.start.fixed_offset());
                item.end_time = e.end.map(|t| t.fixed_offset());
                item.location = e.location.clone().map(|name| Place {
                    kind: "Place".into(),
                    name: Some(name),
                });
            }
            Self::Bottleneck(b) => {
                item.name = Some(b.title.clone());
                item.content = Some(sanitize::clean_html(&b.html));
                item.source = source(&b.markdown);
                item.url = Some(b.url.clone());
                item.bottleneck_categories = vec![b.category.clone()];
                item.bottleneck_status = Some(b.status.clone());
                item.bottleneck_since = b.since;
            }
            // Built by `to_wire`; never an item.
            Self::ImpactReport(_) => {}
        }
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|_| unreachable!())
    }

    fn envelope() -> Envelope {
        Envelope {
            id: url("https://zuid.example/objects/1"),
            attributed_to: url("https://zuid.example/actor"),
            to: vec![url(crate::objects::PUBLIC)],
            cc: vec![url("https://zuid.example/followers")],
            published: Utc::now(),
            updated: Some(Utc::now()),
        }
    }

    const COMMON: &[&str] = &[
        "id",
        "type",
        "attributedTo",
        "to",
        "cc",
        "name",
        "summary",
        "content",
        "mediaType",
        "source",
        "url",
        "published",
        "updated",
        "itemKind",
    ];

    fn keys_of(p: &Publication) -> Vec<String> {
        let v = p.to_wire(envelope()).to_value().unwrap_or(Value::Null);
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn assert_only(p: &Publication, extra: &[&str]) {
        let keys = keys_of(p);
        assert!(!keys.is_empty());
        for k in &keys {
            assert!(
                COMMON.contains(&k.as_str()) || extra.contains(&k.as_str()),
                "{k} is not an allowed key of {:?}",
                p.kind()
            );
        }
    }

    fn md() -> (String, String) {
        (
            "Zo **deden** wij het".into(),
            "<p>Zo <strong>deden</strong> wij het</p><script>x()</script>".into(),
        )
    }

    #[test]
    fn an_article_has_only_allowed_keys_and_no_script() {
        let (markdown, html) = md();
        let p = Publication::Article(ArticleDraft {
            title: "Vervoer met vrijwilligers".into(),
            summary: "Zo regelden we het".into(),
            markdown,
            html,
            themes: vec!["vervoer".into()],
            categories: vec!["vervoer".into()],
            url: url("https://zuid.example/kennis/artikel/1"),
        });
        assert_only(&p, &["tag", "bottleneckCategory"]);
        let Wire::Item(item) = p.to_wire(envelope()) else {
            unreachable!()
        };
        assert!(!item.content.unwrap_or_default().contains("script"));
        assert_eq!(item.tag[0].name, "#vervoer");
    }

    #[test]
    fn an_update_has_only_allowed_keys() {
        let (markdown, html) = md();
        assert_only(
            &Publication::Update(UpdateDraft {
                title: "Oproep".into(),
                markdown,
                html,
                url: url("https://zuid.example/kennis/artikel/2"),
            }),
            &[],
        );
    }

    #[test]
    fn an_event_has_only_allowed_keys() {
        let (markdown, html) = md();
        assert_only(
            &Publication::Event(EventDraft {
                title: "Regiodag".into(),
                summary: String::new(),
                markdown,
                html,
                start: Utc::now(),
                end: Some(Utc::now()),
                location: Some("Buurthuis De Linde".into()),
                url: url("https://zuid.example/kennis/artikel/3"),
            }),
            &["startTime", "endTime", "location"],
        );
    }

    #[test]
    fn a_report_has_only_allowed_keys_and_no_suppressed_value() {
        let p = Publication::ImpactReport(ReportDraft {
            period: Period::parse("2026-10").unwrap_or(Period::Year(2026)),
            figures: vec![
                Figure {
                    metric: "members".into(),
                    category: None,
                    value: Some(120),
                    suppressed: false,
                    rounded: false,
                    entered: false,
                },
                Figure {
                    metric: "volunteers".into(),
                    category: None,
                    value: None,
                    suppressed: true,
                    rounded: false,
                    entered: false,
                },
            ],
            forwardable: true,
            provisional: false,
            url: url("https://zuid.example/impact"),
        });
        assert!(p.kind().is_none());
        let v = p.to_wire(envelope()).to_value().unwrap_or(Value::Null);
        let allowed = [
            "id",
            "type",
            "attributedTo",
            "to",
            "cc",
            "period",
            "startTime",
            "endTime",
            "figures",
            "forwardable",
            "provisional",
            "published",
            "updated",
            "url",
        ];
        let keys: Vec<&String> = v
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert!(!keys.is_empty());
        for k in keys {
            assert!(allowed.contains(&k.as_str()), "{k} is not an allowed key");
        }
        assert_eq!(v["type"], "ImpactReport");
        assert_eq!(
            v["figures"][1],
            serde_json::json!({"metric": "volunteers", "suppressed": true})
        );
        for f in v["figures"].as_array().into_iter().flatten() {
            let keys: Vec<&String> = f
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            for k in keys {
                assert!(
                    [
                        "metric",
                        "category",
                        "value",
                        "suppressed",
                        "rounded",
                        "entered"
                    ]
                    .contains(&k.as_str())
                );
            }
        }
    }

    #[test]
    fn a_bottleneck_has_only_allowed_keys() {
        let (markdown, html) = md();
        assert_only(
            &Publication::Bottleneck(BottleneckDraft {
                title: "VOG voor chauffeurs".into(),
                category: "vog".into(),
                markdown,
                html,
                status: "open".into(),
                since: NaiveDate::from_ymd_opt(2026, 3, 1),
                url: url("https://zuid.example/kennis/artikel/4"),
            }),
            &["bottleneckCategory", "bottleneckStatus", "bottleneckSince"],
        );
    }
}
