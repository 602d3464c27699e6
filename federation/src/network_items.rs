//! Knowledge received from other nodes: stored once per object id, however
//! many paths it came by; changed only by its origin; on deletion a
//! tombstone keeps the id and none of the text. Searchable in Dutch.

use activitypub_federation::config::Data;
use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::traits::Object;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, Statement, TransactionTrait,
};
use serde::Serialize;
use url::Url;

use crate::entity::{network_item, remote_actor};
use crate::protocol::actor_ref::same_origin;
use crate::protocol::item::{Hashtag, Item, ItemKind, ItemType, Place};
use crate::sanitize;
use crate::{Error, Federation, Result};

/// Longest title and summary kept of a received item.
const TITLE_CHARS: usize = 300;
const SUMMARY_CHARS: usize = 2_000;

/// A received item as the library's `Object`.
#[derive(Clone, Debug)]
pub struct NetworkItem {
    pub url: Url,
    pub row: network_item::Model,
    /// Stored by this call for the first time (not known before).
    pub fresh: bool,
}

impl NetworkItem {
    fn from_row(row: network_item::Model, fresh: bool) -> Result<Self> {
        let url = Url::parse(&row.object_id)
            .map_err(|_| Error::BadActivity("object id is not a URL".into()))?;
        Ok(Self { url, row, fresh })
    }

    pub async fn find(fed: &Federation, object_id: &str) -> Result<Option<Self>> {
        network_item::Entity::find()
            .filter(network_item::Column::ObjectId.eq(object_id))
            .one(fed.read())
            .await?
            .map(|r| Self::from_row(r, false))
            .transpose()
    }
}

