//! What this node writes for the network: knowledge articles, updates
//! (nieuws, oproepen) and events. A draft stays here; a public or network
//! one is handed to federation as a closed `Publication` after the privacy
//! check, and every change or deletion follows it there.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use noaber_federation::Federation;
use noaber_federation::objects::{self, Visibility as WireVisibility};
use noaber_federation::publication::{ArticleDraft, EventDraft, Publication, UpdateDraft};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::ToSchema;

use super::privacy_check::{self, Hit};
use super::{Error, Result, markdown, themes};
use crate::db::Db;
use crate::entity::{member, publication};
use crate::pagination::{Page, PageRequest};
use crate::validation::Invalid;

pub const TITLE_CHARS: usize = 200;
pub const SUMMARY_CHARS: usize = 600;
pub const BODY_CHARS: usize = 50_000;
pub const MAX_LINKS: usize = 10;
pub const MAX_THEMES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Article,
    Update,
    Event,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Update => "update",
            Self::Event => "event",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Article, Self::Update, Self::Event]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone may read it; followers receive it.
    Public,
    /// Only approved followers receive it and may fetch it.
    Network,
    /// Stays on this node.
    Draft,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Network => "network",
            Self::Draft => "draft",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Public, Self::Network, Self::Draft]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn wire(self) -> Option<WireVisibility> {
        match self {
            Self::Public => Some(WireVisibility::Public),
            Self::Network => Some(WireVisibility::Followers),
            Self::Draft => None,
        }
    }
}

/// A new publication, or the fields to change (`PATCH`: what is left out
/// stays as it is).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationInput {
    pub title: Option<String>,
    /// A sentence or two; shown in lists and by Mastodon.
    pub summary: Option<String>,
    /// Markdown.
    pub body: Option<String>,
    pub themes: Option<Vec<String>>,
    /// Articles: the bottleneck categories it helps with, e.g. `vog`.
    pub bottleneck_categories: Option<Vec<String>>,
    /// Links (attachments are links only), `https://…`.
    pub links: Option<Vec<String>>,
    /// `public`, `network` or `draft` (default `draft`).
    pub visibility: Option<String>,
    /// Events: start, `2026-12-01T19:30` (Dutch time) or RFC 3339.
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    /// Events: a place name, never a home address.
    pub location: Option<String>,
    /// Publish although the privacy check found something.
    #[serde(default)]
    pub confirm_privacy_check: bool,
}

/// A publication as pages and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicationView {
    pub id: i32,
    pub kind: Kind,
    pub title: String,
    pub summary: String,
    /// Markdown as written.
    pub body: String,
    /// Rendered and cleaned.
    pub body_html: String,
    pub themes: Vec<String>,
    pub bottleneck_categories: Vec<String>,
    pub links: Vec<String>,
    pub visibility: Visibility,
    /// The ActivityPub id while published.
    pub object_id: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub location: Option<String>,
    /// For a saved copy of another node's item.
    pub source_url: Option<String>,
    pub source_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The checked fields of a publication.
#[derive(Debug, Clone)]
struct Fields {
    title: String,
    summary: String,
    body: String,
    themes: Vec<String>,
    categories: Vec<String>,
    links: Vec<String>,
    visibility: Visibility,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    location: Option<String>,
}

fn view(row: publication::Model) -> PublicationView {
    PublicationView {
        id: row.id,
        kind: Kind::parse(&row.kind).unwrap_or(Kind::Article),
        title: row.title,
        summary: row.summary,
        body_html: markdown::to_html(&row.body),
        body: row.body,
        themes: serde_json::from_str(&row.themes).unwrap_or_default(),
        bottleneck_categories: serde_json::from_str(&row.categories).unwrap_or_default(),
        links: serde_json::from_str(&row.links).unwrap_or_default(),
        visibility: Visibility::parse(&row.visibility).unwrap_or(Visibility::Draft),
        object_id: row.object_id,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        location: row.location,
        source_url: row.source_url,
        source_name: row.source_name,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn fields_of(row: &publication::Model) -> Fields {
    let v = view(row.clone());
    Fields {
        title: v.title,
        summary: v.summary,
        body: v.body,
        themes: v.themes,
        categories: v.bottleneck_categories,
        links: v.links,
        visibility: v.visibility,
        starts_at: v.starts_at,
        ends_at: v.ends_at,
        location: v.location,
    }
}

pub(super) fn text(
    e: &mut Invalid,
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
    multiline: bool,
) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        e.add(field, "error.required");
    } else if v.chars().count() > max {
        e.add(field, "error.too_long");
    } else if v
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
    {
        e.add(field, "error.control_chars");
    }
    v.to_owned()
}

