use sea_orm::entity::prelude::*;

/// The node's own actor: the organisation, its keys and federation settings (one row).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "local_actor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub username: String,
    pub name: String,
    pub kind: String,
    pub place: String,
    pub base_url: String,
    #[sea_orm(column_type = "Text")]
    pub public_key_pem: String,
    #[sea_orm(column_type = "Text")]
    pub private_key_pem: String,
    pub auto_approve: String,
    pub nodeinfo_usage: String,
    /// Whether a regional or national node passes on what it receives.
    pub relaying: bool,
    /// The region the node says it belongs to (`noaber:region`).
    pub region: Option<String>,
    /// Stadsdorp, zorgcoöperatie … (`noaber:initiativeType`).
    pub initiative_type: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
