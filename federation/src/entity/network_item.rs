use sea_orm::entity::prelude::*;

/// An article, update, event or bottleneck received from another node,
/// kept once however many paths it came by. A deleted one keeps its id
/// and kind (a tombstone) and none of its text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "network_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub object_id: String,
    /// `article`, `update`, `event`, `bottleneck` (what the origin says).
    pub item_kind: String,
    /// The ActivityStreams type it arrived as.
    pub ap_type: String,
    pub origin_actor: String,
    /// The relay it first came through, if not from the origin itself.
    pub via_actor: Option<String>,
    /// `public` or `network` (followers only).
    pub visibility: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// Sanitised on arrival.
    #[sea_orm(column_type = "Text")]
    pub content_html: String,
    #[sea_orm(column_type = "Text")]
    pub text_plain: String,
    /// JSON array of theme names.
    #[sea_orm(column_type = "Text")]
    pub themes: String,
    /// JSON array: a bottleneck's category, or the bottleneck categories
    /// an article helps with, as its origin gives them.
    pub category: Option<String>,
    pub status: Option<String>,
    pub url: Option<String>,
    pub start_time: Option<DateTimeUtc>,
    pub end_time: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub location: Option<String>,
    pub published_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
