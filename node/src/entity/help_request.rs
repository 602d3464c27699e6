use sea_orm::entity::prelude::*;

/// A help request (hulpvraag).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "help_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub member_id: Option<i32>,
    pub walk_in_name: Option<String>,
    pub walk_in_contact: Option<String>,
    pub category_id: i32,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    pub wanted_date: Option<Date>,
    pub wanted_part: String,
    pub recurrence: Option<String>,
    pub urgency: String,
    pub status: String,
    pub source: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    /// Walk-in name and description, folded (see `noaber_migrations::search`).
    pub search_text: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
