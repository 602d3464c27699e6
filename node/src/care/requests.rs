//! Help requests: creating them, their life cycle, and matches.
//!
//! Status: new → asked (a volunteer was asked and has not answered) →
//! matched (the volunteer said yes) → done, or cancelled / failed; a
//! declined match sends the request back to new. Every change is recorded with who made it
//! and when. Changes are conditional updates on the current status, so two
//! coordinators acting at once cannot both succeed.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Actor, Error, Result, dutch};
use crate::db::Db;
use crate::entity::{help_category, help_request, match_, member, request_event, volunteer};
use crate::pagination::{Page, PageRequest};
use crate::validation::{Invalid, required_line};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Asked,
    Matched,
    Done,
    Cancelled,
    Failed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Self::New,
        Self::Asked,
        Self::Matched,
        Self::Done,
        Self::Cancelled,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Asked => "asked",
            Self::Matched => "matched",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::New => "status.new",
            Self::Asked => "status.asked",
            Self::Matched => "status.matched",
            Self::Done => "status.done",
            Self::Cancelled => "status.cancelled",
            Self::Failed => "status.failed",
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled | Self::Failed)
    }

    /// The changes a coordinator may make by hand from this status.
    pub fn next(self) -> &'static [Status] {
        match self {
            Self::New | Self::Asked => &[Self::Cancelled, Self::Failed],
            // Done only once a volunteer said yes.
            Self::Matched => &[Self::Done, Self::Cancelled, Self::Failed],
            _ => &[],
        }
    }
}

pub const PARTS: [&str; 4] = ["any", "morning", "afternoon", "evening"];

