use sea_orm::entity::prelude::*;

/// A bottleneck the initiative runs into (knelpunt): rules, funding,
/// insurance, cooperation. Counts per category feed the figures.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bottlenecks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub title: String,
    pub category: String,
    /// Markdown.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub since: Option<Date>,
    /// `open`, `in_behandeling`, `opgelost`.
    pub status: String,
    /// The node's own article that solved it.
    pub solved_by: Option<i32>,
    /// `public`, `network`, `draft`.
    pub visibility: String,
    pub object_id: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
