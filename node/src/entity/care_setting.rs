use sea_orm::entity::prelude::*;

/// Care settings of the node (one row, id 1).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub retention_months: Option<i32>,
    /// Public-form submissions accepted per hour from everyone together.
    pub public_form_hourly_cap: Option<i32>,
    /// The initiative's phone number, shown on the public form.
    pub contact_phone: Option<String>,
    /// Within how many working days someone calls back.
    pub callback_days: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
