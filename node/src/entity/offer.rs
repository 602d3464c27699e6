use sea_orm::entity::prelude::*;

/// A volunteer's standing offer (aanbod).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub volunteer_id: i32,
    pub category_id: i32,
    pub area: String,
    pub times: String,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub active: bool,
    /// Area and times, folded (see `noaber_migrations::search`).
    pub search_text: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
