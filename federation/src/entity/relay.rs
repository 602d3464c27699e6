use sea_orm::entity::prelude::*;

/// A LitePub relay the instance actor subscribed to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "relays")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub actor_url: String,
    pub inbox: String,
    pub state: crate::state::FollowState,
    pub follow_activity_id: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