#[async_trait::async_trait]
impl Object for NetworkItem {
    type DataType = Federation;
    type Kind = Item;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.url
    }

    fn is_deleted(&self) -> bool {
        self.row.deleted_at.is_some()
    }

    async fn read_from_id(object_id: Url, data: &Data<Federation>) -> Result<Option<Self>> {
        Self::find(data.app_data(), object_id.as_str()).await
    }

    async fn delete(&self, data: &Data<Federation>) -> Result<()> {
        tombstone(data.app_data(), &self.row).await
    }

    async fn into_json(self, _data: &Data<Federation>) -> Result<Item> {
        let r = &self.row;
        let themes: Vec<String> = serde_json::from_str(&r.themes).unwrap_or_default();
        let kind = match r.ap_type.as_str() {
            "Note" => ItemType::Note,
            "Page" => ItemType::Page,
            "Event" => ItemType::Event,
            _ => ItemType::Article,
        };
        Ok(Item {
            kind,
            id: ObjectId::from(self.url.clone()),
            attributed_to: Url::parse(&r.origin_actor)
                .map_err(|_| Error::BadActivity("origin is not a URL".into()))?,
            to: Vec::new(),
            cc: Vec::new(),
            name: Some(r.title.clone()).filter(|t| !t.is_empty()),
            summary: Some(r.summary.clone()).filter(|t| !t.is_empty()),
            content: Some(r.content_html.clone()),
            media_type: Some("text/html".into()),
            source: None,
            url: r.url.as_deref().and_then(|u| Url::parse(u).ok()),
            published: Some(r.published_at.fixed_offset()),
            updated: Some(r.updated_at.fixed_offset()),
            start_time: r.start_time.map(|t| t.fixed_offset()),
            end_time: r.end_time.map(|t| t.fixed_offset()),
            location: r.location.clone().map(|name| Place {
                kind: "Place".into(),
                name: Some(name),
            }),
            in_reply_to: None,
            tag: themes
                .into_iter()
                .map(|t| Hashtag {
                    kind: "Hashtag".into(),
                    name: format!("#{t}"),
                    href: None,
                })
                .collect(),
            audience: None,
            item_kind: ItemKind::parse(&r.item_kind),
            bottleneck_categories: r
                .category
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok())
                .unwrap_or_default(),
            bottleneck_status: r.status.clone(),
            bottleneck_since: None,
        })
    }

    /// The item must come from where it says it lives, and be attributed
    /// to an actor on that same host.
    async fn verify(json: &Item, expected_domain: &Url, _data: &Data<Federation>) -> Result<()> {
        if !same_origin(json.id.inner(), expected_domain) {
            return Err(Error::BadActivity("object is from another host".into()));
        }
        if !same_origin(json.id.inner(), &json.attributed_to) {
            return Err(Error::BadActivity(
                "object and its author are on different hosts".into(),
            ));
        }
        Ok(())
    }

    /// Stores a new item, or replaces the text of a known one (the caller
    /// has checked that the change comes from its origin). A deleted item
    /// stays deleted.
    async fn from_json(json: Item, data: &Data<Federation>) -> Result<Self> {
        let fed = data.app_data();
        let now = Utc::now();
        let content = sanitize::clean_html(json.content.as_deref().unwrap_or(""));
        let title = sanitize::plain_line(json.name.as_deref().unwrap_or(""), TITLE_CHARS);
        let summary = sanitize::plain_line(json.summary.as_deref().unwrap_or(""), SUMMARY_CHARS);
        let text = sanitize::plain_text(&content);
        // A note has no title: its first words serve.
        let title = if title.is_empty() {
            text.chars().take(80).collect()
        } else {
            title
        };
        let themes = serde_json::to_string(&json.themes())?;
        let published = json.published.map_or(now, |t| t.to_utc());
        let updated = json.updated.map_or(published, |t| t.to_utc());
        let visibility = if json.is_public() {
            "public"
        } else {
            "network"
        };
        // Read inside the write transaction, so a deletion cannot land
        // between the read and the write and get its text back.
        let txn = fed.write().begin().await?;
        let known = network_item::Entity::find()
            .filter(network_item::Column::ObjectId.eq(json.id.inner().as_str()))
            .one(&txn)
            .await?;
        let mut a = match &known {
            Some(row) if row.deleted_at.is_some() => return Self::from_row(row.clone(), false),
            Some(row) => network_item::ActiveModel::from(row.clone()),
            None => network_item::ActiveModel {
                object_id: Set(json.id.inner().to_string()),
                origin_actor: Set(json.attributed_to.to_string()),
                via_actor: Set(None),
                received_at: Set(now),
                deleted_at: Set(None),
                ..Default::default()
            },
        };
        a.item_kind = Set(json.kind_for_us().as_str().to_owned());
        a.ap_type = Set(json.kind.as_str().to_owned());
        a.visibility = Set(visibility.to_owned());
        a.title = Set(title);
        a.summary = Set(summary);
        a.content_html = Set(content);
        a.text_plain = Set(text);
        a.themes = Set(themes);
        let categories: Vec<String> = json
            .bottleneck_categories
            .iter()
            .take(20)
            .map(|c| sanitize::plain_line(c, 60))
            .collect();
        a.category = Set(Some(serde_json::to_string(&categories)?));
        a.status = Set(json
            .bottleneck_status
            .as_deref()
            .map(|c| sanitize::plain_line(c, 30)));
        a.url = Set(json.url.as_ref().map(Url::to_string));
        a.start_time = Set(json.start_time.map(|t| t.to_utc()));
        a.end_time = Set(json.end_time.map(|t| t.to_utc()));
        a.location = Set(json
            .location
            .and_then(|p| p.name)
            .map(|n| sanitize::plain_line(&n, TITLE_CHARS)));
        a.published_at = Set(published);
        a.updated_at = Set(updated);
        let saved = match known {
            Some(_) => a.update(&txn).await?,
            None => match a.insert(&txn).await {
                Ok(m) => m,
                // Another path delivered it a moment earlier.
                Err(e) if crate::error::is_unique_violation(&e) => {
                    drop(txn);
                    let row = network_item::Entity::find()
                        .filter(network_item::Column::ObjectId.eq(json.id.inner().as_str()))
                        .one(fed.write())
                        .await?
                        .ok_or(Error::NotFound)?;
                    return Self::from_row(row, false);
                }
                Err(e) => return Err(e.into()),
            },
        };
        index(&txn, &saved).await?;
        txn.commit().await?;
        Self::from_row(saved, known.is_none())
    }
}

