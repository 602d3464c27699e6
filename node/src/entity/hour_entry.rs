use sea_orm::entity::prelude::*;

/// Hours (and kilometres) a volunteer gave.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hour_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub volunteer_id: i32,
    pub match_id: Option<i32>,
    pub request_id: Option<i32>,
    pub date: Date,
    pub minutes: i32,
    pub kilometres: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub entered_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
