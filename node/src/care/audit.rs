//! The audit log: who viewed, exported, changed or erased whose personal
//! data, and when. Written in the same call that shows the data, so no view
//! can skip it; visible to admins only. It holds ids, never personal data.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Actor, Result};
use crate::db::Db;
use crate::entity::audit_entry;
use crate::pagination::{Page, PageRequest};

/// What was done with a person's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Create,
    Update,
    Export,
    ExportAll,
    Erase,
    /// The requester of a public-form or walk-in request was erased.
    EraseRequester,
    Import,
    TaskView,
    /// A search of the member list (the search text itself is not kept).
    Search,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Create => "create",
            Self::Update => "update",
            Self::Export => "export",
            Self::ExportAll => "export_all",
            Self::Erase => "erase",
            Self::EraseRequester => "erase_requester",
            Self::Import => "import",
            Self::TaskView => "task_view",
            Self::Search => "search",
        }
    }
}

pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: Actor,
    action: Action,
    member_id: Option<i32>,
) -> Result<()> {
    audit_entry::ActiveModel {
        actor_id: Set(actor.user_id),
        action: Set(action.as_str().to_owned()),
        member_id: Set(member_id),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditLine {
    pub id: i32,
    pub at: DateTime<Utc>,
    pub actor_id: i32,
    /// The account's username (an account, not a member).
    pub actor: String,
    pub action: String,
    pub member_id: Option<i32>,
}

/// Newest first; optionally only entries about one member.
pub async fn list(db: &Db, member_id: Option<i32>, page: PageRequest) -> Result<Page<AuditLine>> {
    let mut q = audit_entry::Entity::find().order_by_desc(audit_entry::Column::Id);
    if let Some(m) = member_id {
        q = q.filter(audit_entry::Column::MemberId.eq(m));
    }
    let pages = q.paginate(db.read(), page.per_page);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(page.page.saturating_sub(1)).await?;
    let actors: Vec<i32> = rows.iter().map(|r| r.actor_id).collect();
    let users: std::collections::HashMap<i32, String> =
        crate::accounts::service::by_ids(db, &actors)
            .await?
            .into_iter()
            .map(|(id, a)| (id, a.username))
            .collect();
    let items = rows
        .into_iter()
        .map(|r| AuditLine {
            id: r.id,
            at: r.at,
            actor: users.get(&r.actor_id).cloned().unwrap_or_default(),
            actor_id: r.actor_id,
            action: r.action,
            member_id: r.member_id,
        })
        .collect();
    Ok(Page::new(items, page, total))
}
