//! Help categories: a default list that each node can change.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Error, Result};
use crate::db::{Db, is_unique_violation};
use crate::entity::help_category;
use crate::validation::{Invalid, required_line};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Category {
    pub id: i32,
    pub name: String,
    pub active: bool,
}

impl From<help_category::Model> for Category {
    fn from(m: help_category::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            active: m.active,
        }
    }
}

/// All categories in their order; `active_only` for choosing new ones.
pub async fn list(db: &Db, active_only: bool) -> Result<Vec<Category>> {
    let mut q = help_category::Entity::find()
        .order_by_asc(help_category::Column::Position)
        .order_by_asc(help_category::Column::Id);
    if active_only {
        q = q.filter(help_category::Column::Active.eq(true));
    }
    Ok(q.all(db.read())
        .await?
        .into_iter()
        .map(Category::from)
        .collect())
}

pub async fn all_ids(db: &Db) -> Result<Vec<i32>> {
    Ok(list(db, false).await?.into_iter().map(|c| c.id).collect())
}

pub async fn names(db: &Db) -> Result<std::collections::HashMap<i32, String>> {
    Ok(list(db, false)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// Adds a category at the end of the list.
pub async fn create(db: &Db, name: &str) -> Result<Category> {
    let mut e = Invalid::default();
    let name = required_line(&mut e, "name", name, 60).to_lowercase();
    e.into_result()?;
    let position = list(db, false).await?.len() as i32;
    let row = help_category::ActiveModel {
        name: Set(name),
        active: Set(true),
        position: Set(position),
        ..Default::default()
    };
    match row.insert(db.write()).await {
        Ok(m) => Ok(m.into()),
        Err(err) if is_unique_violation(&err) => {
            Err(Invalid::one("name", "error.category_exists").into())
        }
        Err(err) => Err(err.into()),
    }
}

/// Switches a category on or off; past requests keep theirs.
pub async fn set_active(db: &Db, id: i32, active: bool) -> Result<Category> {
    let row = help_category::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    let mut row: help_category::ActiveModel = row.into();
    row.active = Set(active);
    Ok(row.update(db.write()).await?.into())
}
