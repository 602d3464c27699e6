use sea_orm::entity::prelude::*;

/// What the initiative discloses of its figures, and to whom (one row, id 1).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "figure_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Metric keys sent to the network, as a JSON list.
    #[sea_orm(column_type = "Text")]
    pub shared_metrics: String,
    /// Metric keys on the public impact page, as a JSON list.
    #[sea_orm(column_type = "Text")]
    pub public_metrics: String,
    /// On a network node: totals published as open data, as a JSON list.
    #[sea_orm(column_type = "Text")]
    pub open_data_metrics: String,
    pub round_to_five: bool,
    pub forwardable: bool,
    pub auto_send: bool,
    pub hour_rate_cents: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
