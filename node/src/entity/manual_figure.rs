use sea_orm::entity::prelude::*;

/// A figure kept outside Noaber (rides, meals …), entered by hand for a
/// period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "manual_figures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub period: String,
    pub metric: String,
    pub value: i64,
    pub entered_by: Option<i32>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
