use sea_orm::entity::prelude::*;

/// A `Like` ("dit helpt ons ook") or a question (a `Note` in reply) that
/// another node sent to one of this node's published objects.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Our object it reacts to.
    pub object_id: String,
    pub actor_url: String,
    /// `like` or `question`.
    pub kind: String,
    #[sea_orm(unique)]
    pub activity_id: String,
    /// A question's own id (the `Note`), which an answer replies to.
    pub note_id: Option<String>,
    /// The question's text, sanitised; empty for a like.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// Our answer to a question, once given.
    #[sea_orm(column_type = "Text", nullable)]
    pub answer: Option<String>,
    pub answered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
