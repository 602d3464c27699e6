use sea_orm::entity::prelude::*;

/// A remote actor as last fetched: where to deliver and its key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "remote_actors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub actor_url: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub name: Option<String>,
    pub username: Option<String>,
    pub node_kind: Option<String>,
    pub actor_type: String,
    #[sea_orm(column_type = "Text")]
    pub public_key_pem: String,
    pub fetched_at: DateTimeUtc,
    /// The id of the key (`publicKey.id`), where the document gave one.
    pub key_id: Option<String>,
    /// `noaber:region` of a Noaber node.
    pub region: Option<String>,
    /// `noaber:initiativeType` of a Noaber initiative.
    pub initiative_type: Option<String>,
    /// The place name of its `location`.
    pub place: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
