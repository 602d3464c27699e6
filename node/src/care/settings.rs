//! The node's care settings: one row (id 1), made when a first setting is
//! saved. Each setting's owner (retention, the public form) validates its
//! own value; this module only reads and writes the row.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use super::Result;
use crate::db::Db;
use crate::entity::care_setting;

/// The row, if any setting was ever saved.
pub async fn current(db: &Db) -> Result<Option<care_setting::Model>> {
    Ok(care_setting::Entity::find_by_id(1).one(db.read()).await?)
}

/// Saves the columns set in `change` (its id is set here), creating the
/// row on the first save.
pub async fn save(db: &Db, mut change: care_setting::ActiveModel) -> Result<()> {
    change.id = Set(1);
    if current(db).await?.is_some() {
        change.update(db.write()).await?;
    } else {
        change.insert(db.write()).await?;
    }
    Ok(())
}
