use sea_orm::entity::prelude::*;

/// A figures report from an initiative: the latest version per initiative
/// and period, however many paths it came by. Counts only. A deleted one
/// keeps its version (so an older copy cannot come back). Its figures are
/// rows of `received_figures`; a deleted one has none.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "received_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub object_id: String,
    pub origin_actor: String,
    /// `2026`, `2026-Q3` or `2026-10`.
    pub period: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub forwardable: bool,
    pub provisional: bool,
    /// When the origin wrote this version.
    pub version: DateTimeUtc,
    /// The relays it came through, as a JSON list; none when direct.
    pub via: Option<String>,
    pub received_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
