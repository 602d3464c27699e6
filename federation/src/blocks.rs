//! Blocked domains: activities from them are refused, and nothing is sent.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use url::Url;

use crate::entity::{blocked_domain, follower};
use crate::{Error, Federation, Result, follows};

pub fn normalize(domain: &str) -> Result<String> {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let d = d
        .strip_prefix("https://")
        .or_else(|| d.strip_prefix("http://"))
        .unwrap_or(&d)
        .trim_end_matches('/')
        .to_owned();
    let valid = !d.is_empty()
        && d.len() <= 253
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'));
    if valid {
        Ok(d)
    } else {
        Err(Error::Invalid(format!("'{domain}' is geen domeinnaam")))
    }
}

/// Whether the host of `url` (or a parent domain of it) is blocked.
pub async fn is_blocked_url(fed: &Federation, url: &str) -> Result<bool> {
    let Some(host) = Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
    else {
        return Ok(false);
    };
    let mut candidates = vec![host.clone()];
    let mut rest = host.as_str();
    while let Some((_, parent)) = rest.split_once('.') {
        if parent.contains('.') {
            candidates.push(parent.to_owned());
        }
        rest = parent;
    }
    Ok(blocked_domain::Entity::find()
        .filter(blocked_domain::Column::Domain.is_in(candidates))
        .one(fed.read())
        .await?
        .is_some())
}

/// Blocks a domain and removes its followers.
pub async fn block(fed: &Federation, domain: &str) -> Result<String> {
    let d = normalize(domain)?;
    if blocked_domain::Entity::find_by_id(d.clone())
        .one(fed.read())
        .await?
        .is_none()
    {
        blocked_domain::ActiveModel {
            domain: Set(d.clone()),
            created_at: Set(Utc::now()),
        }
        .insert(fed.write())
        .await?;
    }
    let followers = follower::Entity::find().all(fed.read()).await?;
    for f in followers {
        if is_blocked_url(fed, &f.actor_url).await? {
            follows::actor_gone(fed, &f.actor_url).await?;
        }
    }
    Ok(d)
}

pub async fn unblock(fed: &Federation, domain: &str) -> Result<()> {
    let d = normalize(domain)?;
    blocked_domain::Entity::delete_by_id(d)
        .exec(fed.write())
        .await?;
    Ok(())
}

pub async fn list(fed: &Federation) -> Result<Vec<String>> {
    Ok(blocked_domain::Entity::find()
        .order_by_asc(blocked_domain::Column::Domain)
        .all(fed.read())
        .await?
        .into_iter()
        .map(|b| b.domain)
        .collect())
}
