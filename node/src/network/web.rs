//! The "Netwerk" page: who follows us, whom we follow, deliveries, blocks.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use noaber_federation::actor::{AutoApprove, UsagePolicy};
use noaber_federation::blocks;
use noaber_federation::follows::{self, FollowLine};
use noaber_federation::outbox::{self, DeliveryLine};
use serde::Deserialize;

use crate::accounts::Role;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::web::{PageCtx, flash_redirect, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/netwerk", get(show))
        .route("/netwerk/goedkeuren", post(approve))
        .route("/netwerk/afwijzen", post(reject))
        .route("/netwerk/verwijderen", post(remove))
        .route("/netwerk/volgen", post(follow))
        .route("/netwerk/ontvolgen", post(unfollow))
        .route("/netwerk/opnieuw", post(retry))
        .route("/netwerk/blokkeren", post(block))
        .route("/netwerk/beleid", post(policy))
}

#[derive(Template)]
#[template(path = "network.html")]
struct NetworkPage {
    page: PageCtx,
    handle: Option<String>,
    pending: Vec<FollowLine>,
    followers: Vec<FollowLine>,
    following: Vec<FollowLine>,
    counts: Vec<(String, i64)>,
    failed: Vec<DeliveryLine>,
    blocked: Vec<String>,
    auto_approve: String,
    usage: String,
    target: String,
    problem: Option<&'static str>,
    detail: String,
}

/// The locale key for the kind of a node as another node tells it.
pub fn kind_label(kind: &Option<String>) -> &'static str {
    kind_word(kind.as_deref().unwrap_or(""))
}

/// The locale key for `initiative`, `regional` or `national`.
pub fn kind_word(kind: &str) -> &'static str {
    match kind {
        "initiative" => "kind.initiative",
        "regional" => "kind.regional",
        "national" => "kind.national",
        _ => "network.other_software",
    }
}

fn state_label(state: &str) -> &'static str {
    match state {
        "accepted" => "network.state_accepted",
        "rejected" => "network.state_rejected",
        _ => "network.state_pending",
    }
}

fn delivery_label(state: &str) -> &'static str {
    match state {
        "delivered" => "network.delivered",
        "failed" => "network.failed",
        _ => "network.waiting",
    }
}

fn usage_label(u: &str) -> &'static str {
    match u {
        "real" => "network.usage_real",
        "zero" => "network.usage_zero",
        _ => "network.usage_none",
    }
}

async fn page_for(
    state: &AppState,
    page: PageCtx,
    target: String,
    problem: Option<(&'static str, String)>,
) -> Result<Response, AppError> {
    let fed = &state.federation;
    let actor = noaber_federation::actor::load(fed).await?;
    let (failed, _) = outbox::list(fed, Some(outbox::FAILED.as_str()), 1, 20).await?;
    let body = render(&NetworkPage {
        handle: Some(format!("{}@{}", actor.row.username, actor.host())),
        pending: follows::followers(fed, Some(follows::PENDING)).await?,
        followers: follows::followers(fed, Some(follows::ACCEPTED)).await?,
        following: follows::following(fed).await?,
        counts: outbox::counts(fed).await?,
        failed,
        blocked: blocks::list(fed).await?,
        auto_approve: actor.row.auto_approve.clone(),
        usage: actor.row.nodeinfo_usage.clone(),
        target,
        detail: problem.as_ref().map(|p| p.1.clone()).unwrap_or_default(),
        problem: problem.map(|p| p.0),
        page,
    })?;
    let status = if body.0.contains("error-summary") {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, body).into_response())
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    page_for(&state, page, String::new(), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActorForm {
    actor_url: String,
}

async fn approve(
    State(s): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ActorForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    follows::approve(&s.federation, &f.actor_url).await?;
    Ok(flash_redirect("/netwerk", "flash.saved"))
}

async fn reject(
    State(s): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ActorForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    follows::reject(&s.federation, &f.actor_url).await?;
    Ok(flash_redirect("/netwerk", "flash.saved"))
}

async fn remove(
    State(s): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ActorForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    follows::remove(&s.federation, &f.actor_url).await?;
    Ok(flash_redirect("/netwerk", "flash.saved"))
}

async fn unfollow(
    State(s): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ActorForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    follows::unfollow(&s.federation, &f.actor_url).await?;
    Ok(flash_redirect("/netwerk", "flash.saved"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FollowForm {
    target: String,
}

async fn follow(
    State(s): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(f): Form<FollowForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    match follows::follow(&s.federation, &f.target).await {
        Ok(_) => Ok(flash_redirect("/netwerk", "flash.follow_sent")),
        Err(e) => {
            let key = match &e {
                noaber_federation::Error::Invalid(_) => "error.federation_invalid",
                noaber_federation::Error::Forbidden => "error.federation_blocked",
                noaber_federation::Error::Db(_)
                | noaber_federation::Error::Key(_)
                | noaber_federation::Error::Json(_) => {
                    return Err(e.into());
                }
                _ => "error.federation_remote",
            };
            page_for(&s, page, f.target, Some((key, e.to_string()))).await
        }
    }
}

async fn retry(State(s): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    outbox::retry(&s.federation, None).await?;
    Ok(flash_redirect("/netwerk", "flash.saved"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BlockForm {
    domain: String,
}

async fn block(
    State(s): State<AppState>,
    user: CurrentUser,
    page: PageCtx,
    Form(f): Form<BlockForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    match blocks::block(&s.federation, &f.domain).await {
        Ok(_) => Ok(flash_redirect("/netwerk", "flash.saved")),
        Err(noaber_federation::Error::Invalid(m)) => {
            page_for(
                &s,
                page,
                String::new(),
                Some(("error.federation_invalid", m)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PolicyForm {
    auto_approve: String,
    nodeinfo_usage: String,
}

async fn policy(
    State(s): State<AppState>,
    user: CurrentUser,
    Form(f): Form<PolicyForm>,
) -> Result<Response, AppError> {
    user.require(Role::Admin)?;
    noaber_federation::actor::set_policies(
        &s.federation,
        AutoApprove::parse(&f.auto_approve),
        UsagePolicy::parse(&f.nodeinfo_usage),
    )
    .await?;
    Ok(flash_redirect("/netwerk", "flash.saved"))
}
