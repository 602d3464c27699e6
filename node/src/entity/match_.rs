use sea_orm::entity::prelude::*;

/// A match (koppeling) of a volunteer to a help request.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "matches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub request_id: i32,
    pub volunteer_id: i32,
    pub status: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub responded_at: Option<DateTimeUtc>,
    pub responded_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