/// A search counts its matches up to this many (the page says "more than").
pub const SEARCH_COUNT_CAP: u64 = 1000;
pub const URGENCIES: [&str; 3] = ["low", "normal", "high"];

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RequestInput {
    /// The member who asks; or leave empty and give a walk-in name.
    pub member_id: String,
    pub walk_in_name: String,
    /// Phone or e-mail of a walk-in.
    pub walk_in_contact: String,
    pub category_id: String,
    pub description: String,
    /// `dd-mm-jjjj`; empty for no date.
    pub wanted_date: String,
    /// `any`, `morning`, `afternoon`, `evening`.
    pub wanted_part: String,
    /// Free text, e.g. "elke dinsdag".
    pub recurrence: String,
    /// `low`, `normal`, `high`.
    pub urgency: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HelpRequest {
    pub id: i32,
    pub member_id: Option<i32>,
    /// Who asks: the member's name or the walk-in's.
    pub requester: String,
    pub walk_in_contact: Option<String>,
    pub category_id: i32,
    pub category: String,
    pub description: Option<String>,
    pub wanted_date: Option<NaiveDate>,
    pub wanted_part: String,
    pub recurrence: Option<String>,
    pub urgency: String,
    pub status: Status,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusEvent {
    pub from: Option<String>,
    pub to: String,
    pub changed_by: Option<i32>,
    pub changed_by_name: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchInfo {
    pub id: i32,
    pub request_id: i32,
    pub volunteer_id: i32,
    pub volunteer: String,
    /// `proposed`, `accepted`, `declined`, `cancelled`, `completed`.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// How to reach the member who asks, shown to coordinators on the request.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct RequesterContact {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub neighbourhood: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestDetail {
    #[serde(flatten)]
    pub request: HelpRequest,
    /// The member's own contact details (none for a walk-in).
    pub contact: Option<RequesterContact>,
    pub history: Vec<StatusEvent>,
    pub matches: Vec<MatchInfo>,
}

fn parse_choice(
    e: &mut Invalid,
    field: &'static str,
    raw: &str,
    allowed: &[&str],
    default: &str,
) -> String {
    let v = raw.trim();
    if v.is_empty() {
        default.to_owned()
    } else if allowed.contains(&v) {
        v.to_owned()
    } else {
        e.add(field, "error.choice");
        default.to_owned()
    }
}

struct Checked {
    member_id: Option<i32>,
    walk_in_name: Option<String>,
    walk_in_contact: Option<String>,
    category_id: i32,
    description: String,
    wanted_date: Option<NaiveDate>,
    wanted_part: String,
    recurrence: Option<String>,
    urgency: String,
}

/// Checks a request as typed. When editing, `current` is the stored
/// request: a member or category it already has is not checked again (an
/// old request keeps a category that was switched off since).
async fn validate(
    db: &Db,
    input: &RequestInput,
    current: Option<&help_request::Model>,
) -> Result<Checked> {
    let mut e = Invalid::default();
    let member_id = match input.member_id.trim() {
        "" => None,
        raw => match raw.parse::<i32>() {
            Ok(id) => {
                let m = member::Entity::find_by_id(id).one(db.read()).await?;
                let kept = current.is_some_and(|c| c.member_id == Some(id));
                if !kept && m.is_none_or(|m| m.erased_at.is_some()) {
                    e.add("member_id", "error.member_not_found");
                }
                Some(id)
            }
            Err(_) => {
                e.add("member_id", "error.member_not_found");
                None
            }
        },
    };
    let walk_in_name = match input.walk_in_name.trim() {
        "" => None,
        n => Some(required_line(&mut e, "walk_in_name", n, 120)),
    };
    if member_id.is_none() && walk_in_name.is_none() {
        e.add("member_id", "error.requester");
    }
    let walk_in_contact = match input.walk_in_contact.trim() {
        "" => None,
        c if dutch::valid_email(c) => Some(c.to_lowercase()),
        c => match dutch::normalize_phone(c) {
            Some(p) => Some(p),
            None => {
                e.add("walk_in_contact", "error.contact");
                None
            }
        },
    };
    let category_id = match input.category_id.trim().parse::<i32>() {
        Ok(id) => {
            let c = help_category::Entity::find_by_id(id).one(db.read()).await?;
            let kept = current.is_some_and(|c| c.category_id == id);
            if !kept && c.is_none_or(|c| !c.active) {
                e.add("category_id", "error.category");
            }
            id
        }
        Err(_) => {
            e.add("category_id", "error.category");
            0
        }
    };
    let description = input.description.trim().to_owned();
    if description.is_empty() {
        e.add("description", "error.required");
    } else if description.chars().count() > 4000 {
        e.add("description", "error.too_long");
    }
    let wanted_date = super::members::optional_with(
        &mut e,
        "wanted_date",
        &input.wanted_date,
        "error.date",
        dutch::parse_date,
    );
    let wanted_part = parse_choice(&mut e, "wanted_part", &input.wanted_part, &PARTS, "any");
    let urgency = parse_choice(&mut e, "urgency", &input.urgency, &URGENCIES, "normal");
    let recurrence = match input.recurrence.trim() {
        "" => None,
        r => Some(required_line(&mut e, "recurrence", r, 120)),
    };
    e.into_result()?;
    Ok(Checked {
        member_id,
        walk_in_name,
        walk_in_contact,
        category_id,
        description,
        wanted_date,
        wanted_part,
        recurrence,
        urgency,
    })
}

/// Checks a request without writing anything.
pub async fn check(db: &Db, input: &RequestInput) -> Result<()> {
    validate(db, input, None).await.map(|_| ())
}

/// Where a request came from.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    Coordinator,
    PublicForm,
    Import,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Self::Coordinator => "coordinator",
            Self::PublicForm => "public_form",
            Self::Import => "import",
        }
    }
}

