//! The bottleneck register (knelpunten): what holds the initiative back,
//! since when, how far it is, and the article that solved it. A bottleneck
//! can be published like an article; the counts per category feed the
//! figures.

use chrono::{DateTime, NaiveDate, Utc};
use noaber_federation::Federation;
use noaber_federation::objects;
use noaber_federation::publication::{BottleneckDraft, Publication};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::ToSchema;

use super::publications::{self, Visibility, scan_fields, text};
use super::{Error, Result, markdown};
use crate::db::Db;
use crate::entity::{bottleneck, publication};
use crate::pagination::{Page, PageRequest};
use crate::validation::Invalid;

/// Categories, with their locale keys.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("regelgeving_wmo", "bottleneck.cat_regelgeving_wmo"),
    ("aanbesteding", "bottleneck.cat_aanbesteding"),
    ("financiering", "bottleneck.cat_financiering"),
    ("verzekering", "bottleneck.cat_verzekering"),
    ("vog", "bottleneck.cat_vog"),
    ("vrijwilligers", "bottleneck.cat_vrijwilligers"),
    (
        "samenwerking_gemeente",
        "bottleneck.cat_samenwerking_gemeente",
    ),
    (
        "samenwerking_zorgverzekeraar",
        "bottleneck.cat_samenwerking_zorgverzekeraar",
    ),
    ("huisvesting", "bottleneck.cat_huisvesting"),
    ("vervoer", "bottleneck.cat_vervoer"),
    ("anders", "bottleneck.cat_anders"),
];

/// Statuses, with their locale keys.
pub const STATUSES: &[(&str, &str)] = &[
    ("open", "bottleneck.status_open"),
    ("in_behandeling", "bottleneck.status_in_behandeling"),
    ("opgelost", "bottleneck.status_opgelost"),
];

pub fn category_key(c: &str) -> &'static str {
    CATEGORIES
        .iter()
        .find(|(v, _)| *v == c)
        .map_or("bottleneck.cat_anders", |(_, k)| k)
}

pub fn status_key(s: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(v, _)| *v == s)
        .map_or("bottleneck.status_open", |(_, k)| k)
}

