use sea_orm::entity::prelude::*;

/// A question this node asked the origin of a received item, and the
/// origin's answer once it comes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The received item (network_items.id) it is about.
    pub item_id: i32,
    /// The question's `Note` id, which the answer replies to.
    #[sea_orm(unique)]
    pub note_id: String,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub answer: Option<String>,
    pub asked_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
