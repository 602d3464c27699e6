use sea_orm::entity::prelude::*;

/// An outgoing activity, stored before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub activity_id: String,
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub json: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