/// Keeps the full-text index in step with one row (SQLite only: on
/// PostgreSQL the words are a generated column of the row itself).
async fn index(db: &impl ConnectionTrait, row: &network_item::Model) -> Result<()> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "DELETE FROM network_items_fts WHERE rowid = ?",
        [row.id.into()],
    ))
    .await?;
    if row.deleted_at.is_some() {
        return Ok(());
    }
    let words = sanitize::dutch_stems(&format!(
        "{} {} {} {}",
        row.title,
        row.summary,
        row.text_plain,
        row.themes.replace(['[', ']', '"', ','], " ")
    ))
    .join(" ");
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "INSERT INTO network_items_fts (rowid, words) VALUES (?, ?)",
        [row.id.into(), words.into()],
    ))
    .await?;
    Ok(())
}

/// Marks the item deleted and forgets its text.
pub async fn tombstone(fed: &Federation, row: &network_item::Model) -> Result<()> {
    if row.deleted_at.is_some() {
        return Ok(());
    }
    let mut a = network_item::ActiveModel::from(row.clone());
    a.title = Set(String::new());
    a.summary = Set(String::new());
    a.content_html = Set(String::new());
    a.text_plain = Set(String::new());
    a.themes = Set("[]".into());
    a.category = Set(None);
    a.status = Set(None);
    a.url = Set(None);
    a.location = Set(None);
    a.deleted_at = Set(Some(Utc::now()));
    let txn = fed.write().begin().await?;
    let saved = a.update(&txn).await?;
    index(&txn, &saved).await?;
    txn.commit().await?;
    // Relayed copies of it wait in our outbox too.
    crate::outbox::withdraw_object(fed, &row.object_id).await?;
    fed.checkpoint().await
}

/// Notes that an item also came by a relay (the first relay is kept).
pub async fn note_via(fed: &Federation, row: &network_item::Model, via: &str) -> Result<()> {
    if row.via_actor.is_some() || row.origin_actor == via {
        return Ok(());
    }
    let mut a = network_item::ActiveModel::from(row.clone());
    a.via_actor = Set(Some(via.to_owned()));
    a.update(fed.write()).await?;
    Ok(())
}

/// A received item as the pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemLine {
    pub id: i32,
    pub object_id: String,
    /// `article`, `update`, `event`, `bottleneck`.
    pub kind: String,
    pub title: String,
    pub summary: String,
    /// Sanitised HTML.
    pub content_html: String,
    pub themes: Vec<String>,
    /// A bottleneck's category, or those an article helps with.
    pub categories: Vec<String>,
    /// A bottleneck's status.
    pub status: Option<String>,
    pub url: Option<String>,
    pub origin: Origin,
    /// The relay it first came through, if any.
    pub via: Option<String>,
    /// `public` or `network`.
    pub visibility: String,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub location: Option<String>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted: bool,
}

/// Who published an item.
#[derive(Debug, Clone, Serialize)]
pub struct Origin {
    pub actor_url: String,
    pub name: Option<String>,
    /// `initiative`, `regional`, `national`, or none for other software.
    pub node_kind: Option<String>,
}

/// Filters for the list of received items.
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    /// Words to search for (Dutch stemming).
    pub q: Option<String>,
    pub kind: Option<ItemKind>,
    pub theme: Option<String>,
    /// A bottleneck category.
    pub category: Option<String>,
    pub origin: Option<String>,
    /// `initiative`, `regional` or `national`.
    pub origin_kind: Option<String>,
    /// Tombstones too (for operators).
    pub with_deleted: bool,
}

/// The highest page anyone can ask for.
pub const MAX_PAGE: u64 = 100_000;

