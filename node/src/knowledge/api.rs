//! `/api/v1/articles`, `/updates`, `/events` (what this node writes),
//! `/network/items` (what it received), `/privacy-check`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use noaber_federation::network_items::{self, ItemLine, ItemQuery};
use noaber_federation::protocol::item::ItemKind;
use noaber_federation::reactions::{self, ReactionLine};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::bottlenecks::{self, BottleneckInput, BottleneckView, CategoryCount};
use super::privacy_check::{self, Hit};
use super::publications::{self, Kind, PublicationInput, PublicationView};
use crate::accounts::Role;
use crate::api::{ApiJson, ApiQuery, IdPath};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::{AppError, ErrorBody};
use crate::pagination::{ListQuery, Page, PageRequest};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles, create_article))
        .routes(routes!(get_article, patch_article, delete_article))
        .routes(routes!(article_reactions))
        .routes(routes!(answer_question))
        .routes(routes!(list_updates, create_update))
        .routes(routes!(get_update, patch_update, delete_update))
        .routes(routes!(list_events, create_event))
        .routes(routes!(get_event, patch_event, delete_event))
        .routes(routes!(network_items_list))
        .routes(routes!(network_item))
        .routes(routes!(like_item))
        .routes(routes!(item_questions, ask_item))
        .routes(routes!(copy_item))
        .routes(routes!(privacy_check_text))
        .routes(routes!(list_bottlenecks, create_bottleneck))
        .routes(routes!(bottleneck_counts))
        .routes(routes!(get_themes, put_themes))
        .routes(routes!(get_bottleneck, patch_bottleneck, delete_bottleneck))
}

/// Writing for the network is a coordinator's job.
fn writer(user: &ApiUser) -> Result<Option<i32>, AppError> {
    Ok(Some(user.require(Role::Coordinator)?.id))
}

/// Reading is open to every account.
fn reader(user: &ApiUser) -> Result<(), AppError> {
    user.require(Role::Volunteer)?;
    Ok(())
}

async fn create(
    state: &AppState,
    user: &ApiUser,
    kind: Kind,
    input: &PublicationInput,
) -> Result<(StatusCode, Json<PublicationView>), AppError> {
    let who = writer(user)?;
    Ok((
        StatusCode::CREATED,
        Json(publications::create(&state.db, &state.federation, who, kind, input).await?),
    ))
}

async fn list(
    state: &AppState,
    user: &ApiUser,
    kind: Kind,
    q: &ListQuery,
) -> Result<Json<Page<PublicationView>>, AppError> {
    reader(user)?;
    Ok(Json(
        publications::list(&state.db, Some(kind), false, q.page_request()).await?,
    ))
}

macro_rules! kind_handlers {
    ($kind:expr, $tag:literal, $list_path:literal, $one_path:literal,
     $list:ident, $create:ident, $get:ident, $patch:ident, $delete:ident) => {
        #[doc = concat!("The node's own ", $tag, ", newest first.")]
        #[utoipa::path(get, path = $list_path, tag = $tag, params(ListQuery), security(("bearer" = [])),
            responses((status = 200, body = Page<PublicationView>), (status = 401, body = ErrorBody)))]
        async fn $list(
            State(state): State<AppState>,
            user: ApiUser,
            ApiQuery(q): ApiQuery<ListQuery>,
        ) -> Result<Json<Page<PublicationView>>, AppError> {
            list(&state, &user, $kind, &q).await
        }

        #[doc = concat!("Writes one (coordinators). Published unless `visibility` is `draft`; ",
            "refused with 422 `privacy_check` when the text looks like it holds personal data, ",
            "unless `confirm_privacy_check` is true.")]
        #[utoipa::path(post, path = $list_path, tag = $tag, request_body = PublicationInput, security(("bearer" = [])),
            responses((status = 201, body = PublicationView), (status = 422, body = ErrorBody)))]
        async fn $create(
            State(state): State<AppState>,
            user: ApiUser,
            ApiJson(input): ApiJson<PublicationInput>,
        ) -> Result<(StatusCode, Json<PublicationView>), AppError> {
            create(&state, &user, $kind, &input).await
        }

        #[doc = "One of them."]
        #[utoipa::path(get, path = $one_path, tag = $tag, params(("id" = i32, Path)), security(("bearer" = [])),
            responses((status = 200, body = PublicationView), (status = 404, body = ErrorBody)))]
        async fn $get(
            State(state): State<AppState>,
            user: ApiUser,
            IdPath(id): IdPath,
        ) -> Result<Json<PublicationView>, AppError> {
            reader(&user)?;
            Ok(Json(publications::get(&state.db, id, Some($kind)).await?))
        }

        #[doc = "Changes it (coordinators); followers get the new version."]
        #[utoipa::path(patch, path = $one_path, tag = $tag, params(("id" = i32, Path)), request_body = PublicationInput,
            security(("bearer" = [])),
            responses((status = 200, body = PublicationView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
        async fn $patch(
            State(state): State<AppState>,
            user: ApiUser,
            IdPath(id): IdPath,
            ApiJson(input): ApiJson<PublicationInput>,
        ) -> Result<Json<PublicationView>, AppError> {
            writer(&user)?;
            Ok(Json(
                publications::update(&state.db, &state.federation, id, Some($kind), &input).await?,
            ))
        }

        #[doc = "Deletes it (coordinators); followers keep only a tombstone."]
        #[utoipa::path(delete, path = $one_path, tag = $tag, params(("id" = i32, Path)), security(("bearer" = [])),
            responses((status = 204), (status = 404, body = ErrorBody)))]
        async fn $delete(
            State(state): State<AppState>,
            user: ApiUser,
            IdPath(id): IdPath,
        ) -> Result<StatusCode, AppError> {
            writer(&user)?;
            publications::delete(&state.db, &state.federation, id, Some($kind)).await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

kind_handlers!(
    Kind::Article,
    "articles",
    "/api/v1/articles",
    "/api/v1/articles/{id}",
    list_articles,
    create_article,
    get_article,
    patch_article,
    delete_article
);
kind_handlers!(
    Kind::Update,
    "updates",
    "/api/v1/updates",
    "/api/v1/updates/{id}",
    list_updates,
    create_update,
    get_update,
    patch_update,
    delete_update
);
kind_handlers!(
    Kind::Event,
    "events",
    "/api/v1/events",
    "/api/v1/events/{id}",
    list_events,
    create_event,
    get_event,
    patch_event,
    delete_event
);

/// Likes and questions from other nodes, with their counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reactions {
    pub likes: usize,
    pub questions: usize,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ReactionLine>,
}