pub async fn create(
    db: &Db,
    actor: Option<Actor>,
    source: Source,
    input: &RequestInput,
) -> Result<HelpRequest> {
    let c = validate(db, input, None).await?;
    let search_text =
        noaber_migrations::search::request_text(c.walk_in_name.as_deref(), Some(&c.description));
    let now = Utc::now();
    let txn = db.write().begin().await?;
    let row = help_request::ActiveModel {
        member_id: Set(c.member_id),
        walk_in_name: Set(c.walk_in_name),
        walk_in_contact: Set(c.walk_in_contact),
        category_id: Set(c.category_id),
        description: Set(Some(c.description)),
        wanted_date: Set(c.wanted_date),
        wanted_part: Set(c.wanted_part),
        recurrence: Set(c.recurrence),
        urgency: Set(c.urgency),
        status: Set(Status::New.as_str().to_owned()),
        source: Set(source.as_str().to_owned()),
        search_text: Set(search_text),
        created_by: Set(actor.map(|a| a.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    event(&txn, row.id, None, Status::New, actor).await?;
    txn.commit().await?;
    get(db, row.id).await.map(|d| d.request)
}

/// A change to a request: only the fields given change (the API's PATCH).
/// Values are text as typed, as in [`RequestInput`].
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RequestChange {
    /// Links the request to this member, e.g. one that came in through the
    /// public form; the walk-in name is then dropped.
    pub member_id: Option<String>,
    pub category_id: Option<String>,
    pub description: Option<String>,
    /// `dd-mm-jjjj`; empty to remove the date.
    pub wanted_date: Option<String>,
    pub wanted_part: Option<String>,
    pub recurrence: Option<String>,
    pub urgency: Option<String>,
}

impl RequestChange {
    /// Every editable field as the form shows it.
    pub fn from_request(r: &HelpRequest) -> Self {
        Self {
            member_id: None,
            category_id: Some(r.category_id.to_string()),
            description: r.description.clone(),
            wanted_date: Some(r.wanted_date.map(dutch::format_date).unwrap_or_default()),
            wanted_part: Some(r.wanted_part.clone()),
            recurrence: Some(r.recurrence.clone().unwrap_or_default()),
            urgency: Some(r.urgency.clone()),
        }
    }
}

/// A coordinator edits an open request or links it to a member. The change
/// is checked whole and written in one statement, or not at all; the
/// history records who changed it.
pub async fn update(db: &Db, actor: Actor, id: i32, change: &RequestChange) -> Result<HelpRequest> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let current = help_request::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    let status = Status::parse(&current.status).unwrap_or(Status::New);
    if status.is_closed() {
        return Err(Error::Conflict("error.request_closed"));
    }
    let pick = |new: &Option<String>, old: Option<String>| {
        new.clone().unwrap_or_else(|| old.unwrap_or_default())
    };
    let linking = change
        .member_id
        .as_deref()
        .is_some_and(|m| !m.trim().is_empty());
    if change
        .member_id
        .as_deref()
        .is_some_and(|m| m.trim().is_empty())
    {
        return Err(Invalid::one("member_id", "error.member_not_found").into());
    }
    let input = RequestInput {
        member_id: pick(&change.member_id, current.member_id.map(|m| m.to_string())),
        walk_in_name: if linking {
            String::new()
        } else {
            current.walk_in_name.clone().unwrap_or_default()
        },
        walk_in_contact: current.walk_in_contact.clone().unwrap_or_default(),
        category_id: pick(&change.category_id, Some(current.category_id.to_string())),
        description: pick(&change.description, current.description.clone()),
        wanted_date: pick(
            &change.wanted_date,
            current.wanted_date.map(dutch::format_date),
        ),
        wanted_part: pick(&change.wanted_part, Some(current.wanted_part.clone())),
        recurrence: pick(&change.recurrence, current.recurrence.clone()),
        urgency: pick(&change.urgency, Some(current.urgency.clone())),
    };
    let c = validate(db, &input, Some(&current)).await?;
    if c.member_id.is_some() && c.member_id == volunteer_asked(db, id).await? {
        return Err(Invalid::one("member_id", "error.own_request").into());
    }
    let txn = db.write().begin().await?;
    let changed = help_request::Entity::update_many()
        .col_expr(help_request::Column::MemberId, Expr::value(c.member_id))
        .col_expr(
            help_request::Column::WalkInName,
            Expr::value(c.walk_in_name.clone()),
        )
        .col_expr(help_request::Column::CategoryId, Expr::value(c.category_id))
        .col_expr(
            help_request::Column::Description,
            Expr::value(Some(c.description.clone())),
        )
        .col_expr(help_request::Column::WantedDate, Expr::value(c.wanted_date))
        .col_expr(help_request::Column::WantedPart, Expr::value(c.wanted_part))
        .col_expr(help_request::Column::Recurrence, Expr::value(c.recurrence))
        .col_expr(help_request::Column::Urgency, Expr::value(c.urgency))
        .col_expr(
            help_request::Column::SearchText,
            Expr::value(noaber_migrations::search::request_text(
                c.walk_in_name.as_deref(),
                Some(&c.description),
            )),
        )
        .col_expr(help_request::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(help_request::Column::Id.eq(id))
        .filter(help_request::Column::Status.eq(status.as_str()))
        // Nobody changed it since it was read: not its requester (a stale
        // page cannot move a linked request to another member) and not its
        // text (two coordinators editing at once do not both win).
        .filter(match current.member_id {
            Some(m) => help_request::Column::MemberId.eq(m),
            None => help_request::Column::MemberId.is_null(),
        })
        .filter(help_request::Column::UpdatedAt.eq(current.updated_at))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Err(Error::Conflict("error.changed_meanwhile"));
    }
    // An event from a status to itself is an edit.
    event(&txn, id, Some(status), status, Some(actor)).await?;
    txn.commit().await?;
    get(db, id).await.map(|d| d.request)
}

/// The volunteer of a match (who was asked), if the match exists.
pub async fn volunteer_of_match(db: &Db, match_id: i32) -> Result<Option<i32>> {
    Ok(match_::Entity::find_by_id(match_id)
        .one(db.read())
        .await?
        .map(|m| m.volunteer_id))
}

/// The volunteer with an open match on the request, if any.
async fn volunteer_asked(db: &Db, request_id: i32) -> Result<Option<i32>> {
    Ok(match_::Entity::find()
        .filter(match_::Column::RequestId.eq(request_id))
        .filter(match_::Column::Status.is_in(["proposed", "accepted"]))
        .one(db.read())
        .await?
        .map(|m| m.volunteer_id))
}

async fn event<C: ConnectionTrait>(
    conn: &C,
    request_id: i32,
    from: Option<Status>,
    to: Status,
    actor: Option<Actor>,
) -> Result<()> {
    request_event::ActiveModel {
        request_id: Set(request_id),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.as_str().to_owned()),
        changed_by: Set(actor.map(|a| a.user_id)),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Moves `id` from `from` to `to` only if it is still in `from`; returns
/// false when someone else changed it first.
async fn move_status<C: ConnectionTrait>(
    conn: &C,
    id: i32,
    from: Status,
    to: Status,
) -> Result<bool> {
    let now = Utc::now();
    let mut update = help_request::Entity::update_many()
        .col_expr(help_request::Column::Status, Expr::value(to.as_str()))
        .col_expr(help_request::Column::UpdatedAt, Expr::value(now))
        .filter(help_request::Column::Id.eq(id))
        .filter(help_request::Column::Status.eq(from.as_str()));
    if to.is_closed() {
        update = update.col_expr(help_request::Column::ClosedAt, Expr::value(Some(now)));
    }
    Ok(update.exec(conn).await?.rows_affected == 1)
}

fn to_request(
    m: help_request::Model,
    names: &std::collections::HashMap<i32, String>,
    cats: &std::collections::HashMap<i32, String>,
) -> HelpRequest {
    let requester = m
        .member_id
        .and_then(|id| names.get(&id).cloned())
        .or(m.walk_in_name.clone())
        .unwrap_or_default();
    HelpRequest {
        id: m.id,
        member_id: m.member_id,
        requester,
        walk_in_contact: m.walk_in_contact,
        category_id: m.category_id,
        category: cats.get(&m.category_id).cloned().unwrap_or_default(),
        description: m.description,
        wanted_date: m.wanted_date,
        wanted_part: m.wanted_part,
        recurrence: m.recurrence,
        urgency: m.urgency,
        status: Status::parse(&m.status).unwrap_or(Status::New),
        source: m.source,
        created_at: m.created_at,
        closed_at: m.closed_at,
    }
}

pub async fn get(db: &Db, id: i32) -> Result<RequestDetail> {
    let m = help_request::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    let matches = match_::Entity::find()
        .filter(match_::Column::RequestId.eq(id))
        .order_by_asc(match_::Column::Id)
        .all(db.read())
        .await?;
    let mut ids: Vec<i32> = matches.iter().map(|x| x.volunteer_id).collect();
    ids.extend(m.member_id);
    let names = super::members::names(db, &ids).await?;
    let cats = super::categories::names(db).await?;
    let history = request_event::Entity::find()
        .filter(request_event::Column::RequestId.eq(id))
        .order_by_asc(request_event::Column::Id)
        .all(db.read())
        .await?;
    let changers: Vec<i32> = history.iter().filter_map(|h| h.changed_by).collect();
    let users: std::collections::HashMap<i32, String> =
        crate::accounts::service::by_ids(db, &changers)
            .await?
            .into_iter()
            .map(|(id, a)| (id, a.display_name))
            .collect();
    let contact = match m.member_id {
        Some(member_id) => member::Entity::find_by_id(member_id)
            .one(db.read())
            .await?
            .filter(|x| x.erased_at.is_none())
            .map(|x| RequesterContact {
                phone: x.phone,
                email: x.email,
                address: x.address,
                neighbourhood: x.neighbourhood,
                notes: x.notes,
            }),
        None => None,
    };
    Ok(RequestDetail {
        contact,
        request: to_request(m, &names, &cats),
        history: history
            .into_iter()
            .map(|h| StatusEvent {
                from: h.from_status,
                to: h.to_status,
                changed_by_name: h.changed_by.and_then(|u| users.get(&u).cloned()),
                changed_by: h.changed_by,
                at: h.at,
            })
            .collect(),
        matches: matches
            .into_iter()
            .map(|x| MatchInfo {
                id: x.id,
                request_id: x.request_id,
                volunteer: names.get(&x.volunteer_id).cloned().unwrap_or_default(),
                volunteer_id: x.volunteer_id,
                status: x.status,
                created_at: x.created_at,
            })
            .collect(),
    })
}

/// A request as a coordinator sees it; the requester's data is shown, so
/// the view is audited against that member.
pub async fn view(db: &Db, actor: Actor, id: i32) -> Result<RequestDetail> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let detail = get(db, id).await?;
    if let Some(member_id) = detail.request.member_id {
        super::audit::record(
            db.write(),
            actor,
            super::audit::Action::View,
            Some(member_id),
        )
        .await?;
    }
    Ok(detail)
}

/// The order of the request list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Newest first.
    #[default]
    Newest,
    /// Soonest wanted date first; requests without a date last.
    WantedDate,
    /// Most urgent first, then soonest date.
    Urgency,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Self::Newest, Self::WantedDate, Self::Urgency];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::WantedDate => "wanted_date",
            Self::Urgency => "urgency",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// A part of the coordinator's to-do list, as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    ThisWeek(NaiveDate),
    Overdue(NaiveDate),
}