/// A new bottleneck, or the fields to change (what is left out stays).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BottleneckInput {
    pub title: Option<String>,
    /// One of the categories, e.g. `vog`, `samenwerking_gemeente`.
    pub category: Option<String>,
    /// Markdown.
    pub description: Option<String>,
    /// Since when: `2026-03-01` or `1-3-2026`; empty to clear.
    pub since: Option<String>,
    /// `open` (default), `in_behandeling`, `opgelost`.
    pub status: Option<String>,
    /// The id of the node's own article that solved it; 0 to clear.
    pub solved_by: Option<i32>,
    /// `public`, `network` or `draft` (default `draft`).
    pub visibility: Option<String>,
    #[serde(default)]
    pub confirm_privacy_check: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BottleneckView {
    pub id: i32,
    pub title: String,
    pub category: String,
    pub description: String,
    pub description_html: String,
    pub since: Option<NaiveDate>,
    pub status: String,
    pub solved_by: Option<i32>,
    pub solved_by_title: Option<String>,
    pub visibility: Visibility,
    pub object_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Open, in progress and solved bottlenecks of one category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryCount {
    pub category: String,
    pub open: u64,
    pub in_behandeling: u64,
    pub opgelost: u64,
}

struct Checked {
    title: String,
    category: String,
    description: String,
    since: Option<NaiveDate>,
    status: String,
    solved_by: Option<i32>,
    visibility: Visibility,
}

async fn check(
    db: &Db,
    input: &BottleneckInput,
    base: Option<&bottleneck::Model>,
) -> Result<Checked> {
    let mut e = Invalid::default();
    let pick = |new: &Option<String>, old: Option<&String>| {
        new.clone().or_else(|| old.cloned()).unwrap_or_default()
    };
    let title = text(
        &mut e,
        "title",
        &pick(&input.title, base.map(|b| &b.title)),
        publications::TITLE_CHARS,
        true,
        false,
    );
    let category = pick(&input.category, base.map(|b| &b.category))
        .trim()
        .to_owned();
    if category.is_empty() {
        e.add("category", "error.required");
    } else if !CATEGORIES.iter().any(|(c, _)| *c == category) {
        e.add("category", "error.bottleneck_category");
    }
    let description = text(
        &mut e,
        "description",
        &pick(&input.description, base.map(|b| &b.description)),
        publications::BODY_CHARS,
        true,
        true,
    );
    let since = match input.since.as_deref().map(str::trim) {
        Some("") => None,
        Some(raw) => crate::care::dutch::parse_date(raw).or_else(|| {
            e.add("since", "error.date");
            None
        }),
        None => base.and_then(|b| b.since),
    };
    let status = pick(&input.status, base.map(|b| &b.status));
    let status = if status.trim().is_empty() {
        "open".to_owned()
    } else {
        status.trim().to_owned()
    };
    if !STATUSES.iter().any(|(s, _)| *s == status) {
        e.add("status", "error.bottleneck_status");
    }
    let solved_by = match input.solved_by {
        Some(0) => None,
        Some(id) => {
            let found = publication::Entity::find_by_id(id).one(db.read()).await?;
            if found.is_none() {
                e.add("solved_by", "error.solved_by");
            }
            Some(id)
        }
        None => base.and_then(|b| b.solved_by),
    };
    let visibility = match input.visibility.as_deref().map(str::trim) {
        Some(v) => Visibility::parse(v).unwrap_or_else(|| {
            e.add("visibility", "error.visibility");
            Visibility::Draft
        }),
        None => base
            .and_then(|b| Visibility::parse(&b.visibility))
            .unwrap_or(Visibility::Draft),
    };
    e.into_result()?;
    Ok(Checked {
        title,
        category,
        description,
        since,
        status,
        solved_by,
        visibility,
    })
}

async fn view(db: &Db, row: bottleneck::Model) -> Result<BottleneckView> {
    let solved_by_title = match row.solved_by {
        Some(id) => publication::Entity::find_by_id(id)
            .one(db.read())
            .await?
            .map(|p| p.title),
        None => None,
    };
    Ok(BottleneckView {
        id: row.id,
        title: row.title,
        category: row.category,
        description_html: markdown::to_html(&row.description),
        description: row.description,
        since: row.since,
        status: row.status,
        solved_by: row.solved_by,
        solved_by_title,
        visibility: Visibility::parse(&row.visibility).unwrap_or(Visibility::Draft),
        object_id: row.object_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn apply(a: &mut bottleneck::ActiveModel, c: &Checked) {
    a.title = Set(c.title.clone());
    a.category = Set(c.category.clone());
    a.description = Set(c.description.clone());
    a.since = Set(c.since);
    a.status = Set(c.status.clone());
    a.solved_by = Set(c.solved_by);
    a.visibility = Set(c.visibility.as_str().to_owned());
    a.updated_at = Set(Utc::now());
}

async fn guard(db: &Db, c: &Checked, confirmed: bool) -> Result<()> {
    if c.visibility == Visibility::Draft || confirmed {
        return Ok(());
    }
    let hits = scan_fields(db, &[("title", &c.title), ("description", &c.description)]).await?;
    if hits.is_empty() {
        Ok(())
    } else {
        Err(Error::PrivacyCheck(hits))
    }
}

/// Publishes, updates or takes back the wire form to match the row.
async fn sync(db: &Db, fed: &Federation, row: bottleneck::Model) -> Result<bottleneck::Model> {
    let visibility = Visibility::parse(&row.visibility).unwrap_or(Visibility::Draft);
    let base = noaber_federation::actor::load(fed).await?.base().to_owned();
    let url = Url::parse(&format!("{base}/knelpunten/{}", row.id)).map_err(|_| Error::NotFound)?;
    let draft = Publication::Bottleneck(BottleneckDraft {
        title: row.title.clone(),
        category: row.category.clone(),
        markdown: row.description.clone(),
        html: markdown::to_html(&row.description),
        status: row.status.clone(),
        since: row.since,
        url,
    });
    let object_id =
        publications::follow_visibility(fed, visibility, row.object_id.clone(), &draft).await?;
    if object_id == row.object_id {
        return Ok(row);
    }
    let mut a: bottleneck::ActiveModel = row.into();
    a.object_id = Set(object_id);
    Ok(a.update(db.write()).await?)
}

pub async fn create(
    db: &Db,
    fed: &Federation,
    user_id: Option<i32>,
    input: &BottleneckInput,
) -> Result<BottleneckView> {
    let c = check(db, input, None).await?;
    guard(db, &c, input.confirm_privacy_check).await?;
    let now = Utc::now();
    let mut a = bottleneck::ActiveModel {
        object_id: Set(None),
        created_by: Set(user_id),
        created_at: Set(now),
        ..Default::default()
    };
    apply(&mut a, &c);
    let row = a.insert(db.write()).await?;
    match sync(db, fed, row.clone()).await {
        Ok(row) => view(db, row).await,
        Err(e) => {
            // Nothing half-written: the row goes when publishing failed.
            let _ = bottleneck::Entity::delete_by_id(row.id)
                .exec(db.write())
                .await;
            Err(e)
        }
    }
}

async fn find(db: &Db, id: i32) -> Result<bottleneck::Model> {
    bottleneck::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)
}

pub async fn update(
    db: &Db,
    fed: &Federation,
    id: i32,
    input: &BottleneckInput,
) -> Result<BottleneckView> {
    let row = find(db, id).await?;
    let c = check(db, input, Some(&row)).await?;
    guard(db, &c, input.confirm_privacy_check).await?;
    let mut a: bottleneck::ActiveModel = row.into();
    apply(&mut a, &c);
    let row = a.update(db.write()).await?;
    view(db, sync(db, fed, row).await?).await
}

pub async fn delete(db: &Db, fed: &Federation, id: i32) -> Result<()> {
    let row = find(db, id).await?;
    if let Some(object_id) = &row.object_id {
        objects::delete(fed, object_id).await?;
    }
    bottleneck::Entity::delete_by_id(row.id)
        .exec(db.write())
        .await?;
    Ok(())
}

pub async fn get(db: &Db, id: i32) -> Result<BottleneckView> {
    view(db, find(db, id).await?).await
}

/// Bottlenecks, most recently changed first; `status` and `category`
/// filter.
pub async fn list(
    db: &Db,
    status: Option<&str>,
    category: Option<&str>,
    req: PageRequest,
) -> Result<Page<BottleneckView>> {
    let mut q = bottleneck::Entity::find()
        .order_by_desc(bottleneck::Column::UpdatedAt)
        .order_by_desc(bottleneck::Column::Id);
    if let Some(s) = status {
        q = q.filter(bottleneck::Column::Status.eq(s));
    }
    if let Some(c) = category {
        q = q.filter(bottleneck::Column::Category.eq(c));
    }
    let pages = q.paginate(db.read(), req.per_page);
    let total = pages.num_items().await?;
    let mut items = Vec::new();
    for row in pages.fetch_page(req.page - 1).await? {
        items.push(view(db, row).await?);
    }
    Ok(Page::new(items, req, total))
}

/// Open, in progress and solved per category, for every category in use.
pub async fn counts(db: &Db) -> Result<Vec<CategoryCount>> {
    use sea_orm::QuerySelect;
    let rows: Vec<(String, String, i64)> = bottleneck::Entity::find()
        .select_only()
        .column(bottleneck::Column::Category)
        .column(bottleneck::Column::Status)
        .column_as(bottleneck::Column::Id.count(), "n")
        .group_by(bottleneck::Column::Category)
        .group_by(bottleneck::Column::Status)
        .into_tuple()
        .all(db.read())
        .await?;
    let mut out: Vec<CategoryCount> = Vec::new();
    for (category, _) in CATEGORIES {
        let of = |s: &str| {
            rows.iter()
                .filter(|(c, st, _)| c == category && st == s)
                .map(|(_, _, n)| u64::try_from(*n).unwrap_or(0))
                .sum::<u64>()
        };
        let c = CategoryCount {
            category: (*category).to_owned(),
            open: of("open"),
            in_behandeling: of("in_behandeling"),
            opgelost: of("opgelost"),
        };
        if c.open + c.in_behandeling + c.opgelost > 0 {
            out.push(c);
        }
    }
    Ok(out)
}