/// What other nodes said of an article: "dit helpt ons ook" and questions.
#[utoipa::path(get, path = "/api/v1/articles/{id}/reactions", tag = "articles", params(("id" = i32, Path)),
    security(("bearer" = [])), responses((status = 200, body = Reactions), (status = 404, body = ErrorBody)))]
async fn article_reactions(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<Reactions>, AppError> {
    reader(&user)?;
    let article = publications::get(&state.db, id, Some(Kind::Article)).await?;
    let items = match &article.object_id {
        Some(object_id) => reactions::for_object(&state.federation, object_id).await?,
        None => Vec::new(),
    };
    Ok(Json(Reactions {
        likes: items.iter().filter(|r| r.kind == "like").count(),
        questions: items.iter().filter(|r| r.kind == "question").count(),
        items,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemListQuery {
    pub page: Option<String>,
    pub per_page: Option<String>,
    /// Words to search for (Dutch: "vrijwilligers" finds "vrijwilliger").
    pub q: Option<String>,
    /// `article`, `update`, `event`, `bottleneck`.
    pub kind: Option<String>,
    pub theme: Option<String>,
    /// A bottleneck category, e.g. `vog`.
    pub category: Option<String>,
    /// The origin's actor URL.
    pub origin: Option<String>,
    /// `initiative`, `regional`, `national`.
    pub origin_kind: Option<String>,
}

impl ItemListQuery {
    pub fn to_query(&self) -> Result<(ItemQuery, PageRequest), AppError> {
        let mut errors = crate::validation::Invalid::default();
        let kind = match self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            Some(k) => ItemKind::parse(k).or_else(|| {
                errors.add("kind", "error.item_kind");
                None
            }),
            None => None,
        };
        let origin_kind = match self
            .origin_kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            Some(k) if k.parse::<noaber_federation::NodeKind>().is_ok() => Some(k.to_owned()),
            Some(_) => {
                errors.add("origin_kind", "error.node_kind");
                None
            }
            None => None,
        };
        errors.into_result()?;
        let lq = ListQuery {
            page: self.page.clone(),
            per_page: self.per_page.clone(),
            q: self.q.clone(),
        };
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok((
            ItemQuery {
                q: lq.search().map(str::to_owned),
                kind,
                theme: clean(&self.theme),
                category: clean(&self.category),
                origin: clean(&self.origin),
                origin_kind,
                with_deleted: false,
            },
            lq.page_request(),
        ))
    }
}

/// A page of received items.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemPage {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ItemLine>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    pub pages: u64,
}

/// Knowledge received from the network, newest first: articles,
/// bottlenecks, updates and events, each with its origin.
#[utoipa::path(get, path = "/api/v1/network/items", tag = "network", params(ItemListQuery), security(("bearer" = [])),
    responses((status = 200, body = ItemPage), (status = 422, body = ErrorBody)))]
