//! Knowledge items on the wire: an `Article` (kennis, oplossing, knelpunt),
//! a `Note` or `Page` (nieuws, oproep, or a question in reply), an `Event`.
//! The same struct is what this node sends and what it reads, so what it
//! reads from Mastodon, Mobilizon or Lemmy is parsed leniently: unknown
//! fields are left, odd shapes of known ones are skipped.

use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::protocol::helpers::{deserialize_one_or_many, deserialize_skip_error};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use url::Url;

use super::id_or::HasId;
use crate::network_items::NetworkItem;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum ItemType {
    Article,
    Note,
    Page,
    Event,
}

impl ItemType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "Article",
            Self::Note => "Note",
            Self::Page => "Page",
            Self::Event => "Event",
        }
    }
}

/// What an item is to a Noaber node (`noaber:itemKind`); other software
/// does not say, and its items count as articles (or events).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Article,
    Update,
    Event,
    Bottleneck,
}

impl ItemKind {
    pub const ALL: [ItemKind; 4] = [Self::Article, Self::Update, Self::Event, Self::Bottleneck];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Update => "update",
            Self::Event => "event",
            Self::Bottleneck => "bottleneck",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A `Hashtag` in `tag`: how themes travel (Mastodon shows them).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Hashtag {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<Url>,
}

/// Markdown source, as Lemmy and others send it beside the HTML.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub content: String,
    pub media_type: String,
}

/// A `Place` for an event (Mobilizon's shape, name only).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Place {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    #[serde(rename = "type")]
    pub kind: ItemType,
    pub id: ObjectId<NetworkItem>,
    #[serde(deserialize_with = "first_id")]
    pub attributed_to: Url,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub cc: Vec<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub source: Option<Source>,
    #[serde(
        default,
        deserialize_with = "first_href",
        skip_serializing_if = "Option::is_none"
    )]
    pub url: Option<Url>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub published: Option<DateTime<FixedOffset>>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated: Option<DateTime<FixedOffset>>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_time: Option<DateTime<FixedOffset>>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_time: Option<DateTime<FixedOffset>>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub location: Option<Place>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub in_reply_to: Option<Url>,
    /// Themes as hashtags; mentions and emoji from other software are
    /// dropped on reading.
    #[serde(
        default,
        deserialize_with = "hashtags",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tag: Vec<Hashtag>,
    #[serde(
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub audience: Option<Url>,
    #[serde(
        rename = "itemKind",
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub item_kind: Option<ItemKind>,
    /// A bottleneck's category, or the bottleneck categories an article
    /// helps with (`noaber:bottleneckCategory`).
    #[serde(
        rename = "bottleneckCategory",
        default,
        deserialize_with = "strings",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub bottleneck_categories: Vec<String>,
    /// A bottleneck's status: `open`, `in_behandeling`, `opgelost`.
    #[serde(
        rename = "bottleneckStatus",
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub bottleneck_status: Option<String>,
    /// Since when the bottleneck is felt (a date).
    #[serde(
        rename = "bottleneckSince",
        default,
        deserialize_with = "deserialize_skip_error",
        skip_serializing_if = "Option::is_none"
    )]
    pub bottleneck_since: Option<chrono::NaiveDate>,
}

impl HasId for Item {
    fn object_id(&self) -> &Url {
        self.id.inner()
    }
}

impl Item {
    /// Addressed to everyone (`as:Public`), not only followers.
    pub fn is_public(&self) -> bool {
        self.to
            .iter()
            .chain(self.cc.iter())
            .any(|u| crate::objects::is_public_address(u.as_str()))
    }

    /// Addressed to everyone or to its author's followers: not a message
    /// meant for someone in particular.
    pub fn is_for_followers_or_public(&self) -> bool {
        self.is_public()
            || self.to.iter().chain(self.cc.iter()).any(|u| {
                super::actor_ref::same_origin(u, &self.attributed_to)
                    && u.path().trim_end_matches('/').ends_with("followers")
            })
    }

    /// What it is to us: the origin's word, else guessed from its type.
    pub fn kind_for_us(&self) -> ItemKind {
        self.item_kind.unwrap_or(match self.kind {
            ItemType::Event => ItemKind::Event,
            ItemType::Note | ItemType::Page => ItemKind::Update,
            ItemType::Article => ItemKind::Article,
        })
    }

    /// Theme names, without `#`.
    pub fn themes(&self) -> Vec<String> {
        self.tag
            .iter()
            .map(|t| t.name.trim_start_matches('#').to_owned())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// `attributedTo` as a URL, a list of URLs, or objects with an `id`
/// (Mobilizon, PeerTube): the first actor named.
fn first_id<'de, D: Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    fn find(v: &Value) -> Option<Url> {
        match v {
            Value::String(s) => Url::parse(s).ok(),
            Value::Array(a) => a.iter().find_map(find),
            Value::Object(o) => o.get("id").and_then(find),
            _ => None,
        }
    }
    let v = Value::deserialize(d)?;
    find(&v).ok_or_else(|| serde::de::Error::custom("attributedTo names no actor"))
}

/// `url` as a string, a `Link`, or a list of them: the first HTML one.
fn first_href<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    fn find(v: &Value) -> Option<Url> {
        match v {
            Value::String(s) => Url::parse(s)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https")),
            Value::Array(a) => a
                .iter()
                .find(|l| {
                    l.get("mediaType")
                        .and_then(Value::as_str)
                        .is_none_or(|m| m == "text/html")
                })
                .and_then(find),
            Value::Object(o) => o.get("href").and_then(find),
            _ => None,
        }
    }
    Ok(find(&Value::deserialize(d)?))
}

fn hashtags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Hashtag>, D::Error> {
    let v = Value::deserialize(d)?;
    let list = match v {
        Value::Array(a) => a,
        one @ Value::Object(_) => vec![one],
        _ => Vec::new(),
    };
    Ok(list
        .into_iter()
        .filter_map(|t| serde_json::from_value::<Hashtag>(t).ok())
        .filter(|t| t.kind == "Hashtag")
        .collect())
}

/// One string or a list of them; anything else is none.
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => vec![s],
        Value::Array(a) => a
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    })
}
