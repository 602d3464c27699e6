use sea_orm::entity::prelude::*;

/// A member signed up for an activity, entered by a coordinator. Personal
/// data: erased with the member, part of their export.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_signups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub activity_id: i32,
    pub member_id: i32,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
