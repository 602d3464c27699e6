use sea_orm::entity::prelude::*;

/// One figure of a standing received report, with the least and the most
/// it adds to a total, so that totals are sums in the database.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "received_figures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub report_id: i32,
    pub period: String,
    pub metric: String,
    pub category: Option<String>,
    pub low: i64,
    pub high: i64,
    /// 1 when the cell was suppressed.
    pub suppressed: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
