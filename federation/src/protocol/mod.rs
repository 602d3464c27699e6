//! The typed wire vocabulary: one file per activity and object type, each
//! a serde struct with its behaviour beside it, through the
//! activitypub_federation crate's `Activity` and `Object` traits (`verify`
//! reads and decides, `receive` writes).
//!
//! The inbox checks the signature and the origins first (its own faster
//! path: the library has no hook for it), then hands the activity to
//! [`InboxActivity`], which picks the type by trying each in turn; what
//! matches none is acknowledged and ignored.

pub mod accept;
pub mod actor_ref;
pub mod announce;
pub mod create;
pub mod delete;
pub mod follow;
pub mod id_or;
pub mod item;
pub mod like;
pub mod reject;
pub mod report;
pub mod undo;
pub mod unknown;
pub mod update;

use activitypub_federation::config::Data;
use activitypub_federation::traits::Activity;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{Error, Federation, Result};

/// Every activity the inbox reads; the catch-all is last.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum InboxActivity {
    Follow(follow::Follow),
    Accept(accept::Accept),
    Reject(reject::Reject),
    Undo(undo::Undo),
    /// Before `Create` and `Update`: a figures report is not an item.
    Report(Box<report::ReportActivity>),
    Create(Box<create::Create>),
    Update(Box<update::Update>),
    Delete(delete::Delete),
    Announce(Box<announce::Announce>),
    Like(like::Like),
    Other(unknown::Unknown),
}

macro_rules! each {
    ($self:expr, $a:ident => $e:expr) => {
        match $self {
            InboxActivity::Follow($a) => $e,
            InboxActivity::Accept($a) => $e,
            InboxActivity::Reject($a) => $e,
            InboxActivity::Undo($a) => $e,
            InboxActivity::Report($a) => $e,
            InboxActivity::Create($a) => $e,
            InboxActivity::Update($a) => $e,
            InboxActivity::Delete($a) => $e,
            InboxActivity::Announce($a) => $e,
            InboxActivity::Like($a) => $e,
            InboxActivity::Other($a) => $e,
        }
    };
}

#[async_trait::async_trait]
impl Activity for InboxActivity {
    type DataType = Federation;
    type Error = Error;

    fn id(&self) -> &Url {
        each!(self, a => a.id())
    }

    fn actor(&self) -> &Url {
        each!(self, a => a.actor())
    }

    async fn verify(&self, data: &Data<Federation>) -> Result<()> {
        each!(self, a => a.verify(data).await)
    }

    async fn receive(self, data: &Data<Federation>) -> Result<()> {
        each!(self, a => a.receive(data).await)
    }
}

/// Reads an activity that passed the inbox's checks.
pub fn parse(activity: serde_json::Value) -> Result<InboxActivity> {
    serde_json::from_value(activity)
        .map_err(|_| Error::BadActivity("not an activity we can read".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fixtures(kind: &str) -> Vec<(String, Value)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/fixtures/fediverse");
        if !root.exists() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "fixtures missing at {}",
                root.display()
            );
            eprintln!("SKIPPED: no fixtures at {}", root.display());
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.to_string_lossy().contains(&format!("/{kind}/"))
                    && path.extension().is_some_and(|e| e == "json")
                {
                    let doc = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    out.push((path.display().to_string(), doc));
                }
            }
        }
        out
    }

    fn variant(a: &InboxActivity) -> &'static str {
        match a {
            InboxActivity::Follow(_) => "Follow",
            InboxActivity::Accept(_) => "Accept",
            InboxActivity::Reject(_) => "Reject",
            InboxActivity::Undo(_) => "Undo",
            InboxActivity::Report(_) => "Report",
            InboxActivity::Create(_) => "Create",
            InboxActivity::Update(_) => "Update",
            InboxActivity::Delete(_) => "Delete",
            InboxActivity::Announce(_) => "Announce",
            InboxActivity::Like(_) => "Like",
            InboxActivity::Other(_) => "Other",
        }
    }

    /// What each fixture must become: the type it is where Noaber reads
    /// that type and shape, the catch-all where it does not.
    fn expected(doc: &Value) -> &'static str {
        let object_type = doc["object"]["type"].as_str();
        match doc["type"].as_str() {
            Some("Follow") => "Follow",
            Some("Accept") => "Accept",
            Some("Reject") => "Reject",
            // An Undo of a follow or a like; of anything else it is ignored.
            Some("Undo") => match object_type {
                Some("Follow" | "Like") => "Undo",
                _ => "Other",
            },
            Some("Create") => match object_type {
                Some("Note" | "Article" | "Page" | "Event") => "Create",
                _ => "Other",
            },
            Some("Update") => "Update",
            Some("Delete") => "Delete",
            Some("Announce") => match &doc["object"] {
                Value::String(_) => "Announce",
                o if matches!(o["type"].as_str(), Some("Create" | "Update" | "Delete")) => {
                    "Announce"
                }
                _ => "Other",
            },
            Some("Like") => "Like",
            _ => "Other",
        }
    }

    #[test]
    fn every_fixture_activity_is_read_as_its_type_or_ignored_cleanly() {
        let all = fixtures("activities");
        if all.is_empty() {
            return;
        }
        let mut typed = 0;
        for (path, doc) in all {
            // Without an actor it is no activity: the inbox refuses it first.
            if doc.get("actor").is_none() {
                assert!(parse(doc).is_err(), "{path}");
                continue;
            }
            let parsed = parse(doc.clone()).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(variant(&parsed), expected(&doc), "{path}");
            if variant(&parsed) != "Other" {
                typed += 1;
            }
        }
        assert!(typed >= 20, "only {typed} fixtures were read as a type");
    }

    #[test]
    fn every_fixture_object_of_a_type_we_read_parses_as_an_item() {
        let all = fixtures("objects");
        if all.is_empty() {
            return;
        }
        let mut items = 0;
        for (path, doc) in all {
            let parsed = serde_json::from_value::<item::Item>(doc.clone());
            let ours = matches!(
                doc["type"].as_str(),
                Some("Note" | "Article" | "Page" | "Event")
            );
            if ours {
                let item = parsed.unwrap_or_else(|e| panic!("{path}: {e}"));
                assert_eq!(
                    Some(item.id.inner()),
                    doc["id"]
                        .as_str()
                        .and_then(|i| url::Url::parse(i).ok())
                        .as_ref(),
                    "{path}"
                );
                items += 1;
            } else {
                assert!(parsed.is_err(), "{path} was read as an item");
            }
        }
        assert!(items >= 12, "only {items} items parsed");
    }

    #[test]
    fn a_mobilizon_event_keeps_its_times_and_place() {
        let all = fixtures("objects");
        let Some((_, doc)) = all
            .into_iter()
            .find(|(p, _)| p.ends_with("mobilizon/objects/event.json"))
        else {
            return;
        };
        let item: item::Item = serde_json::from_value(doc).unwrap();
        assert_eq!(item.kind_for_us(), item::ItemKind::Event);
        assert!(item.start_time.is_some());
        assert!(item.name.is_some());
    }
}
