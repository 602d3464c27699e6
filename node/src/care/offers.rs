//! Offers (aanbod): what a volunteer stands ready to do, where and when.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Actor, Error, Result};
use crate::db::Db;
use crate::entity::{help_category, offer, volunteer};
use crate::pagination::{Page, PageRequest};
use crate::validation::{Invalid, required_line};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct OfferInput {
    pub volunteer_id: String,
    pub category_id: String,
    /// Neighbourhood or area, e.g. "Zuid" or "hele dorp".
    pub area: String,
    /// When, in words: "dinsdagochtend", "weekenden".
    pub times: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Offer {
    pub id: i32,
    pub volunteer_id: i32,
    pub volunteer: String,
    pub category_id: i32,
    pub category: String,
    pub area: String,
    pub times: String,
    pub note: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

pub async fn create(db: &Db, actor: Actor, input: &OfferInput) -> Result<Offer> {
    let mut e = Invalid::default();
    let volunteer_id = input.volunteer_id.trim().parse::<i32>().unwrap_or(0);
    // A volunteer may offer for themselves; coordinators for anyone.
    let own = super::members::volunteer_of_user(db, actor.user_id).await?;
    if !actor.is_coordinator() && own != Some(volunteer_id) {
        return Err(Error::Forbidden);
    }
    if volunteer::Entity::find_by_id(volunteer_id)
        .one(db.read())
        .await?
        .is_none()
    {
        e.add("volunteer_id", "error.not_a_volunteer");
    }
    let category_id = input.category_id.trim().parse::<i32>().unwrap_or(0);
    if help_category::Entity::find_by_id(category_id)
        .one(db.read())
        .await?
        .is_none_or(|c| !c.active)
    {
        e.add("category_id", "error.category");
    }
    let area = required_line(&mut e, "area", &input.area, 80);
    let times = required_line(&mut e, "times", &input.times, 120);
    let note = input.note.trim();
    if note.chars().count() > 1000 {
        e.add("note", "error.too_long");
    }
    e.into_result()?;
    let row = offer::ActiveModel {
        search_text: Set(noaber_migrations::search::offer_text(&area, &times)),
        volunteer_id: Set(volunteer_id),
        category_id: Set(category_id),
        area: Set(area),
        times: Set(times),
        note: Set((!note.is_empty()).then(|| note.to_owned())),
        active: Set(true),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db.write())
    .await?;
    let page = list(
        db,
        None,
        PageRequest {
            page: 1,
            per_page: 1,
        },
        Some(row.id),
    )
    .await?;
    page.items.into_iter().next().ok_or(Error::NotFound)
}

pub async fn list(
    db: &Db,
    search: Option<&str>,
    page: PageRequest,
    only: Option<i32>,
) -> Result<Page<Offer>> {
    let mut q = offer::Entity::find()
        .filter(offer::Column::Active.eq(true))
        .order_by_desc(offer::Column::Id);
    if let Some(id) = only {
        q = q.filter(offer::Column::Id.eq(id));
    }
    if let Some(s) = search {
        let ids = super::members::ids_matching(db, s).await?;
        q = q.filter(
            sea_orm::Condition::any()
                .add(offer::Column::VolunteerId.is_in(ids))
                .add(crate::search::contains(
                    offer::Column::SearchText,
                    &crate::search::fold(s.trim()),
                )),
        );
    }
    let pages = q.paginate(db.read(), page.per_page);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(page.page.saturating_sub(1)).await?;
    let ids: Vec<i32> = rows.iter().map(|o| o.volunteer_id).collect();
    let names = super::members::names(db, &ids).await?;
    let cats = super::categories::names(db).await?;
    Ok(Page::new(
        rows.into_iter()
            .map(|o| Offer {
                id: o.id,
                volunteer: names.get(&o.volunteer_id).cloned().unwrap_or_default(),
                volunteer_id: o.volunteer_id,
                category: cats.get(&o.category_id).cloned().unwrap_or_default(),
                category_id: o.category_id,
                area: o.area,
                times: o.times,
                note: o.note,
                active: o.active,
                created_at: o.created_at,
            })
            .collect(),
        page,
        total,
    ))
}