async fn network_items_list(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ItemListQuery>,
) -> Result<Json<ItemPage>, AppError> {
    reader(&user)?;
    let (query, req) = q.to_query()?;
    let (items, total) =
        network_items::list(&state.federation, &query, req.page, req.per_page).await?;
    let page = Page::new(items, req, total);
    Ok(Json(ItemPage {
        items: page.items,
        page: page.page,
        per_page: page.per_page,
        total: page.total,
        pages: page.pages,
    }))
}

/// One received item.
#[utoipa::path(get, path = "/api/v1/network/items/{id}", tag = "network", params(("id" = i32, Path)),
    security(("bearer" = [])), responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
async fn network_item(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<ItemLine>, AppError> {
    reader(&user)?;
    Ok(Json(network_items::get(&state.federation, id).await?))
}

/// "Dit helpt ons ook": a `Like` to the item's origin (coordinators).
#[utoipa::path(post, path = "/api/v1/network/items/{id}/like", tag = "network", params(("id" = i32, Path)),
    security(("bearer" = [])), responses((status = 202), (status = 404, body = ErrorBody)))]
async fn like_item(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    writer(&user)?;
    reactions::like(&state.federation, id).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    pub text: String,
    /// Send although the privacy check found something.
    #[serde(default)]
    pub confirm_privacy_check: bool,
}