/// `?status=new&category=3&sort=urgency&q=text&page=2`
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<Status>,
    pub category: Option<i32>,
    /// Only what the home page's to-do list counts under one heading.
    pub focus: Option<Focus>,
    pub sort: Sort,
    pub search: Option<String>,
}

fn ordered(
    q: sea_orm::Select<help_request::Entity>,
    sort: Sort,
) -> sea_orm::Select<help_request::Entity> {
    use sea_orm::Order;
    let by_date = |q: sea_orm::Select<help_request::Entity>| {
        q.order_by(
            Expr::col(help_request::Column::WantedDate).is_null(),
            Order::Asc,
        )
        .order_by_asc(help_request::Column::WantedDate)
    };
    let q = match sort {
        Sort::Newest => q,
        Sort::WantedDate => by_date(q),
        Sort::Urgency => by_date(q.order_by(
            Expr::cust("CASE urgency WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END"),
            Order::Asc,
        )),
    };
    q.order_by_desc(help_request::Column::CreatedAt)
        .order_by_desc(help_request::Column::Id)
}

pub async fn list(db: &Db, filter: &ListFilter, page: PageRequest) -> Result<Page<HelpRequest>> {
    let mut q = ordered(help_request::Entity::find(), filter.sort);
    if let Some(s) = filter.status {
        q = q.filter(help_request::Column::Status.eq(s.as_str()));
    }
    if let Some(c) = filter.category {
        q = q.filter(help_request::Column::CategoryId.eq(c));
    }
    match filter.focus {
        Some(Focus::ThisWeek(today)) => q = q.filter(super::todo::this_week(today)),
        Some(Focus::Overdue(today)) => q = q.filter(super::todo::overdue(today)),
        None => {}
    }
    if let Some(text) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        // A subquery, not a list of ids: SQLite builds its lookup once, and
        // a common name matching thousands of members costs no parameters.
        let matching_members = sea_orm::sea_query::Query::select()
            .column(member::Column::Id)
            .from(member::Entity)
            .cond_where(super::members::search_condition(text))
            .to_owned();
        let folded = noaber_migrations::search::fold(text);
        q = q.filter(
            sea_orm::Condition::any()
                .add(help_request::Column::MemberId.in_subquery(matching_members))
                .add(crate::search::contains(
                    help_request::Column::SearchText,
                    &folded,
                )),
        );
    }
    // A search scans descriptions. One scan collects the ids of the newest
    // matches (at most 1,001, enough to say "more than 1,000"); the page is
    // then read by id, so a rare word does not read the table twice.
    let searching = filter
        .search
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty());
    let (total, rows) = if searching {
        let ids: Vec<i32> = q
            .clone()
            .select_only()
            .column(help_request::Column::Id)
            .limit(SEARCH_COUNT_CAP + 1)
            .into_tuple::<i32>()
            .all(db.read())
            .await?;
        let skip = (page.page.saturating_sub(1) * page.per_page) as usize;
        let page_ids: Vec<i32> = ids
            .iter()
            .skip(skip)
            .take(page.per_page as usize)
            .copied()
            .collect();
        let rows = ordered(help_request::Entity::find(), filter.sort)
            .filter(help_request::Column::Id.is_in(page_ids))
            .all(db.read())
            .await?;
        (ids.len() as u64, rows)
    } else {
        let pages = q.paginate(db.read(), page.per_page);
        let total = pages.num_items().await?;
        (total, pages.fetch_page(page.page.saturating_sub(1)).await?)
    };
    let ids: Vec<i32> = rows.iter().filter_map(|r| r.member_id).collect();
    let names = super::members::names(db, &ids).await?;
    let cats = super::categories::names(db).await?;
    Ok(Page::new(
        rows.into_iter()
            .map(|r| to_request(r, &names, &cats))
            .collect(),
        page,
        total,
    ))
}

