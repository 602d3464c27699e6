use sea_orm::entity::prelude::*;

/// An article, update or event this node wrote for the network. What is
/// published of it is its wire form in the federation's `objects` table.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `article`, `update`, `event`.
    pub kind: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// Markdown as written.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// JSON array of theme names.
    #[sea_orm(column_type = "Text")]
    pub themes: String,
    /// JSON array of the bottleneck categories it helps with.
    #[sea_orm(column_type = "Text")]
    pub categories: String,
    /// JSON array of link URLs (attachments are links only).
    #[sea_orm(column_type = "Text")]
    pub links: String,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub location: Option<String>,
    /// `public`, `network`, `draft`.
    pub visibility: String,
    /// Its ActivityPub id while published.
    pub object_id: Option<String>,
    /// For a copy of a received item: where it came from.
    pub source_url: Option<String>,
    pub source_name: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
