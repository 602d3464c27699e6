use sea_orm::entity::prelude::*;

/// A figures report this node sent: exactly what left, per period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "impact_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub period: String,
    pub object_id: String,
    /// The outbox entry of the latest `Create` or `Update`.
    pub outbox_id: Option<i32>,
    /// The disclosed figures as sent (JSON).
    #[sea_orm(column_type = "Text")]
    pub figures: String,
    pub forwardable: bool,
    pub provisional: bool,
    pub sent_by: Option<i32>,
    pub sent_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
