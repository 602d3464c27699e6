//! Themes that knowledge is filed under. The list offered is the one the
//! movement uses; a node may file under a theme of its own too.

/// Themes offered in the forms.
pub const DEFAULT: &[&str] = &[
    "wonen",
    "zorg",
    "welzijn",
    "vervoer",
    "maaltijden",
    "dagbesteding",
    "eenzaamheid",
    "regelgeving",
    "financiering",
    "vrijwilligers",
    "samenwerking gemeente",
    "samenwerking zorgverzekeraar",
    "digitale vaardigheden",
    "mantelzorg",
];

/// Longest theme name.
pub const THEME_CHARS: usize = 40;

/// A theme as stored: trimmed, lower case, single spaces; None when empty,
/// too long, or not made of letters, digits, spaces and hyphens.
pub fn normalize(raw: &str) -> Option<String> {
    let t = raw
        .trim()
        .trim_start_matches('#')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let ok = !t.is_empty()
        && t.chars().count() <= THEME_CHARS
        && t.chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-');
    ok.then_some(t)
}

/// Most themes a node can offer.
pub const MAX_THEMES: usize = 60;

/// The themes this node offers: its own list, or the default one.
pub async fn list(db: &crate::db::Db) -> Result<Vec<String>, sea_orm::DbErr> {
    use crate::entity::knowledge_theme;
    use sea_orm::{EntityTrait, QueryOrder};
    let own: Vec<String> = knowledge_theme::Entity::find()
        .order_by_asc(knowledge_theme::Column::Position)
        .all(db.read())
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    Ok(if own.is_empty() {
        DEFAULT.iter().map(|t| (*t).to_owned()).collect()
    } else {
        own
    })
}

/// Replaces the list offered (an empty list brings back the default).
pub async fn save(db: &crate::db::Db, names: &[String]) -> Result<Vec<String>, super::Error> {
    use crate::entity::knowledge_theme;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};
    let mut clean: Vec<String> = Vec::new();
    for raw in names.iter().filter(|n| !n.trim().is_empty()) {
        match normalize(raw) {
            Some(t) if !clean.contains(&t) => clean.push(t),
            Some(_) => {}
            None => {
                return Err(crate::validation::Invalid::one("themes", "error.theme").into());
            }
        }
    }
    if clean.len() > MAX_THEMES {
        return Err(crate::validation::Invalid::one("themes", "error.too_many_themes").into());
    }
    let txn = db.write().begin().await?;
    knowledge_theme::Entity::delete_many().exec(&txn).await?;
    for (i, name) in clean.iter().enumerate() {
        knowledge_theme::ActiveModel {
            name: Set(name.clone()),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(list(db).await?)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn themes_are_normalised_or_refused() {
        assert_eq!(normalize("  #Vervoer ").as_deref(), Some("vervoer"));
        assert_eq!(
            normalize("Samenwerking   gemeente").as_deref(),
            Some("samenwerking gemeente")
        );
        assert_eq!(normalize("<script>"), None);
        assert_eq!(normalize(""), None);
    }
}
