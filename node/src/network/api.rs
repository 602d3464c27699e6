//! `/api/v1/follow-requests`, `/followers`, `/following`, `/deliveries`,
//! `/blocks`, `/federation/policy`, `/relays`, `/servers` (admins).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use noaber_federation::actor::{AutoApprove, UsagePolicy};
use noaber_federation::{blocks, follows, outbox, relays, servers};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Role;
use crate::api::{ApiJson, ApiQuery};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::{AppError, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(follow_requests))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(followers))
        .routes(routes!(remove_follower))
        .routes(routes!(following, follow))
        .routes(routes!(unfollow))
        .routes(routes!(deliveries))
        .routes(routes!(retry))
        .routes(routes!(list_blocks, block))
        .routes(routes!(unblock))
        .routes(routes!(get_policy, set_policy))
        .routes(routes!(list_relays, add_relay))
        .routes(routes!(remove_relay))
        .routes(routes!(list_servers))
}

/// A LitePub relay subscription of the instance actor.
#[derive(Debug, Serialize, ToSchema)]
pub struct Relay {
    /// `pending`, `accepted`, `rejected`.
    pub state: String,
    pub actor_url: String,
    pub inbox: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<relays::RelayLine> for Relay {
    fn from(r: relays::RelayLine) -> Self {
        Self {
            state: r.state,
            actor_url: r.actor_url,
            inbox: r.inbox,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelayTarget {
    /// The relay's actor URL, or its inbox URL.
    pub url: String,
}

/// Relays the node subscribes to.
#[utoipa::path(get, path = "/api/v1/relays", tag = "network", security(("bearer" = [])),
    responses((status = 200, body = [Relay]), (status = 403, body = ErrorBody)))]
async fn list_relays(
    State(s): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<Relay>>, AppError> {
    admin(&user)?;
    Ok(Json(
        relays::list(&s.federation)
            .await?
            .into_iter()
            .map(Relay::from)
            .collect(),
    ))
}

/// Subscribes to a relay (the instance actor sends Follow); pending until
/// the relay answers.
#[utoipa::path(post, path = "/api/v1/relays", tag = "network", request_body = RelayTarget,
    security(("bearer" = [])), responses((status = 201, body = Relay), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn add_relay(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<RelayTarget>,
) -> Result<(StatusCode, Json<Relay>), AppError> {
    admin(&user)?;
    Ok((
        StatusCode::CREATED,
        Json(relays::subscribe(&s.federation, &b.url).await?.into()),
    ))
}

/// Ends a relay subscription (sends Undo).
#[utoipa::path(post, path = "/api/v1/relays/remove", tag = "network", request_body = ActorRef,
    security(("bearer" = [])), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_relay(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<ActorRef>,
) -> Result<StatusCode, AppError> {
    admin(&user)?;
    relays::unsubscribe(&s.federation, &b.actor_url).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A server that sent signed requests, and how it signed them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Server {
    pub host: String,
    /// `draft-cavage` or `rfc9421`.
    pub signature: String,
}

/// Servers that sent signed requests, with the signature standard each used.
#[utoipa::path(get, path = "/api/v1/servers", tag = "network", security(("bearer" = [])),
    responses((status = 200, body = [Server]), (status = 403, body = ErrorBody)))]
async fn list_servers(
    State(s): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<Server>>, AppError> {
    admin(&user)?;
    Ok(Json(
        servers::list(&s.federation)
            .await?
            .into_iter()
            .map(|(host, signature)| Server { host, signature })
            .collect(),
    ))
}

/// A follower or follow.
#[derive(Debug, Serialize, ToSchema)]
pub struct Follow {
    /// `pending`, `accepted`, `rejected`, `removed`, `withdrawn`.
    pub state: String,
    pub actor_url: String,
    pub name: Option<String>,
    pub username: Option<String>,
    /// `initiative`, `regional`, `national`, or none for other software.
    pub node_kind: Option<String>,
    pub actor_type: Option<String>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<follows::FollowLine> for Follow {
    fn from(l: follows::FollowLine) -> Self {
        Self {
            state: l.state.to_string(),
            actor_url: l.actor_url,
            name: l.name,
            username: l.username,
            node_kind: l.node_kind,
            actor_type: l.actor_type,
            updated_at: l.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorRef {
    pub actor_url: String,
}

fn admin(user: &ApiUser) -> Result<(), AppError> {
    user.require(Role::Admin).map(|_| ())
}

/// Pending follow requests.
#[utoipa::path(get, path = "/api/v1/follow-requests", tag = "network", security(("bearer" = [])),
    responses((status = 200, body = [Follow]), (status = 403, body = ErrorBody)))]
async fn follow_requests(
    State(s): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<Follow>>, AppError> {
    admin(&user)?;
    Ok(Json(
        follows::followers(&s.federation, Some(follows::PENDING))
            .await?
            .into_iter()
            .map(Follow::from)
            .collect(),
    ))
}

/// Approves a follow request (sends Accept).
#[utoipa::path(post, path = "/api/v1/follow-requests/approve", tag = "network", request_body = ActorRef,
    security(("bearer" = [])), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn approve(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<ActorRef>,
) -> Result<StatusCode, AppError> {
    admin(&user)?;
    follows::approve(&s.federation, &b.actor_url).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rejects a follow request (sends Reject).
#[utoipa::path(post, path = "/api/v1/follow-requests/reject", tag = "network", request_body = ActorRef,
    security(("bearer" = [])), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn reject(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<ActorRef>,
) -> Result<StatusCode, AppError> {
    admin(&user)?;
    follows::reject(&s.federation, &b.actor_url).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Followers in every state.
#[utoipa::path(get, path = "/api/v1/followers", tag = "network", security(("bearer" = [])),
    responses((status = 200, body = [Follow])))]
async fn followers(
    State(s): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<Follow>>, AppError> {
    admin(&user)?;
    Ok(Json(
        follows::followers(&s.federation, None)
            .await?
            .into_iter()
            .map(Follow::from)
            .collect(),
    ))
}

/// Removes an approved follower (sends Reject; no more deliveries).
#[utoipa::path(post, path = "/api/v1/followers/remove", tag = "network", request_body = ActorRef,
    security(("bearer" = [])), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_follower(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<ActorRef>,
) -> Result<StatusCode, AppError> {
    admin(&user)?;
    follows::remove(&s.federation, &b.actor_url).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The nodes this node follows.
#[utoipa::path(get, path = "/api/v1/following", tag = "network", security(("bearer" = [])),
    responses((status = 200, body = [Follow])))]
async fn following(
    State(s): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<Follow>>, AppError> {
    admin(&user)?;
    Ok(Json(
        follows::following(&s.federation)
            .await?
            .into_iter()
            .map(Follow::from)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowTarget {
    /// `name@host`, an actor URL, or a node's home URL.
    pub target: String,
}

/// Follows another node; pending until it answers.
#[utoipa::path(post, path = "/api/v1/following", tag = "network", request_body = FollowTarget,
    security(("bearer" = [])), responses((status = 201, body = Follow), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn follow(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<FollowTarget>,
) -> Result<(StatusCode, Json<Follow>), AppError> {
    admin(&user)?;
    Ok((
        StatusCode::CREATED,
        Json(follows::follow(&s.federation, &b.target).await?.into()),
    ))
}

/// Stops following (sends Undo).
#[utoipa::path(post, path = "/api/v1/following/unfollow", tag = "network", request_body = ActorRef,
    security(("bearer" = [])), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn unfollow(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<ActorRef>,
) -> Result<StatusCode, AppError> {
    admin(&user)?;
    follows::unfollow(&s.federation, &b.actor_url).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: i32,
    /// `pending`, `sending`, `delivered`, `failed`.
    pub state: String,
    pub inbox: String,
    pub activity_id: String,
    pub kind: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub unreachable: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<Delivery>,
    pub total: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    pub state: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// The outbox's deliveries, newest first.
#[utoipa::path(get, path = "/api/v1/deliveries", tag = "network", params(DeliveryQuery), security(("bearer" = [])),
    responses((status = 200, body = DeliveryPage)))]
async fn deliveries(
    State(s): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> Result<Json<DeliveryPage>, AppError> {
    admin(&user)?;
    let page = q.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1);
    let per_page = q
        .per_page
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(50);
    let (items, total) = outbox::list(
        &s.federation,
        q.state.as_deref().filter(|s| !s.is_empty()),
        page,
        per_page,
    )
    .await?;
    Ok(Json(DeliveryPage {
        total,
        items: items
            .into_iter()
            .map(|d| Delivery {
                id: d.id,
                state: d.state.to_string(),
                inbox: d.inbox,
                activity_id: d.activity_id,
                kind: d.kind,
                attempts: d.attempts,
                next_attempt_at: d.next_attempt_at,
                last_status: d.last_status,
                last_error: d.last_error,
                delivered_at: d.delivered_at,
                unreachable: d.unreachable,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryBody {
    /// One delivery; leave out for all failed and waiting ones.
    pub id: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    pub count: u64,
}

/// Tries failed and waiting deliveries again now.
#[utoipa::path(post, path = "/api/v1/deliveries/retry", tag = "network", request_body = RetryBody,
    security(("bearer" = [])), responses((status = 200, body = Count)))]
async fn retry(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<RetryBody>,
) -> Result<Json<Count>, AppError> {
    admin(&user)?;
    Ok(Json(Count {
        count: outbox::retry(&s.federation, b.id).await?,
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub domain: String,
}

/// Blocked domains.
#[utoipa::path(get, path = "/api/v1/blocks", tag = "network", security(("bearer" = [])),
    responses((status = 200, body = [String])))]
async fn list_blocks(
    State(s): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<String>>, AppError> {
    admin(&user)?;
    Ok(Json(blocks::list(&s.federation).await?))
}

/// Blocks a domain: its activities are refused and its followers removed.
#[utoipa::path(post, path = "/api/v1/blocks", tag = "network", request_body = Domain,
    security(("bearer" = [])), responses((status = 201, body = Domain), (status = 422, body = ErrorBody)))]
async fn block(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<Domain>,
) -> Result<(StatusCode, Json<Domain>), AppError> {
    admin(&user)?;
    let domain = blocks::block(&s.federation, &b.domain).await?;
    Ok((StatusCode::CREATED, Json(Domain { domain })))
}

/// Lifts a block.
#[utoipa::path(post, path = "/api/v1/blocks/remove", tag = "network", request_body = Domain,
    security(("bearer" = [])), responses((status = 204)))]
async fn unblock(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<Domain>,
) -> Result<StatusCode, AppError> {
    admin(&user)?;
    blocks::unblock(&s.federation, &b.domain).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `never` (a person approves each follower) or `always`.
    pub auto_approve: Option<String>,
    /// What NodeInfo shows about users: `real`, `zero` or `none`.
    pub nodeinfo_usage: Option<String>,
    /// Whether a regional or national node passes on the knowledge it
    /// receives to its own followers (default on).
    pub relaying: Option<bool>,
}

/// The follow and NodeInfo policies.
#[utoipa::path(get, path = "/api/v1/federation/policy", tag = "network", security(("bearer" = [])),
    responses((status = 200, body = Policy)))]
async fn get_policy(State(s): State<AppState>, user: ApiUser) -> Result<Json<Policy>, AppError> {
    admin(&user)?;
    let a = noaber_federation::actor::load(&s.federation).await?;
    Ok(Json(Policy {
        auto_approve: Some(a.row.auto_approve),
        nodeinfo_usage: Some(a.row.nodeinfo_usage),
        relaying: Some(a.row.relaying),
    }))
}

/// Changes the follow or NodeInfo policy.
#[utoipa::path(patch, path = "/api/v1/federation/policy", tag = "network", request_body = Policy,
    security(("bearer" = [])), responses((status = 200, body = Policy), (status = 400, body = ErrorBody)))]
async fn set_policy(
    State(s): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<Policy>,
) -> Result<Json<Policy>, AppError> {
    admin(&user)?;
    let auto = match b.auto_approve.as_deref() {
        None => None,
        Some(v) => Some(AutoApprove::parse(v).ok_or(AppError::BadRequest {
            field: Some("auto_approve".into()),
            message: "error.choice",
        })?),
    };
    let usage = match b.nodeinfo_usage.as_deref() {
        None => None,
        Some(v) => Some(UsagePolicy::parse(v).ok_or(AppError::BadRequest {
            field: Some("nodeinfo_usage".into()),
            message: "error.choice",
        })?),
    };
    let mut a = noaber_federation::actor::set_policies(&s.federation, auto, usage).await?;
    if let Some(on) = b.relaying {
        a = noaber_federation::actor::set_relaying(&s.federation, on).await?;
    }
    Ok(Json(Policy {
        auto_approve: Some(a.row.auto_approve),
        nodeinfo_usage: Some(a.row.nodeinfo_usage),
        relaying: Some(a.row.relaying),
    }))
}