/// A coordinator changes the status by hand (done, cancelled, failed).
pub async fn change_status(db: &Db, actor: Actor, id: i32, to: Status) -> Result<HelpRequest> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let current = help_request::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    let from = Status::parse(&current.status).unwrap_or(Status::New);
    if !from.next().contains(&to) {
        return Err(Error::Conflict(
            if to == Status::Done && from == Status::New {
                "error.done_without_match"
            } else {
                "error.transition"
            },
        ));
    }
    let txn = db.write().begin().await?;
    if !move_status(&txn, id, from, to).await? {
        return Err(Error::Conflict("error.changed_meanwhile"));
    }
    event(&txn, id, Some(from), to, Some(actor)).await?;
    // The open match follows its request.
    let match_status = match to {
        Status::Done => "completed",
        _ => "cancelled",
    };
    match_::Entity::update_many()
        .col_expr(match_::Column::Status, Expr::value(match_status))
        .filter(match_::Column::RequestId.eq(id))
        .filter(match_::Column::Status.is_in(["proposed", "accepted"]))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    get(db, id).await.map(|d| d.request)
}

/// A coordinator confirms a volunteer for a new request. Of two coordinators
/// doing this at once, one wins; the other gets a conflict and nothing is
/// booked twice.
pub async fn match_volunteer(
    db: &Db,
    actor: Actor,
    request_id: i32,
    volunteer_id: i32,
) -> Result<MatchInfo> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let request = help_request::Entity::find_by_id(request_id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    let v = volunteer::Entity::find_by_id(volunteer_id)
        .one(db.read())
        .await?;
    if v.is_none_or(|v| !v.active) {
        return Err(Invalid::one("volunteer_id", "error.not_a_volunteer").into());
    }
    if request.member_id == Some(volunteer_id) {
        return Err(Invalid::one("volunteer_id", "error.own_request").into());
    }
    if request.status != Status::New.as_str() {
        return Err(Error::Conflict("error.already_matched"));
    }
    let txn = db.write().begin().await?;
    // Asked, not matched: the volunteer has not said yes yet.
    if !move_status(&txn, request_id, Status::New, Status::Asked).await? {
        return Err(Error::Conflict("error.already_matched"));
    }
    event(
        &txn,
        request_id,
        Some(Status::New),
        Status::Asked,
        Some(actor),
    )
    .await?;
    let m = match_::ActiveModel {
        request_id: Set(request_id),
        volunteer_id: Set(volunteer_id),
        status: Set("proposed".into()),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
        responded_at: Set(None),
        responded_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    let names = super::members::names(db, &[volunteer_id]).await?;
    Ok(MatchInfo {
        id: m.id,
        request_id,
        volunteer_id,
        volunteer: names.get(&volunteer_id).cloned().unwrap_or_default(),
        status: m.status,
        created_at: m.created_at,
    })
}

/// What an answer changed, for the message after it.
#[derive(Debug, Clone)]
pub struct Answered {
    pub request_id: i32,
    pub volunteer: String,
}

/// The volunteer (or a coordinator on their behalf) accepts or declines.
/// Accepting makes the request matched; declining sends it back to the
/// coordinators' queue.
pub async fn respond(db: &Db, actor: Actor, match_id: i32, accept: bool) -> Result<Answered> {
    let m = match_::Entity::find_by_id(match_id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    if !actor.is_coordinator() {
        let own = super::members::volunteer_of_user(db, actor.user_id).await?;
        if own != Some(m.volunteer_id) {
            return Err(Error::NotFound);
        }
    }
    let txn = db.write().begin().await?;
    record_answer(&txn, &m, accept, Some(actor)).await?;
    txn.commit().await?;
    answered(db, &m).await
}

/// Records a volunteer's answer on `conn`, inside the caller's
/// transaction. `actor` is `None` when the volunteer answered through the
/// link in a mail, without logging in.
pub(crate) async fn record_answer<C: ConnectionTrait>(
    conn: &C,
    m: &match_::Model,
    accept: bool,
    actor: Option<Actor>,
) -> Result<()> {
    if m.status != "proposed" {
        return Err(Error::Conflict("error.already_answered"));
    }
    let new_status = if accept { "accepted" } else { "declined" };
    let changed = match_::Entity::update_many()
        .col_expr(match_::Column::Status, Expr::value(new_status))
        .col_expr(match_::Column::RespondedAt, Expr::value(Some(Utc::now())))
        .col_expr(
            match_::Column::RespondedBy,
            Expr::value(actor.map(|a| a.user_id)),
        )
        .filter(match_::Column::Id.eq(m.id))
        .filter(match_::Column::Status.eq("proposed"))
        .exec(conn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Err(Error::Conflict("error.already_answered"));
    }
    let to = if accept { Status::Matched } else { Status::New };
    if move_status(conn, m.request_id, Status::Asked, to).await? {
        event(conn, m.request_id, Some(Status::Asked), to, actor).await?;
    }
    Ok(())
}

/// The message after an answer: which request, which volunteer.
pub(crate) async fn answered(db: &Db, m: &match_::Model) -> Result<Answered> {
    let names = super::members::names(db, &[m.volunteer_id]).await?;
    Ok(Answered {
        request_id: m.request_id,
        volunteer: names.get(&m.volunteer_id).cloned().unwrap_or_default(),
    })
}

/// A task as the volunteer sees it: only what they need to help.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    pub match_id: i32,
    pub match_status: String,
    pub request_id: i32,
    pub category: String,
    pub description: Option<String>,
    pub wanted_date: Option<NaiveDate>,
    pub wanted_part: String,
    pub requester: String,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// Open tasks of the volunteer behind `actor`.
pub async fn tasks_of(db: &Db, actor: Actor) -> Result<Vec<Task>> {
    let Some(volunteer_id) = super::members::volunteer_of_user(db, actor.user_id).await? else {
        return Ok(Vec::new());
    };
    let matches = match_::Entity::find()
        .filter(match_::Column::VolunteerId.eq(volunteer_id))
        .filter(match_::Column::Status.is_in(["proposed", "accepted"]))
        .order_by_asc(match_::Column::Id)
        .all(db.read())
        .await?;
    let cats = super::categories::names(db).await?;
    let mut tasks = Vec::new();
    for m in matches {
        let Some(r) = help_request::Entity::find_by_id(m.request_id)
            .one(db.read())
            .await?
        else {
            continue;
        };
        let member = match r.member_id {
            Some(id) => member::Entity::find_by_id(id).one(db.read()).await?,
            None => None,
        };
        if let Some(mem) = &member {
            super::audit::record(
                db.write(),
                actor,
                super::audit::Action::TaskView,
                Some(mem.id),
            )
            .await?;
        }
        tasks.push(Task {
            match_id: m.id,
            match_status: m.status,
            request_id: r.id,
            category: cats.get(&r.category_id).cloned().unwrap_or_default(),
            description: r.description,
            wanted_date: r.wanted_date,
            wanted_part: r.wanted_part,
            requester: member
                .as_ref()
                .map(|x| x.name.clone())
                .or(r.walk_in_name)
                .unwrap_or_default(),
            phone: member
                .as_ref()
                .and_then(|x| x.phone.clone())
                .or(r.walk_in_contact),
            address: member.and_then(|x| x.address),
        });
    }
    Ok(tasks)
}

/// Rows as the lists show them: with the requester's and category's names.
pub(super) async fn hydrate(db: &Db, rows: Vec<help_request::Model>) -> Result<Vec<HelpRequest>> {
    let ids: Vec<i32> = rows.iter().filter_map(|r| r.member_id).collect();
    let names = super::members::names(db, &ids).await?;
    let cats = super::categories::names(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| to_request(r, &names, &cats))
        .collect())
}

pub async fn count(db: &Db) -> Result<u64> {
    Ok(help_request::Entity::find().count(db.read()).await?)
}