/// A question to the item's origin (coordinators); privacy-checked.
#[utoipa::path(post, path = "/api/v1/network/items/{id}/questions", tag = "network", params(("id" = i32, Path)),
    request_body = QuestionInput, security(("bearer" = [])),
    responses((status = 202), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn ask_item(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<QuestionInput>,
) -> Result<StatusCode, AppError> {
    writer(&user)?;
    super::network::ask(
        &state.db,
        &state.federation,
        id,
        &input.text,
        input.confirm_privacy_check,
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

/// Saves a received item as the node's own draft, naming its source.
#[utoipa::path(post, path = "/api/v1/network/items/{id}/copy", tag = "network", params(("id" = i32, Path)),
    security(("bearer" = [])), responses((status = 201, body = PublicationView), (status = 404, body = ErrorBody)))]
async fn copy_item(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<(StatusCode, Json<PublicationView>), AppError> {
    let who = writer(&user)?;
    Ok((
        StatusCode::CREATED,
        Json(publications::save_copy(&state.db, &state.federation, who, id).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    pub text: String,
}

/// What the privacy check finds in a text (nothing is stored).
#[utoipa::path(post, path = "/api/v1/privacy-check", tag = "articles", request_body = CheckInput,
    security(("bearer" = [])), responses((status = 200, body = [Hit])))]
async fn privacy_check_text(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<CheckInput>,
) -> Result<Json<Vec<Hit>>, AppError> {
    writer(&user)?;
    let names = publications::member_names(&state.db).await?;
    Ok(Json(privacy_check::scan("text", &input.text, &names)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BottleneckListQuery {
    pub page: Option<String>,
    pub per_page: Option<String>,
    /// `open`, `in_behandeling`, `opgelost`.
    pub status: Option<String>,
    pub category: Option<String>,
}

impl BottleneckListQuery {
    pub fn filters(&self) -> Result<(Option<String>, Option<String>, PageRequest), AppError> {
        let mut e = crate::validation::Invalid::default();
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let status = clean(&self.status);
        if let Some(s) = &status
            && !bottlenecks::STATUSES.iter().any(|(v, _)| v == s)
        {
            e.add("status", "error.bottleneck_status");
        }
        let category = clean(&self.category);
        if let Some(c) = &category
            && !bottlenecks::CATEGORIES.iter().any(|(v, _)| v == c)
        {
            e.add("category", "error.bottleneck_category");
        }
        e.into_result()?;
        let lq = ListQuery {
            page: self.page.clone(),
            per_page: self.per_page.clone(),
            q: None,
        };
        Ok((status, category, lq.page_request()))
    }
}

/// The bottleneck register, most recently changed first.
#[utoipa::path(get, path = "/api/v1/bottlenecks", tag = "bottlenecks", params(BottleneckListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<BottleneckView>), (status = 422, body = ErrorBody)))]
async fn list_bottlenecks(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<BottleneckListQuery>,
) -> Result<Json<Page<BottleneckView>>, AppError> {
    reader(&user)?;
    let (status, category, req) = q.filters()?;
    Ok(Json(
        bottlenecks::list(&state.db, status.as_deref(), category.as_deref(), req).await?,
    ))
}

/// Adds a bottleneck (coordinators); published unless `visibility` is
/// `draft`, after the privacy check.
#[utoipa::path(post, path = "/api/v1/bottlenecks", tag = "bottlenecks", request_body = BottleneckInput, security(("bearer" = [])),
    responses((status = 201, body = BottleneckView), (status = 422, body = ErrorBody)))]
async fn create_bottleneck(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<BottleneckInput>,
) -> Result<(StatusCode, Json<BottleneckView>), AppError> {
    let who = writer(&user)?;
    Ok((
        StatusCode::CREATED,
        Json(bottlenecks::create(&state.db, &state.federation, who, &input).await?),
    ))
}

/// Open, in progress and solved bottlenecks per category.
#[utoipa::path(get, path = "/api/v1/bottlenecks/counts", tag = "bottlenecks", security(("bearer" = [])),
    responses((status = 200, body = [CategoryCount])))]
async fn bottleneck_counts(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<CategoryCount>>, AppError> {
    reader(&user)?;
    Ok(Json(bottlenecks::counts(&state.db).await?))
}

/// One bottleneck.
#[utoipa::path(get, path = "/api/v1/bottlenecks/{id}", tag = "bottlenecks", params(("id" = i32, Path)), security(("bearer" = [])),
    responses((status = 200, body = BottleneckView), (status = 404, body = ErrorBody)))]
async fn get_bottleneck(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<BottleneckView>, AppError> {
    reader(&user)?;
    Ok(Json(bottlenecks::get(&state.db, id).await?))
}

/// Changes a bottleneck (coordinators): its status, the article that
/// solved it, its text; followers get the new version.
#[utoipa::path(patch, path = "/api/v1/bottlenecks/{id}", tag = "bottlenecks", params(("id" = i32, Path)),
    request_body = BottleneckInput, security(("bearer" = [])),
    responses((status = 200, body = BottleneckView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_bottleneck(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<BottleneckInput>,
) -> Result<Json<BottleneckView>, AppError> {
    writer(&user)?;
    Ok(Json(
        bottlenecks::update(&state.db, &state.federation, id, &input).await?,
    ))
}

/// Deletes a bottleneck (coordinators); followers keep a tombstone.
#[utoipa::path(delete, path = "/api/v1/bottlenecks/{id}", tag = "bottlenecks", params(("id" = i32, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_bottleneck(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<StatusCode, AppError> {
    writer(&user)?;
    bottlenecks::delete(&state.db, &state.federation, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The themes the node offers for its knowledge.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Themes {
    pub themes: Vec<String>,
}

/// The themes offered (the node's own list, or the default one).
#[utoipa::path(get, path = "/api/v1/themes", tag = "articles", security(("bearer" = [])),
    responses((status = 200, body = Themes)))]
async fn get_themes(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Themes>, AppError> {
    reader(&user)?;
    Ok(Json(Themes {
        themes: super::themes::list(&state.db).await?,
    }))
}

/// Replaces the themes offered (coordinators); an empty list brings back
/// the default one.
#[utoipa::path(put, path = "/api/v1/themes", tag = "articles", request_body = Themes, security(("bearer" = [])),
    responses((status = 200, body = Themes), (status = 422, body = ErrorBody)))]
async fn put_themes(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<Themes>,
) -> Result<Json<Themes>, AppError> {
    writer(&user)?;
    Ok(Json(Themes {
        themes: super::themes::save(&state.db, &input.themes).await?,
    }))
}

/// Answers a question from another node (coordinators); privacy-checked.
#[utoipa::path(post, path = "/api/v1/articles/{id}/reactions/{reaction_id}/answer", tag = "articles",
    params(("id" = i32, Path), ("reaction_id" = i32, Path)), request_body = QuestionInput, security(("bearer" = [])),
    responses((status = 202), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn answer_question(
    State(state): State<AppState>,
    user: ApiUser,
    axum::extract::Path((id, reaction_id)): axum::extract::Path<(i32, i32)>,
    ApiJson(input): ApiJson<QuestionInput>,
) -> Result<StatusCode, AppError> {
    writer(&user)?;
    super::network::answer(
        &state.db,
        &state.federation,
        id,
        reaction_id,
        &input.text,
        input.confirm_privacy_check,
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

/// The questions this node asked about a received item, with the answers.
#[utoipa::path(get, path = "/api/v1/network/items/{id}/questions", tag = "network", params(("id" = i32, Path)),
    security(("bearer" = [])), responses((status = 200, body = [Object])))]
async fn item_questions(
    State(state): State<AppState>,
    user: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<noaber_federation::reactions::QuestionLine>>, AppError> {
    reader(&user)?;
    Ok(Json(
        noaber_federation::reactions::questions_about(&state.federation, id).await?,
    ))
}
