//! The "Kennis" pages: knowledge from the network with search and filters,
//! the node's own articles, updates and events, and the form to write one
//! with a preview and the privacy check in place.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use noaber_federation::network_items::{self, ItemLine};
use serde::Deserialize;

use super::api::ItemListQuery;
use super::privacy_check::{self, Hit};
use super::publications::{self, Kind, PublicationInput, PublicationView, Visibility};
use super::{Error, markdown, themes};
use crate::accounts::Role;
use crate::api::IdPath;
use crate::app::AppState;
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::pagination::{ListQuery, Page};
use crate::validation::Invalid;
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/kennis", get(network_page))
        .route("/kennis/eigen", get(own_page))
        .route("/kennis/themas", get(themes_form).post(themes_post))
        .route("/kennis/nieuw", get(new_form).post(create_post))
        .route("/kennis/{id}", get(show_own))
        .route("/kennis/{id}/vragen/{reaction}/antwoord", post(answer_post))
        .route("/kennis/{id}/bewerken", get(edit_form).post(edit_post))
        .route(
            "/kennis/{id}/verwijderen",
            get(delete_confirm).post(delete_post),
        )
        .route("/kennis/netwerk/{id}", get(show_item))
        .route("/kennis/netwerk/{id}/helpt", post(like_post))
        .route("/kennis/netwerk/{id}/vraag", post(ask_post))
        .route("/kennis/netwerk/{id}/bewaren", post(copy_post))
}

pub fn kind_key(kind: &str) -> &'static str {
    match kind {
        "update" => "knowledge.kind_update",
        "event" => "knowledge.kind_event",
        "bottleneck" => "knowledge.kind_bottleneck",
        _ => "knowledge.kind_article",
    }
}

pub fn visibility_key(v: &Visibility) -> &'static str {
    match v {
        Visibility::Public => "knowledge.visibility_public",
        Visibility::Network => "knowledge.visibility_network",
        Visibility::Draft => "knowledge.visibility_draft",
    }
}

fn date(t: &chrono::DateTime<chrono::Utc>) -> String {
    crate::care::dutch::format_date(t.date_naive())
}

