//! The coordinator's to-do list on the home page: what came in, what
//! waits for a volunteer's answer, what is due this week and what is late.

use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::requests::{HelpRequest, Status, hydrate};
use super::{Actor, Error, Result};
use crate::db::Db;
use crate::entity::{help_request, match_};

/// How many of each kind the home page lists; the rest is behind a link.
pub const SHOWN: u64 = 8;

/// One part of the list: the first few requests and how many there are.
#[derive(Debug, Clone, Default)]
pub struct Part {
    pub items: Vec<HelpRequest>,
    pub total: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Todo {
    /// New requests, oldest first (those from the public form are marked
    /// by their source).
    pub new: Part,
    /// A volunteer was asked and has not answered yet.
    pub asked: Part,
    /// Open requests that are urgent or wanted within seven days.
    pub this_week: Part,
    /// A volunteer said yes, the day has passed, and it is not marked done.
    pub overdue: Part,
}

impl Todo {
    /// Each part with its heading and the list that shows all of it.
    pub fn parts(&self) -> [(&'static str, &Part, &'static str); 4] {
        [
            ("todo.new", &self.new, "/hulpvragen?status=new"),
            ("todo.asked", &self.asked, "/hulpvragen?status=asked"),
            (
                "todo.this_week",
                &self.this_week,
                "/hulpvragen?deze_week=ja&sorteer=datum",
            ),
            (
                "todo.overdue",
                &self.overdue,
                "/hulpvragen?te_laat=ja&sorteer=datum",
            ),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.new.total == 0
            && self.asked.total == 0
            && self.this_week.total == 0
            && self.overdue.total == 0
    }
}

async fn part(db: &Db, q: sea_orm::Select<help_request::Entity>) -> Result<Part> {
    let total = q.clone().count(db.read()).await?;
    let rows = q.limit(SHOWN).all(db.read()).await?;
    Ok(Part {
        items: hydrate(db, rows).await?,
        total,
    })
}

/// Open requests that are urgent or wanted within seven days of `today`.
/// The request list filters with the same condition, so "see all" shows
/// exactly what the home page counted.
pub fn this_week(today: NaiveDate) -> sea_orm::Condition {
    let open = [
        Status::New.as_str(),
        Status::Asked.as_str(),
        Status::Matched.as_str(),
    ];
    sea_orm::Condition::all()
        .add(help_request::Column::Status.is_in(open))
        .add(
            sea_orm::Condition::any()
                .add(help_request::Column::Urgency.eq("high"))
                .add(
                    sea_orm::Condition::all()
                        .add(help_request::Column::WantedDate.gte(today))
                        .add(help_request::Column::WantedDate.lt(today + Duration::days(7))),
                ),
        )
}

/// Late: a volunteer said yes, the day has passed, and it is not done.
pub fn overdue(today: NaiveDate) -> sea_orm::Condition {
    let accepted = sea_orm::sea_query::Query::select()
        .column(match_::Column::RequestId)
        .from(match_::Entity)
        .and_where(match_::Column::Status.eq("accepted"))
        .to_owned();
    sea_orm::Condition::all()
        .add(help_request::Column::Status.eq(Status::Matched.as_str()))
        .add(help_request::Column::WantedDate.lt(today))
        .add(help_request::Column::Id.in_subquery(accepted))
}

/// The to-do list as of `today` (a coordinator's; others get 403).
pub async fn for_coordinator(db: &Db, actor: Actor, today: NaiveDate) -> Result<Todo> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let by_date = |q: sea_orm::Select<help_request::Entity>| {
        q.order_by_asc(help_request::Column::WantedDate)
            .order_by_asc(help_request::Column::Id)
    };
    let new = part(
        db,
        help_request::Entity::find()
            .filter(help_request::Column::Status.eq(Status::New.as_str()))
            .order_by_asc(help_request::Column::CreatedAt)
            .order_by_asc(help_request::Column::Id),
    )
    .await?;
    let asked = part(
        db,
        help_request::Entity::find()
            .filter(help_request::Column::Status.eq(Status::Asked.as_str()))
            // Longest waiting first: by when the volunteer was asked, not
            // by the request's last change (an edit would move it down).
            .order_by(
                sea_orm::sea_query::Expr::cust(
                    "COALESCE((SELECT MIN(matches.created_at) FROM matches \
                     WHERE matches.request_id = help_requests.id AND matches.status = 'proposed'), \
                     help_requests.updated_at)",
                ),
                sea_orm::Order::Asc,
            )
            .order_by_asc(help_request::Column::Id),
    )
    .await?;
    let this_week = part(
        db,
        by_date(help_request::Entity::find().filter(this_week(today))),
    )
    .await?;
    let overdue = part(
        db,
        by_date(help_request::Entity::find().filter(overdue(today))),
    )
    .await?;
    Ok(Todo {
        new,
        asked,
        this_week,
        overdue,
    })
}
