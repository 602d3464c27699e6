use sea_orm::entity::prelude::*;

/// Whether a remote inbox has been failing, and since when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox_health")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub inbox: String,
    pub failing_since: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
