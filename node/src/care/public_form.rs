//! The public "Hulp vragen" form: residents ask for help without logging
//! in. Spam is kept out by a honeypot field that people never see (bots fill
//! it in) and a limit per address; requests land in the coordinators' queue.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde::Deserialize;

use super::requests::{self, RequestInput, Source};
use super::{Error, Result};
use crate::db::Db;
use crate::entity::public_submission;
use crate::validation::Invalid;

/// Submissions allowed per address per hour.
pub const PER_HOUR: u64 = 5;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PublicInput {
    pub name: String,
    /// Phone number or e-mail address.
    pub contact: String,
    pub category_id: String,
    pub description: String,
    /// The honeypot: hidden from people, so anything here is a bot.
    pub website: String,
}

/// What happened to a submission.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Received,
    /// Looked like spam: answered as if received, stored nowhere.
    Ignored,
}

pub async fn submit(db: &Db, address: &str, input: &PublicInput) -> Result<Outcome> {
    if !input.website.trim().is_empty() {
        tracing::info!("public form: honeypot filled, ignored");
        return Ok(Outcome::Ignored);
    }
    let since = Utc::now() - Duration::hours(1);
    let recent = public_submission::Entity::find()
        .filter(public_submission::Column::Address.eq(address))
        .filter(public_submission::Column::At.gt(since))
        .count(db.read())
        .await?;
    if recent >= PER_HOUR {
        return Err(Error::TooMany);
    }
    let mut e = Invalid::default();
    if input.name.trim().is_empty() {
        e.add("name", "error.public_name");
    }
    if input.contact.trim().is_empty() {
        e.add("contact", "error.contact_required");
    }
    let category_id = if input.category_id.trim().is_empty() {
        // People do not have to know our categories: the last one is "overig".
        super::categories::list(db, true)
            .await?
            .last()
            .map(|c| c.id.to_string())
            .unwrap_or_default()
    } else {
        input.category_id.clone()
    };
    let req = RequestInput {
        walk_in_name: input.name.clone(),
        walk_in_contact: input.contact.clone(),
        category_id,
        description: input.description.clone(),
        ..Default::default()
    };
    // Check everything first, so that the person sees every problem at once.
    if let Err(Error::Invalid(more)) = requests::check(db, &req).await {
        for f in more.0 {
            let field = match f.field {
                "walk_in_contact" => "contact",
                "walk_in_name" | "member_id" => "name",
                other => other,
            };
            let message = match (field, f.message) {
                ("description", "error.required") => "error.public_description",
                (_, m) => m,
            };
            if e.for_field(field).is_none() {
                e.add(field, message);
            }
        }
    }
    e.into_result()?;
    let created = requests::create(db, None, Source::PublicForm, &req).await?;
    // Only the last hour matters for the limit; older rows are dropped.
    public_submission::Entity::delete_many()
        .filter(public_submission::Column::At.lt(since))
        .exec(db.write())
        .await?;
    public_submission::ActiveModel {
        address: Set(address.to_owned()),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db.write())
    .await?;
    tracing::info!(request_id = created.id, "public help request received");
    Ok(Outcome::Received)
}
