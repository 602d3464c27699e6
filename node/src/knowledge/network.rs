//! Reacting to what other nodes share: a question goes to the origin only
//! after the same privacy check as anything else that leaves the node.

use super::privacy_check;
use super::publications::member_names;
use super::{Error, Result};
use crate::db::Db;
use crate::validation::Invalid;

/// Longest question.
pub const QUESTION_CHARS: usize = 2_000;

/// Sends a question about a received item to its origin.
pub async fn ask(
    db: &Db,
    fed: &noaber_federation::Federation,
    item_id: i32,
    text: &str,
    confirmed: bool,
) -> Result<()> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Invalid::one("text", "error.required").into());
    }
    if text.chars().count() > QUESTION_CHARS {
        return Err(Invalid::one("text", "error.too_long").into());
    }
    if !confirmed {
        let hits = privacy_check::scan("text", text, &member_names(db).await?);
        if !hits.is_empty() {
            return Err(Error::PrivacyCheck(hits));
        }
    }
    noaber_federation::reactions::ask(fed, item_id, text).await?;
    Ok(())
}

/// Answers a question another node asked about one of our articles.
pub async fn answer(
    db: &Db,
    fed: &noaber_federation::Federation,
    publication_id: i32,
    reaction_id: i32,
    text: &str,
    confirmed: bool,
) -> Result<()> {
    let p = super::publications::get(db, publication_id, None).await?;
    let Some(object_id) = p.object_id else {
        return Err(Error::NotFound);
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(Invalid::one("text", "error.required").into());
    }
    if text.chars().count() > QUESTION_CHARS {
        return Err(Invalid::one("text", "error.too_long").into());
    }
    if !confirmed {
        let hits = privacy_check::scan("text", text, &member_names(db).await?);
        if !hits.is_empty() {
            return Err(Error::PrivacyCheck(hits));
        }
    }
    noaber_federation::reactions::answer(fed, &object_id, reaction_id, text).await?;
    Ok(())
}