/// The last Sunday of a month at 01:00 UTC: when Dutch summer time starts
/// (March) and ends (October).
fn last_sunday_1utc(year: i32, month: u32) -> Option<DateTime<Utc>> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }?;
    let mut d = first_next.pred_opt()?;
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt()?;
    }
    Some(Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0)?))
}

fn is_summer_time(t: DateTime<Utc>) -> bool {
    match (
        last_sunday_1utc(t.year(), 3),
        last_sunday_1utc(t.year(), 10),
    ) {
        (Some(start), Some(end)) => start <= t && t < end,
        _ => false,
    }
}

/// The Dutch wall-clock time of an instant.
pub fn dutch_local(t: DateTime<Utc>) -> NaiveDateTime {
    let hours = if is_summer_time(t) { 2 } else { 1 };
    (t + chrono::Duration::hours(hours)).naive_utc()
}

/// A time as typed: RFC 3339, or a date and time in Dutch local time
/// (`2026-12-01T19:30`, as a browser's date-time field sends it).
pub fn parse_when(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.to_utc());
    }
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
        .ok()?;
    // Winter time is UTC+1, summer time UTC+2 (EU rules).
    let guess = Utc.from_utc_datetime(&(local - chrono::Duration::hours(1)));
    Some(if is_summer_time(guess) {
        guess - chrono::Duration::hours(1)
    } else {
        guess
    })
}

/// Checks input for a new publication (`base` None) or a change of one.
fn check(kind: Kind, input: &PublicationInput, base: Option<&Fields>) -> Result<Fields> {
    let mut e = Invalid::default();
    let pick = |new: &Option<String>, old: Option<&String>| -> String {
        new.clone().or_else(|| old.cloned()).unwrap_or_default()
    };
    let title = text(
        &mut e,
        "title",
        &pick(&input.title, base.map(|b| &b.title)),
        TITLE_CHARS,
        true,
        false,
    );
    let summary = text(
        &mut e,
        "summary",
        &pick(&input.summary, base.map(|b| &b.summary)),
        SUMMARY_CHARS,
        false,
        true,
    );
    let body = text(
        &mut e,
        "body",
        &pick(&input.body, base.map(|b| &b.body)),
        BODY_CHARS,
        true,
        true,
    );
    let themes = match &input.themes {
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for t in list {
                match themes::normalize(t) {
                    Some(t) if !out.contains(&t) => out.push(t),
                    Some(_) => {}
                    None => e.add("themes", "error.theme"),
                }
            }
            if out.len() > MAX_THEMES {
                e.add("themes", "error.too_many");
            }
            out
        }
        None => base.map(|b| b.themes.clone()).unwrap_or_default(),
    };
    let categories = match &input.bottleneck_categories {
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for c in list.iter().map(|c| c.trim()) {
                if !super::bottlenecks::CATEGORIES.iter().any(|(v, _)| *v == c) {
                    e.add("bottleneck_categories", "error.bottleneck_category");
                } else if !out.iter().any(|x| x == c) {
                    out.push(c.to_owned());
                }
            }
            out
        }
        None => base.map(|b| b.categories.clone()).unwrap_or_default(),
    };
    let links = match &input.links {
        Some(list) => {
            let mut out = Vec::new();
            for l in list.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
                match Url::parse(l) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                        out.push(u.to_string())
                    }
                    _ => e.add("links", "error.link"),
                }
            }
            if out.len() > MAX_LINKS {
                e.add("links", "error.too_many");
            }
            out
        }
        None => base.map(|b| b.links.clone()).unwrap_or_default(),
    };
    let visibility = match input.visibility.as_deref().map(str::trim) {
        Some(v) => Visibility::parse(v).unwrap_or_else(|| {
            e.add("visibility", "error.visibility");
            Visibility::Draft
        }),
        None => base.map_or(Visibility::Draft, |b| b.visibility),
    };
    let when = |e: &mut Invalid, field: &'static str, new: &Option<String>, old| match new
        .as_deref()
        .map(str::trim)
    {
        Some("") => None,
        Some(raw) => parse_when(raw).or_else(|| {
            e.add(field, "error.date_time");
            None
        }),
        None => old,
    };
    let (starts_at, ends_at, location) = if kind == Kind::Event {
        let starts_at = when(
            &mut e,
            "starts_at",
            &input.starts_at,
            base.and_then(|b| b.starts_at),
        );
        if starts_at.is_none() && e.for_field("starts_at").is_none() {
            e.add("starts_at", "error.required");
        }
        let ends_at = when(
            &mut e,
            "ends_at",
            &input.ends_at,
            base.and_then(|b| b.ends_at),
        );
        if let (Some(s), Some(en)) = (starts_at, ends_at)
            && en < s
        {
            e.add("ends_at", "error.ends_before_start");
        }
        let location = text(
            &mut e,
            "location",
            &pick(&input.location, base.and_then(|b| b.location.as_ref())),
            TITLE_CHARS,
            false,
            false,
        );
        (starts_at, ends_at, Some(location).filter(|l| !l.is_empty()))
    } else {
        for (field, given) in [
            ("starts_at", &input.starts_at),
            ("ends_at", &input.ends_at),
            ("location", &input.location),
        ] {
            if given.is_some() {
                e.add(field, "error.only_for_events");
            }
        }
        (None, None, None)
    };
    e.into_result()?;
    Ok(Fields {
        title,
        summary,
        body,
        themes,
        categories,
        links,
        visibility,
        starts_at,
        ends_at,
        location,
    })
}

