use sea_orm::entity::prelude::*;

/// A meeting or activity (ontmoeting): when and where, and afterwards how
/// many came.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub date: Date,
    pub title: String,
    pub participants: i32,
    pub place: Option<String>,
    /// `HH:MM`
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    /// On the public agenda on the node's front page.
    pub public: bool,
    /// Title and place, folded (see `noaber_migrations::search`).
    pub search_text: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