/// Received items, newest first, one page of them, and how many in all.
pub async fn list(
    fed: &Federation,
    query: &ItemQuery,
    page: u64,
    per_page: u64,
) -> Result<(Vec<ItemLine>, u64)> {
    let backend = fed.read().get_database_backend();
    let mut q = network_item::Entity::find()
        .order_by_desc(network_item::Column::PublishedAt)
        .order_by_desc(network_item::Column::Id);
    if !query.with_deleted {
        q = q.filter(network_item::Column::DeletedAt.is_null());
    }
    if let Some(k) = query.kind {
        q = q.filter(network_item::Column::ItemKind.eq(k.as_str()));
    }
    if let Some(c) = query.category.as_deref().filter(|c| !c.is_empty()) {
        let quoted = serde_json::to_string(c)?;
        q = q.filter(network_item::Column::Category.contains(&quoted));
    }
    if let Some(o) = &query.origin {
        q = q.filter(network_item::Column::OriginActor.eq(o.as_str()));
    }
    if let Some(t) = query.theme.as_deref().filter(|t| !t.is_empty()) {
        let quoted = serde_json::to_string(t)?;
        q = q.filter(network_item::Column::Themes.contains(&quoted));
    }
    if let Some(k) = &query.origin_kind {
        q = q.filter(
            network_item::Column::OriginActor.in_subquery(
                Query::select()
                    .column(remote_actor::Column::ActorUrl)
                    .from(remote_actor::Entity)
                    .and_where(remote_actor::Column::NodeKind.eq(k.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(words) = query.q.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        q = match backend {
            DbBackend::Postgres => q.filter(Expr::cust_with_values(
                "search @@ plainto_tsquery('dutch', $1)",
                [words.to_owned()],
            )),
            _ => {
                let stems = sanitize::dutch_stems(words);
                if stems.is_empty() {
                    return Ok((Vec::new(), 0));
                }
                // Each stem quoted: FTS5 syntax in the words is taken as text.
                let fts: Vec<String> = stems
                    .iter()
                    .map(|s| format!("\"{}\"", s.replace('"', "")))
                    .collect();
                q.filter(Expr::cust_with_values(
                    "id IN (SELECT rowid FROM network_items_fts WHERE network_items_fts MATCH ?)",
                    [fts.join(" ")],
                ))
            }
        };
    }
    let pages = q.paginate(fed.read(), per_page.clamp(1, 200));
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(page.clamp(1, MAX_PAGE) - 1).await?;
    Ok((lines(fed, rows).await?, total))
}

/// One received item by its local id.
pub async fn get(fed: &Federation, id: i32) -> Result<ItemLine> {
    let row = network_item::Entity::find_by_id(id)
        .one(fed.read())
        .await?
        .ok_or(Error::NotFound)?;
    lines(fed, vec![row]).await?.pop().ok_or(Error::NotFound)
}

async fn lines(fed: &Federation, rows: Vec<network_item::Model>) -> Result<Vec<ItemLine>> {
    let known = crate::remote::known(fed, rows.iter().map(|r| r.origin_actor.clone())).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let a = known.get(&r.origin_actor);
            ItemLine {
                id: r.id,
                kind: r.item_kind,
                title: r.title,
                summary: r.summary,
                content_html: r.content_html,
                themes: serde_json::from_str(&r.themes).unwrap_or_default(),
                categories: r
                    .category
                    .as_deref()
                    .and_then(|c| serde_json::from_str(c).ok())
                    .unwrap_or_default(),
                status: r.status,
                url: r.url,
                origin: Origin {
                    name: a.and_then(|a| a.name.clone()),
                    node_kind: a.and_then(|a| a.node_kind.clone()),
                    actor_url: r.origin_actor,
                },
                via: r.via_actor,
                visibility: r.visibility,
                start_time: r.start_time,
                end_time: r.end_time,
                location: r.location,
                published_at: r.published_at,
                updated_at: r.updated_at,
                deleted: r.deleted_at.is_some(),
                object_id: r.object_id,
            }
        })
        .collect())
}