/// The folded full names (two words or more) of the node's members, for
/// the privacy check.
pub async fn member_names(db: &Db) -> Result<Vec<String>> {
    use sea_orm::QuerySelect;
    let names: Vec<String> = member::Entity::find()
        .filter(member::Column::ErasedAt.is_null())
        .select_only()
        .column(member::Column::Name)
        .into_tuple::<String>()
        .all(db.read())
        .await?
        .into_iter()
        .map(|n| privacy_check::fold(&n))
        .filter(|n| n.split(' ').count() >= 2)
        .collect();
    Ok(names)
}

/// What the privacy check finds in the text that would leave the node.
async fn privacy_hits(db: &Db, f: &Fields) -> Result<Vec<Hit>> {
    let mut fields = vec![
        ("title", f.title.as_str()),
        ("summary", f.summary.as_str()),
        ("body", f.body.as_str()),
    ];
    if let Some(l) = &f.location {
        fields.push(("location", l.as_str()));
    }
    for l in &f.links {
        fields.push(("links", l.as_str()));
    }
    // Themes leave the node as hashtags.
    let themes = f.themes.join(", ");
    fields.push(("themes", themes.as_str()));
    scan_fields(db, &fields).await
}

/// The privacy check over named fields of a text about to leave.
pub async fn scan_fields(db: &Db, fields: &[(&'static str, &str)]) -> Result<Vec<Hit>> {
    let names = member_names(db).await?;
    Ok(fields
        .iter()
        .flat_map(|(field, text)| privacy_check::scan(field, text, &names))
        .collect())
}

/// Runs the check for a publication about to leave; refuses with the hits
/// unless they were confirmed.
async fn guard(db: &Db, f: &Fields, confirmed: bool) -> Result<()> {
    if f.visibility == Visibility::Draft || confirmed {
        return Ok(());
    }
    let hits = privacy_hits(db, f).await?;
    if hits.is_empty() {
        Ok(())
    } else {
        Err(Error::PrivacyCheck(hits))
    }
}

/// Its page for people (where Mastodon links to).
pub fn page_url(base: &str, id: i32) -> Result<Url> {
    Url::parse(&format!("{}/kennis/{id}", base.trim_end_matches('/'))).map_err(|_| Error::NotFound)
}

fn to_publication(kind: Kind, f: &Fields, url: Url) -> Publication {
    let html = markdown::to_html(&with_links(&f.body, &f.links));
    match kind {
        Kind::Article => Publication::Article(ArticleDraft {
            title: f.title.clone(),
            summary: f.summary.clone(),
            markdown: f.body.clone(),
            html,
            themes: f.themes.clone(),
            categories: f.categories.clone(),
            url,
        }),
        Kind::Update => Publication::Update(UpdateDraft {
            title: f.title.clone(),
            markdown: f.body.clone(),
            html,
            url,
        }),
        Kind::Event => Publication::Event(EventDraft {
            title: f.title.clone(),
            summary: f.summary.clone(),
            markdown: f.body.clone(),
            html,
            start: f.starts_at.unwrap_or_else(Utc::now),
            end: f.ends_at,
            location: f.location.clone(),
            url,
        }),
    }
}

/// The body with its links listed under it, as they travel.
fn with_links(body: &str, links: &[String]) -> String {
    if links.is_empty() {
        return body.to_owned();
    }
    let list: Vec<String> = links.iter().map(|l| format!("- <{l}>")).collect();
    format!("{body}\n\n{}", list.join("\n"))
}

fn apply(a: &mut publication::ActiveModel, f: &Fields) -> Result<()> {
    a.title = Set(f.title.clone());
    a.summary = Set(f.summary.clone());
    a.body = Set(f.body.clone());
    a.themes = Set(serde_json::to_string(&f.themes).map_err(|_| Error::NotFound)?);
    a.categories = Set(serde_json::to_string(&f.categories).map_err(|_| Error::NotFound)?);
    a.links = Set(serde_json::to_string(&f.links).map_err(|_| Error::NotFound)?);
    a.visibility = Set(f.visibility.as_str().to_owned());
    a.starts_at = Set(f.starts_at);
    a.ends_at = Set(f.ends_at);
    a.location = Set(f.location.clone());
    a.updated_at = Set(Utc::now());
    Ok(())
}

/// Writes a new publication; publishes it unless it is a draft.
pub async fn create(
    db: &Db,
    fed: &Federation,
    user_id: Option<i32>,
    kind: Kind,
    input: &PublicationInput,
) -> Result<PublicationView> {
    let f = check(kind, input, None)?;
    guard(db, &f, input.confirm_privacy_check).await?;
    let now = Utc::now();
    let mut a = publication::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        object_id: Set(None),
        source_url: Set(None),
        source_name: Set(None),
        created_by: Set(user_id),
        created_at: Set(now),
        ..Default::default()
    };
    apply(&mut a, &f)?;
    let row = a.insert(db.write()).await?;
    match sync(db, fed, row.clone(), &f).await {
        Ok(row) => Ok(view(row)),
        Err(e) => {
            // Nothing half-written: the row goes when publishing failed.
            let _ = publication::Entity::delete_by_id(row.id)
                .exec(db.write())
                .await;
            Err(e)
        }
    }
}

/// Brings the published form in line with the row: publish, update,
/// or take back (a publication made a draft again).
async fn sync(
    db: &Db,
    fed: &Federation,
    row: publication::Model,
    f: &Fields,
) -> Result<publication::Model> {
    let kind = Kind::parse(&row.kind).unwrap_or(Kind::Article);
    let base = noaber_federation::actor::load(fed).await?.base().to_owned();
    let url = page_url(&base, row.id)?;
    let object_id = follow_visibility(
        fed,
        f.visibility,
        row.object_id.clone(),
        &to_publication(kind, f, url),
    )
    .await?;
    if object_id == row.object_id {
        return Ok(row);
    }
    let mut a: publication::ActiveModel = row.into();
    a.object_id = Set(object_id);
    Ok(a.update(db.write()).await?)
}

/// Publishes, updates or takes back the wire form of something the node
/// wrote so that it matches its visibility; returns its id while it is
/// published.
pub(super) async fn follow_visibility(
    fed: &Federation,
    visibility: Visibility,
    object_id: Option<String>,
    publication: &Publication,
) -> Result<Option<String>> {
    Ok(match (visibility.wire(), object_id) {
        (Some(v), None) => Some(objects::publish(fed, publication, v).await?),
        (Some(v), Some(id)) => {
            objects::update(fed, &id, publication, v).await?;
            Some(id)
        }
        (None, Some(id)) => {
            objects::delete(fed, &id).await?;
            None
        }
        (None, None) => None,
    })
}

async fn find(db: &Db, id: i32, kind: Option<Kind>) -> Result<publication::Model> {
    let row = publication::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    match kind {
        Some(k) if k.as_str() != row.kind => Err(Error::NotFound),
        _ => Ok(row),
    }
}

/// Changes a publication; followers get the new version (`Update`).
pub async fn update(
    db: &Db,
    fed: &Federation,
    id: i32,
    kind: Option<Kind>,
    input: &PublicationInput,
) -> Result<PublicationView> {
    let row = find(db, id, kind).await?;
    let k = Kind::parse(&row.kind).unwrap_or(Kind::Article);
    let f = check(k, input, Some(&fields_of(&row)))?;
    guard(db, &f, input.confirm_privacy_check).await?;
    let mut a: publication::ActiveModel = row.into();
    apply(&mut a, &f)?;
    let row = a.update(db.write()).await?;
    Ok(view(sync(db, fed, row, &f).await?))
}

/// Deletes a publication; followers keep only a tombstone (`Delete`).
pub async fn delete(db: &Db, fed: &Federation, id: i32, kind: Option<Kind>) -> Result<()> {
    let row = find(db, id, kind).await?;
    if let Some(object_id) = &row.object_id {
        objects::delete(fed, object_id).await?;
    }
    publication::Entity::delete_by_id(row.id)
        .exec(db.write())
        .await?;
    Ok(())
}

pub async fn get(db: &Db, id: i32, kind: Option<Kind>) -> Result<PublicationView> {
    Ok(view(find(db, id, kind).await?))
}

/// One kind of publication (or all), newest first.
pub async fn list(
    db: &Db,
    kind: Option<Kind>,
    public_only: bool,
    req: PageRequest,
) -> Result<Page<PublicationView>> {
    let mut q = publication::Entity::find()
        .order_by_desc(publication::Column::UpdatedAt)
        .order_by_desc(publication::Column::Id);
    if let Some(k) = kind {
        q = q.filter(publication::Column::Kind.eq(k.as_str()));
    }
    if public_only {
        q = q.filter(publication::Column::Visibility.eq(Visibility::Public.as_str()));
    }
    let pages = q.paginate(db.read(), req.per_page);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(req.page - 1).await?;
    Ok(Page::new(rows.into_iter().map(view).collect(), req, total))
}

/// Saves a received item as the node's own draft article, naming its
/// source; the coordinator edits and publishes it from there.
pub async fn save_copy(
    db: &Db,
    fed: &Federation,
    user_id: Option<i32>,
    item_id: i32,
) -> Result<PublicationView> {
    let item = noaber_federation::network_items::get(fed, item_id).await?;
    if item.deleted {
        return Err(Error::NotFound);
    }
    let body = html_to_markdownish(&item.content_html);
    let source = item.url.clone().unwrap_or_else(|| item.object_id.clone());
    let now = Utc::now();
    let title: String = item.title.chars().take(TITLE_CHARS).collect();
    let row = publication::ActiveModel {
        kind: Set(match item.kind.as_str() {
            "event" => Kind::Event,
            "update" => Kind::Update,
            _ => Kind::Article,
        }
        .as_str()
        .to_owned()),
        title: Set(title),
        summary: Set(item.summary.chars().take(SUMMARY_CHARS).collect()),
        body: Set(body),
        themes: Set(serde_json::to_string(&item.themes).map_err(|_| Error::NotFound)?),
        categories: Set(serde_json::to_string(&item.categories).map_err(|_| Error::NotFound)?),
        links: Set("[]".into()),
        starts_at: Set(item.start_time),
        ends_at: Set(item.end_time),
        location: Set(item.location.clone()),
        visibility: Set(Visibility::Draft.as_str().to_owned()),
        object_id: Set(None),
        source_url: Set(Some(source)),
        source_name: Set(item.origin.name.clone()),
        created_by: Set(user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db.write())
    .await?;
    Ok(view(row))
}

/// Received HTML (already cleaned) as plain paragraphs for editing.
fn html_to_markdownish(html: &str) -> String {
    let spaced = html
        .replace("</p>", "\n\n")
        .replace("<br>", "\n")
        .replace("<br />", "\n")
        .replace("</li>", "\n");
    let text = noaber_federation::sanitize::plain_text(&spaced.replace('\n', " \u{1}"));
    text.replace(" \u{1}", "\n")
        .replace('\u{1}', "\n")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_local_times_become_utc() {
        let winter = parse_when("2026-12-01T19:30").map(|t| t.to_rfc3339());
        assert_eq!(winter.as_deref(), Some("2026-12-01T18:30:00+00:00"));
        let summer = parse_when("2026-07-01T19:30").map(|t| t.to_rfc3339());
        assert_eq!(summer.as_deref(), Some("2026-07-01T17:30:00+00:00"));
        assert!(parse_when("gisteren").is_none());
        assert!(parse_when("2026-07-01T19:30:00+02:00").is_some());
        let t = parse_when("2026-07-01T19:30").unwrap();
        assert_eq!(dutch_local(t).format("%H:%M").to_string(), "19:30");
    }

    #[test]
    fn links_must_be_web_addresses() {
        let input = PublicationInput {
            title: Some("Titel".into()),
            body: Some("Tekst".into()),
            links: Some(vec!["javascript:alert(1)".into()]),
            ..Default::default()
        };
        let Err(Error::Invalid(inv)) = check(Kind::Article, &input, None) else {
            panic!("a javascript: link was accepted");
        };
        assert_eq!(inv.for_field("links"), Some("error.link"));
    }
}
