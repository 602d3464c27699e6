//! Activities (ontmoetingen): koffieochtend, wandelclub, with how many came.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Actor, Error, Result, dutch};
use crate::db::Db;
use crate::entity::activity;
use crate::pagination::{Page, PageRequest};
use crate::validation::{Invalid, required_line};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityInput {
    /// `dd-mm-jjjj`
    pub date: String,
    pub title: String,
    pub participants: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Activity {
    pub id: i32,
    pub date: NaiveDate,
    pub title: String,
    pub participants: i32,
    pub created_at: DateTime<Utc>,
}

impl From<activity::Model> for Activity {
    fn from(m: activity::Model) -> Self {
        Self {
            id: m.id,
            date: m.date,
            title: m.title,
            participants: m.participants,
            created_at: m.created_at,
        }
    }
}

pub async fn create(db: &Db, actor: Actor, input: &ActivityInput) -> Result<Activity> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let mut e = Invalid::default();
    let date = dutch::parse_date(&input.date);
    if date.is_none() {
        e.add(
            "date",
            if input.date.trim().is_empty() {
                "error.required"
            } else {
                "error.date"
            },
        );
    }
    let title = required_line(&mut e, "title", &input.title, 120);
    let participants = match input.participants.trim().parse::<i32>() {
        Ok(n) if (0..=100_000).contains(&n) => n,
        _ => {
            e.add("participants", "error.participants");
            0
        }
    };
    e.into_result()?;
    let Some(date) = date else {
        return Err(Error::NotFound);
    };
    Ok(activity::ActiveModel {
        date: Set(date),
        title: Set(title),
        participants: Set(participants),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db.write())
    .await?
    .into())
}

pub async fn list(db: &Db, search: Option<&str>, page: PageRequest) -> Result<Page<Activity>> {
    let mut q = activity::Entity::find();
    if let Some(s) = search {
        q = q.filter(activity::Column::Title.contains(s.trim()));
    }
    let pages = q
        .order_by_desc(activity::Column::Date)
        .order_by_desc(activity::Column::Id)
        .paginate(db.read(), page.per_page);
    let total = pages.num_items().await?;
    let items = pages
        .fetch_page(page.page.saturating_sub(1))
        .await?
        .into_iter()
        .map(Activity::from)
        .collect();
    Ok(Page::new(items, page, total))
}
