use sea_orm::entity::prelude::*;

/// One delivery of an outgoing activity to one inbox.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub outbox_id: i32,
    pub inbox: String,
    pub state: crate::state::DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
    /// `host[:port]` of the inbox (empty on rows from before it was kept).
    pub host: Option<String>,
    /// The process that holds the claim while the row is `sending`.
    pub claimed_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