/// A date and time shown in Dutch time.
pub fn date_time(t: &chrono::DateTime<chrono::Utc>) -> String {
    publications::dutch_local(*t)
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

#[derive(Template)]
#[template(path = "knowledge_network.html")]
struct NetworkPage {
    page: PageCtx,
    items: Page<ItemLine>,
    q: String,
    kind: String,
    theme: String,
    origin_kind: String,
    themes: Vec<String>,
    categories: Vec<(&'static str, &'static str)>,
    category: String,
    query_base: String,
}

async fn network_page(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<ItemListQuery>,
) -> Result<Response, AppError> {
    user.require(Role::Volunteer)?;
    let (query, req) = q.to_query()?;
    let (items, total) =
        network_items::list(&state.federation, &query, req.page, req.per_page).await?;
    let query_base = {
        let mut base = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &q.q),
            ("kind", &q.kind),
            ("theme", &q.theme),
            ("category", &q.category),
            ("origin_kind", &q.origin_kind),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                base.append_pair(k, v.trim());
            }
        }
        base.finish()
    };
    let offered = themes::list(&state.db).await?;
    Ok(render(&NetworkPage {
        page,
        items: Page::new(items, req, total),
        q: q.q.unwrap_or_default(),
        kind: q.kind.clone().unwrap_or_default(),
        theme: q.theme.clone().unwrap_or_default(),
        origin_kind: q.origin_kind.unwrap_or_default(),
        themes: offered,
        categories: super::bottlenecks::CATEGORIES.to_vec(),
        category: q.category.unwrap_or_default(),
        query_base,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "knowledge_item.html")]
struct ItemPage {
    page: PageCtx,
    item: ItemLine,
    asked: Vec<noaber_federation::reactions::QuestionLine>,
    can_write: bool,
    question: String,
    errors: Invalid,
    hits: Vec<HitView>,
}

async fn item_page(
    state: &AppState,
    user: &CurrentUser,
    page: PageCtx,
    id: i32,
    question: String,
    errors: Invalid,
    hits: Vec<Hit>,
) -> Result<Response, AppError> {
    user.require(Role::Volunteer)?;
    let item = network_items::get(&state.federation, id)
        .await
        .map_err(Error::from)?;
    if item.deleted {
        return Err(Error::NotFound.into());
    }
    let hits = hits.iter().map(|h| HitView::of(h, &question)).collect();
    let asked = noaber_federation::reactions::questions_about(&state.federation, id)
        .await
        .map_err(Error::from)?;
    Ok(render(&ItemPage {
        page,
        asked,
        can_write: user.0.role.at_least(Role::Coordinator),
        item,
        question,
        errors,
        hits,
    })?
    .into_response())
}

async fn show_item(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    item_page(
        &state,
        &user,
        page,
        id,
        String::new(),
        Invalid::default(),
        Vec::new(),
    )
    .await
}

async fn like_post(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    noaber_federation::reactions::like(&state.federation, id)
        .await
        .map_err(Error::from)?;
    Ok(flash_redirect(
        &format!("/kennis/netwerk/{id}"),
        "flash.liked",
    ))
}

async fn ask_post(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    IdPath(id): IdPath,
    body: Bytes,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let f = Fields::parse(&body);
    let text = f.one("question");
    let confirmed = f.one("confirm_privacy_check") == "ja";
    match super::network::ask(&state.db, &state.federation, id, &text, confirmed).await {
        Ok(()) => Ok(flash_redirect(
            &format!("/kennis/netwerk/{id}"),
            "flash.question_sent",
        )),
        Err(Error::Invalid(inv)) => item_page(&state, &user, page, id, text, inv, Vec::new()).await,
        Err(Error::PrivacyCheck(hits)) => {
            item_page(&state, &user, page, id, text, Invalid::default(), hits).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn copy_post(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    let me = user.require(Role::Coordinator)?.id;
    let copy = publications::save_copy(&state.db, &state.federation, Some(me), id).await?;
    Ok(flash_redirect(
        &format!("/kennis/{}/bewerken", copy.id),
        "flash.copy_saved",
    ))
}

#[derive(Template)]
#[template(path = "knowledge_own.html")]
struct OwnPage {
    page: PageCtx,
    list: Page<PublicationView>,
    can_write: bool,
}

async fn own_page(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    user.require(Role::Volunteer)?;
    let list = publications::list(&state.db, None, false, q.page_request()).await?;
    Ok(render(&OwnPage {
        page,
        list,
        can_write: user.0.role.at_least(Role::Coordinator),
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "knowledge_show.html")]
struct ShowPage {
    page: PageCtx,
    p: PublicationView,
    can_write: bool,
    likes: usize,
    questions: Vec<noaber_federation::reactions::ReactionLine>,
}

/// A publication's page; a public one is open to anyone (it is where
/// other fediverse software links to).
async fn show_own(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    page: PageCtx,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    let p = publications::get(&state.db, id, None).await?;
    let signed_in = user.is_some();
    if !signed_in && p.visibility != Visibility::Public {
        return Err(Error::NotFound.into());
    }
    let reactions = match (&p.object_id, signed_in) {
        (Some(object_id), true) => {
            noaber_federation::reactions::for_object(&state.federation, object_id)
                .await
                .map_err(Error::from)?
        }
        _ => Vec::new(),
    };
    let likes = reactions.iter().filter(|r| r.kind == "like").count();
    let questions = reactions
        .into_iter()
        .filter(|r| r.kind == "question")
        .collect();
    Ok(render(&ShowPage {
        page,
        can_write: user.is_some_and(|u| u.role.at_least(Role::Coordinator)),
        p,
        likes,
        questions,
    })?
    .into_response())
}

/// A privacy-check hit with the text around it, to show in place.
pub struct HitView {
    pub field: &'static str,
    pub kind: &'static str,
    pub before: String,
    pub hit: String,
    pub after: String,
}

impl HitView {
    pub fn of(h: &Hit, text: &str) -> Self {
        let before: String = text
            .get(..h.start)
            .unwrap_or("")
            .chars()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after: String = text.get(h.end..).unwrap_or("").chars().take(40).collect();
        Self {
            field: h.field,
            kind: h.kind.label(),
            before,
            hit: h.text.clone(),
            after,
        }
    }
}

/// The form's values as typed.
#[derive(Debug, Clone, Default)]
struct FormValues {
    title: String,
    summary: String,
    body: String,
    themes: Vec<String>,
    categories: Vec<String>,
    own_theme: String,
    links: String,
    visibility: String,
    starts_at: String,
    ends_at: String,
    location: String,
}

/// Pairs of a posted form (a field may repeat: the themes).
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).into_owned().collect())
    }

    pub fn one(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl FormValues {
    fn from_fields(f: &Fields) -> Self {
        Self {
            title: f.one("title"),
            summary: f.one("summary"),
            body: f.one("body"),
            themes: f.all("themes"),
            categories: f.all("bottleneck_categories"),
            own_theme: f.one("own_theme"),
            links: f.one("links"),
            visibility: f.one("visibility"),
            starts_at: f.one("starts_at"),
            ends_at: f.one("ends_at"),
            location: f.one("location"),
        }
    }

    fn from_view(p: &PublicationView) -> Self {
        let local = |t: &Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| {
                publications::dutch_local(t)
                    .format("%Y-%m-%dT%H:%M")
                    .to_string()
            })
            .unwrap_or_default()
        };
        Self {
            title: p.title.clone(),
            summary: p.summary.clone(),
            body: p.body.clone(),
            themes: p.themes.clone(),
            categories: p.bottleneck_categories.clone(),
            own_theme: String::new(),
            links: p.links.join("\n"),
            visibility: p.visibility.as_str().to_owned(),
            starts_at: local(&p.starts_at),
            ends_at: local(&p.ends_at),
            location: p.location.clone().unwrap_or_default(),
        }
    }

    fn input(&self, kind: Kind, confirmed: bool) -> PublicationInput {
        let mut themes = self.themes.clone();
        themes.extend(
            self.own_theme
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        );
        let event = kind == Kind::Event;
        PublicationInput {
            title: Some(self.title.clone()),
            summary: Some(self.summary.clone()),
            body: Some(self.body.clone()),
            themes: Some(themes),
            bottleneck_categories: (kind == Kind::Article).then(|| self.categories.clone()),
            links: Some(self.links.lines().map(str::to_owned).collect()),
            visibility: Some(self.visibility.clone()),
            starts_at: event.then(|| self.starts_at.clone()),
            ends_at: event.then(|| self.ends_at.clone()),
            location: event.then(|| self.location.clone()),
            confirm_privacy_check: confirmed,
        }
    }

    fn field_text(&self, field: &str) -> String {
        match field {
            "title" => self.title.clone(),
            "summary" => self.summary.clone(),
            "body" => self.body.clone(),
            "location" => self.location.clone(),
            "links" => self.links.clone(),
            _ => String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "knowledge_form.html")]
struct FormPage {
    page: PageCtx,
    kind: Kind,
    action: String,
    editing: bool,
    v: FormValues,
    errors: Invalid,
    hits: Vec<HitView>,
    preview: Option<String>,
    theme_opts: Vec<(String, bool)>,
    /// Bottleneck categories: value, label key, chosen.
    category_opts: Vec<(&'static str, &'static str, bool)>,
}

impl FormPage {
    fn new(
        page: PageCtx,
        kind: Kind,
        action: String,
        editing: bool,
        v: FormValues,
        offered: &[String],
    ) -> Self {
        let mut theme_opts: Vec<(String, bool)> = offered
            .iter()
            .map(|t| (t.clone(), v.themes.iter().any(|x| x == t)))
            .collect();
        for t in &v.themes {
            if !offered.contains(t) {
                theme_opts.push((t.clone(), true));
            }
        }
        let category_opts = super::bottlenecks::CATEGORIES
            .iter()
            .map(|(value, key)| (*value, *key, v.categories.iter().any(|c| c == value)))
            .collect();
        Self {
            page,
            kind,
            action,
            editing,
            v,
            errors: Invalid::default(),
            hits: Vec::new(),
            preview: None,
            theme_opts,
            category_opts,
        }
    }

    fn title_key(&self) -> &'static str {
        match (self.editing, self.kind) {
            (true, _) => "knowledge.edit",
            (false, Kind::Article) => "knowledge.new_article",
            (false, Kind::Update) => "knowledge.new_update",
            (false, Kind::Event) => "knowledge.new_event",
        }
    }

    fn is_event(&self) -> bool {
        self.kind == Kind::Event
    }

    fn visibility_is(&self, v: &str) -> bool {
        self.v.visibility == v || (self.v.visibility.is_empty() && v == "draft")
    }
}

#[derive(Deserialize)]
struct KindQuery {
    soort: Option<String>,
}

async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<KindQuery>,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let kind = q
        .soort
        .as_deref()
        .and_then(Kind::parse)
        .unwrap_or(Kind::Article);
    let action = format!("/kennis/nieuw?soort={}", kind.as_str());
    let offered = themes::list(&state.db).await?;
    Ok(render(&FormPage::new(
        page,
        kind,
        action,
        false,
        FormValues::default(),
        &offered,
    ))?
    .into_response())
}

/// Handles a posted form: a preview, or saving (create or change).
async fn handle_form(
    state: &AppState,
    user: &CurrentUser,
    page: PageCtx,
    kind: Kind,
    existing: Option<i32>,
    body: &[u8],
) -> Result<Response, AppError> {
    let me = user.require(Role::Coordinator)?.id;
    let f = Fields::parse(body);
    let v = FormValues::from_fields(&f);
    let confirmed = f.one("confirm_privacy_check") == "ja";
    let action = match existing {
        Some(id) => format!("/kennis/{id}/bewerken"),
        None => format!("/kennis/nieuw?soort={}", kind.as_str()),
    };
    let offered = themes::list(&state.db).await?;
    let mut form = FormPage::new(page, kind, action, existing.is_some(), v.clone(), &offered);
    let input = v.input(kind, confirmed);
    if f.one("action") == "preview" {
        let names = publications::member_names(&state.db).await?;
        let mut hits = Vec::new();
        for (field, text) in [
            ("title", &v.title),
            ("summary", &v.summary),
            ("body", &v.body),
        ] {
            hits.extend(privacy_check::scan(field, text, &names));
        }
        form.hits = hits
            .iter()
            .map(|h| HitView::of(h, &v.field_text(h.field)))
            .collect();
        form.preview = Some(markdown::to_html(&v.body));
        return Ok(render(&form)?.into_response());
    }
    let saved = match existing {
        Some(id) => publications::update(&state.db, &state.federation, id, None, &input).await,
        None => publications::create(&state.db, &state.federation, Some(me), kind, &input).await,
    };
    match saved {
        Ok(p) => {
            let flash = if p.visibility == Visibility::Draft {
                "flash.saved_draft"
            } else {
                "flash.published"
            };
            Ok(flash_redirect(&format!("/kennis/{}", p.id), flash))
        }
        Err(Error::Invalid(inv)) => {
            form.errors = inv;
            Ok(render(&form)?.into_response())
        }
        Err(Error::PrivacyCheck(hits)) => {
            form.hits = hits
                .iter()
                .map(|h| HitView::of(h, &v.field_text(h.field)))
                .collect();
            Ok(render(&form)?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_post(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Query(q): Query<KindQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    let kind = q
        .soort
        .as_deref()
        .and_then(Kind::parse)
        .unwrap_or(Kind::Article);
    handle_form(&state, &user, page, kind, None, &body).await
}

async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let p = publications::get(&state.db, id, None).await?;
    let offered = themes::list(&state.db).await?;
    let form = FormPage::new(
        page,
        p.kind,
        format!("/kennis/{id}/bewerken"),
        true,
        FormValues::from_view(&p),
        &offered,
    );
    Ok(render(&form)?.into_response())
}

async fn edit_post(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    IdPath(id): IdPath,
    body: Bytes,
) -> Result<Response, AppError> {
    let p = publications::get(&state.db, id, None).await?;
    handle_form(&state, &user, page, p.kind, Some(id), &body).await
}

#[derive(Template)]
#[template(path = "knowledge_delete.html")]
pub struct DeletePage {
    pub page: PageCtx,
    pub title: String,
    /// Shared with the network (a tombstone follows), or a draft.
    pub published: bool,
    pub action: String,
    pub back: String,
}

async fn delete_confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let p = publications::get(&state.db, id, None).await?;
    Ok(render(&DeletePage {
        page,
        published: p.object_id.is_some(),
        title: p.title,
        action: format!("/kennis/{id}/verwijderen"),
        back: format!("/kennis/{id}"),
    })?
    .into_response())
}

async fn delete_post(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    publications::delete(&state.db, &state.federation, id, None).await?;
    Ok(flash_redirect("/kennis/eigen", "flash.deleted"))
}

#[derive(Template)]
#[template(path = "knowledge_themes.html")]
struct ThemesPage {
    page: PageCtx,
    text: String,
    errors: Invalid,
}

async fn themes_form(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let text = themes::list(&state.db).await?.join("\n");
    Ok(render(&ThemesPage {
        page,
        text,
        errors: Invalid::default(),
    })?
    .into_response())
}

async fn themes_post(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    body: Bytes,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let text = Fields::parse(&body).one("themes");
    let names: Vec<String> = text.lines().map(str::to_owned).collect();
    match themes::save(&state.db, &names).await {
        Ok(_) => Ok(flash_redirect("/kennis/themas", "flash.themes_saved")),
        Err(Error::Invalid(errors)) => {
            Ok(render(&ThemesPage { page, text, errors })?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn answer_post(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path((id, reaction)): axum::extract::Path<(i32, i32)>,
    body: Bytes,
) -> Result<Response, AppError> {
    user.require(Role::Coordinator)?;
    let f = Fields::parse(&body);
    let text = f.one("answer");
    let confirmed = f.one("confirm_privacy_check") == "ja";
    match super::network::answer(&state.db, &state.federation, id, reaction, &text, confirmed).await
    {
        Ok(()) => Ok(flash_redirect(
            &format!("/kennis/{id}"),
            "flash.answer_sent",
        )),
        // The short form sits under the question; its errors come back as
        // a page of their own that names them and leads back.
        Err(e) => Err(e.into()),
    }
}
