use sea_orm::entity::prelude::*;

/// A member's volunteer profile.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: i32,
    pub user_id: Option<i32>,
    pub skills: String,
    pub areas: String,
    pub availability: String,
    pub vog_date: Option<Date>,
    pub max_tasks_per_week: i32,
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
