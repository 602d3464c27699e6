use sea_orm::entity::prelude::*;

/// A member (lid, bewoner) of the initiative: personal data, never leaves the node.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub neighbourhood: Option<String>,
    pub birth_year: Option<i32>,
    pub member_since: Option<Date>,
    pub may_contact: bool,
    pub may_photo: bool,
    #[sea_orm(column_type = "Text")]
    pub notes: Option<String>,
    pub search_text: String,
    pub erased_at: Option<DateTimeUtc>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
