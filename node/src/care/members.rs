//! Members and their volunteer profiles.

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, Action};
use super::dutch;
use super::{Actor, Error, Result};
use crate::db::Db;
use crate::entity::{member, volunteer};
use crate::pagination::{Page, PageRequest};
use crate::validation::{Invalid, required_line};

pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
pub const PARTS: [&str; 3] = ["morning", "afternoon", "evening"];

/// A member as a coordinator sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub id: i32,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub neighbourhood: Option<String>,
    pub birth_year: Option<i32>,
    pub member_since: Option<NaiveDate>,
    pub may_contact: bool,
    pub may_photo: bool,
    pub notes: Option<String>,
    pub erased: bool,
    pub volunteer: Option<VolunteerProfile>,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VolunteerProfile {
    /// Help category ids this volunteer does.
    pub skills: Vec<i32>,
    /// Neighbourhoods covered; empty means anywhere.
    pub areas: Vec<String>,
    /// Slots such as `mon-morning`, `sat-evening`.
    pub availability: Vec<String>,
    pub vog_date: Option<NaiveDate>,
    pub max_tasks_per_week: i32,
    /// The login account of this volunteer, if any.
    pub user_id: Option<i32>,
    pub active: bool,
}

impl VolunteerProfile {
    pub fn from_model(v: &volunteer::Model) -> Self {
        Self {
            skills: split(&v.skills)
                .iter()
                .filter_map(|s| s.parse().ok())
                .collect(),
            areas: split(&v.areas),
            availability: split(&v.availability),
            vog_date: v.vog_date,
            max_tasks_per_week: v.max_tasks_per_week,
            user_id: v.user_id,
            active: v.active,
        }
    }
}

pub fn split(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A line in the member list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberSummary {
    pub id: i32,
    pub name: String,
    pub phone: Option<String>,
    pub neighbourhood: Option<String>,
    pub is_volunteer: bool,
    pub erased: bool,
}

/// A member as typed in a form, a JSON body or a CSV row: all text.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MemberInput {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
    pub neighbourhood: String,
    /// e.g. `1948`
    pub birth_year: String,
    /// `dd-mm-jjjj` or `jjjj-mm-dd`
    pub member_since: String,
    /// `ja` / `nee`
    pub may_contact: String,
    pub may_photo: String,
    pub notes: String,
}

/// Checked member fields, ready to store.
#[derive(Debug, Clone, Default)]
pub struct MemberData {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub neighbourhood: Option<String>,
    pub birth_year: Option<i32>,
    pub member_since: Option<NaiveDate>,
    pub may_contact: bool,
    pub may_photo: bool,
    pub notes: Option<String>,
}

fn optional(errors: &mut Invalid, field: &'static str, value: &str, max: usize) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        None
    } else if v.chars().count() > max {
        errors.add(field, "error.too_long");
        None
    } else {
        Some(v.to_owned())
    }
}

/// An optional field: empty is `None`; otherwise `parse` must accept it,
/// or the field gets `message`.
pub(crate) fn optional_with<T>(
    errors: &mut Invalid,
    field: &'static str,
    raw: &str,
    message: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    match raw.trim() {
        "" => None,
        value => {
            let parsed = parse(value);
            if parsed.is_none() {
                errors.add(field, message);
            }
            parsed
        }
    }
}

pub fn validate(input: &MemberInput) -> Result<MemberData, Invalid> {
    let mut e = Invalid::default();
    let name = required_line(&mut e, "name", &input.name, 120);
    let phone = optional_with(
        &mut e,
        "phone",
        &input.phone,
        "error.phone",
        dutch::normalize_phone,
    );
    let email = match input.email.trim() {
        "" => None,
        raw if dutch::valid_email(raw) => Some(raw.to_lowercase()),
        _ => {
            e.add("email", "error.email");
            None
        }
    };
    let postcode = optional_with(
        &mut e,
        "postcode",
        &input.postcode,
        "error.postcode",
        dutch::normalize_postcode,
    );
    let birth_year = match input.birth_year.trim() {
        "" => None,
        raw => match raw.parse::<i32>() {
            Ok(y) if (1900..=Utc::now().year()).contains(&y) => Some(y),
            _ => {
                e.add("birth_year", "error.birth_year");
                None
            }
        },
    };
    let member_since = optional_with(
        &mut e,
        "member_since",
        &input.member_since,
        "error.date",
        dutch::parse_date,
    );
    let yes_no = |e: &mut Invalid, field: &'static str, raw: &str, default: bool| {
        if raw.trim().is_empty() {
            return default;
        }
        dutch::parse_yes_no(raw).unwrap_or_else(|| {
            e.add(field, "error.yes_no");
            default
        })
    };
    // Consent is never assumed: without an answer, the member may not be
    // approached.
    let may_contact = yes_no(&mut e, "may_contact", &input.may_contact, false);
    let may_photo = yes_no(&mut e, "may_photo", &input.may_photo, false);
    let data = MemberData {
        name,
        phone,
        email,
        address: optional(&mut e, "address", &input.address, 200),
        postcode,
        neighbourhood: optional(&mut e, "neighbourhood", &input.neighbourhood, 80),
        birth_year,
        member_since,
        may_contact,
        may_photo,
        notes: optional(&mut e, "notes", &input.notes, 4000),
    };
    e.into_result()?;
    Ok(data)
}

/// What search matches on: name, phone digits, e-mail, postcode and
/// neighbourhood, folded so case and accents do not matter.
fn search_text(d: &MemberData) -> String {
    noaber_migrations::search::member_text(
        &d.name,
        d.phone.as_deref(),
        d.email.as_deref(),
        d.postcode.as_deref(),
        d.neighbourhood.as_deref(),
    )
}

fn apply(row: &mut member::ActiveModel, d: &MemberData) {
    row.name = Set(d.name.clone());
    row.phone = Set(d.phone.clone());
    row.email = Set(d.email.clone());
    row.address = Set(d.address.clone());
    row.postcode = Set(d.postcode.clone());
    row.neighbourhood = Set(d.neighbourhood.clone());
    row.birth_year = Set(d.birth_year);
    row.member_since = Set(d.member_since);
    row.may_contact = Set(d.may_contact);
    row.may_photo = Set(d.may_photo);
    row.notes = Set(d.notes.clone());
    row.search_text = Set(search_text(d));
    row.updated_at = Set(Utc::now());
}

/// Inserts checked data on any connection (the CSV import uses a transaction).
pub async fn insert_on<C: ConnectionTrait>(conn: &C, actor: Actor, d: &MemberData) -> Result<i32> {
    let now = Utc::now();
    let mut row = member::ActiveModel {
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now),
        erased_at: Set(None),
        ..Default::default()
    };
    apply(&mut row, d);
    Ok(row.insert(conn).await?.id)
}

pub async fn create(db: &Db, actor: Actor, input: &MemberInput) -> Result<Member> {
    let data = validate(input)?;
    let txn = db.write().begin().await?;
    let id = insert_on(&txn, actor, &data).await?;
    audit::record(&txn, actor, Action::Create, Some(id)).await?;
    txn.commit().await?;
    load(db, id).await
}

pub async fn update(db: &Db, actor: Actor, id: i32, input: &MemberInput) -> Result<Member> {
    let data = validate(input)?;
    let txn = db.write().begin().await?;
    let current = member::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    if current.erased_at.is_some() {
        return Err(Error::Conflict("error.member_erased"));
    }
    let mut row: member::ActiveModel = current.into();
    apply(&mut row, &data);
    row.update(&txn).await?;
    audit::record(&txn, actor, Action::Update, Some(id)).await?;
    txn.commit().await?;
    load(db, id).await
}

/// A member's full record, for a coordinator. The view is audited here, in
/// the same call, so that no page or endpoint can show it unaudited.
pub async fn view(db: &Db, actor: Actor, id: i32) -> Result<Member> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let member = load(db, id).await?;
    audit::record(db.write(), actor, Action::View, Some(id)).await?;
    Ok(member)
}

/// Reads a member without auditing: only for code that audits itself or
/// shows nothing personal.
pub(crate) async fn load(db: &Db, id: i32) -> Result<Member> {
    let m = member::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    let v = volunteer::Entity::find_by_id(id).one(db.read()).await?;
    Ok(from_models(m, v))
}

pub fn from_models(m: member::Model, v: Option<volunteer::Model>) -> Member {
    Member {
        id: m.id,
        name: m.name,
        phone: m.phone,
        email: m.email,
        address: m.address,
        postcode: m.postcode,
        neighbourhood: m.neighbourhood,
        birth_year: m.birth_year,
        member_since: m.member_since,
        may_contact: m.may_contact,
        may_photo: m.may_photo,
        notes: m.notes,
        erased: m.erased_at.is_some(),
        volunteer: v.as_ref().map(VolunteerProfile::from_model),
        created_at: m.created_at,
    }
}

/// The member list for a coordinator. A search can find a person by phone
/// or e-mail, so it is audited (without the search text).
pub async fn list_for(
    db: &Db,
    actor: Actor,
    search: Option<&str>,
    filter: Filter,
    page: PageRequest,
) -> Result<Page<MemberSummary>> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    if search.is_some() {
        audit::record(db.write(), actor, Action::Search, None).await?;
    }
    list(db, search, filter, page).await
}

/// Which members a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Filter {
    #[default]
    All,
    Volunteers,
}

pub async fn list(
    db: &Db,
    search: Option<&str>,
    filter: Filter,
    page: PageRequest,
) -> Result<Page<MemberSummary>> {
    let mut q = member::Entity::find()
        .filter(member::Column::ErasedAt.is_null())
        .order_by_asc(member::Column::Name)
        .order_by_asc(member::Column::Id);
    if let Some(s) = search {
        q = q.filter(search_condition(s));
    }
    if filter == Filter::Volunteers {
        // A subquery, not a list of every volunteer's id.
        let volunteers = sea_orm::sea_query::Query::select()
            .column(volunteer::Column::MemberId)
            .from(volunteer::Entity)
            .to_owned();
        q = q.filter(member::Column::Id.in_subquery(volunteers));
    }
    let pages = q.paginate(db.read(), page.per_page);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(page.page.saturating_sub(1)).await?;
    let ids: Vec<i32> = rows.iter().map(|m| m.id).collect();
    let volunteers: std::collections::HashSet<i32> = volunteer::Entity::find()
        .filter(volunteer::Column::MemberId.is_in(ids))
        .all(db.read())
        .await?
        .into_iter()
        .map(|v| v.member_id)
        .collect();
    let items = rows
        .into_iter()
        .map(|m| MemberSummary {
            is_volunteer: volunteers.contains(&m.id),
            id: m.id,
            name: m.name,
            phone: m.phone,
            neighbourhood: m.neighbourhood,
            erased: m.erased_at.is_some(),
        })
        .collect();
    Ok(Page::new(items, page, total))
}

/// A volunteer profile as typed.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct VolunteerInput {
    /// Help category ids.
    pub skills: Vec<String>,
    /// Neighbourhoods, comma-separated; empty for anywhere.
    pub areas: String,
    /// Slots like `mon-morning`.
    pub availability: Vec<String>,
    pub vog_date: String,
    pub max_tasks_per_week: String,
    /// Username of the volunteer's login account, if they have one.
    pub username: String,
}

pub async fn validate_volunteer(
    db: &Db,
    input: &VolunteerInput,
) -> Result<volunteer::Model, Invalid> {
    let mut e = Invalid::default();
    let known = super::categories::all_ids(db).await.unwrap_or_default();
    let mut skills: Vec<i32> = Vec::new();
    for s in &input.skills {
        match s.trim().parse::<i32>() {
            Ok(id) if known.contains(&id) => skills.push(id),
            _ => e.add("skills", "error.category"),
        }
    }
    skills.sort_unstable();
    skills.dedup();
    let areas: Vec<String> = split(&input.areas);
    if areas.iter().any(|a| a.chars().count() > 80) {
        e.add("areas", "error.too_long");
    }
    let mut slots: Vec<String> = Vec::new();
    for s in &input.availability {
        let valid = s
            .split_once('-')
            .is_some_and(|(d, p)| DAYS.contains(&d) && PARTS.contains(&p));
        if valid {
            slots.push(s.clone());
        } else {
            e.add("availability", "error.availability");
        }
    }
    let vog_date = optional_with(
        &mut e,
        "vog_date",
        &input.vog_date,
        "error.date",
        dutch::parse_date,
    );
    let max = match input.max_tasks_per_week.trim() {
        "" => 3,
        raw => match raw.parse::<i32>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => {
                e.add("max_tasks_per_week", "error.max_tasks");
                3
            }
        },
    };
    let user_id = match input.username.trim() {
        "" => None,
        name => match crate::accounts::service::find_by_username(db, name).await {
            Ok(a) => Some(a.id),
            Err(_) => {
                e.add("username", "error.user_not_found");
                None
            }
        },
    };
    e.into_result()?;
    Ok(volunteer::Model {
        member_id: 0,
        user_id,
        skills: skills
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(","),
        areas: areas.join(","),
        availability: slots.join(","),
        vog_date,
        max_tasks_per_week: max,
        active: true,
    })
}

/// Makes a member a volunteer, or changes their profile.
pub async fn set_volunteer(
    db: &Db,
    actor: Actor,
    member_id: i32,
    input: &VolunteerInput,
) -> Result<Member> {
    let mut profile = validate_volunteer(db, input).await?;
    profile.member_id = member_id;
    save_volunteer_on(db.write(), &profile).await?;
    audit::record(db.write(), actor, Action::Update, Some(member_id)).await?;
    load(db, member_id).await
}

pub async fn save_volunteer_on<C: ConnectionTrait>(
    conn: &C,
    profile: &volunteer::Model,
) -> Result<()> {
    let m = member::Entity::find_by_id(profile.member_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)?;
    if m.erased_at.is_some() {
        return Err(Error::Conflict("error.member_erased"));
    }
    // One login belongs to one volunteer: unlink it from anyone else first.
    if let Some(uid) = profile.user_id {
        volunteer::Entity::update_many()
            .col_expr(
                volunteer::Column::UserId,
                sea_orm::sea_query::Expr::value(Option::<i32>::None),
            )
            .filter(volunteer::Column::UserId.eq(uid))
            .filter(volunteer::Column::MemberId.ne(profile.member_id))
            .exec(conn)
            .await?;
    }
    let exists = volunteer::Entity::find_by_id(profile.member_id)
        .one(conn)
        .await?
        .is_some();
    let row: volunteer::ActiveModel = volunteer::ActiveModel {
        member_id: Set(profile.member_id),
        user_id: Set(profile.user_id),
        skills: Set(profile.skills.clone()),
        areas: Set(profile.areas.clone()),
        availability: Set(profile.availability.clone()),
        vog_date: Set(profile.vog_date),
        max_tasks_per_week: Set(profile.max_tasks_per_week),
        active: Set(profile.active),
    };
    if exists {
        row.update(conn).await?;
    } else {
        row.insert(conn).await?;
    }
    Ok(())
}

/// Active volunteers who have no login yet, by name: the choice when an
/// account is made for a volunteer.
pub async fn volunteers_without_login(db: &Db) -> Result<Vec<(i32, String)>> {
    let free = sea_orm::sea_query::Query::select()
        .column(volunteer::Column::MemberId)
        .from(volunteer::Entity)
        .and_where(volunteer::Column::UserId.is_null())
        .and_where(volunteer::Column::Active.eq(true))
        .to_owned();
    Ok(member::Entity::find()
        .filter(member::Column::ErasedAt.is_null())
        .filter(member::Column::Id.in_subquery(free))
        .order_by_asc(member::Column::Name)
        .order_by_asc(member::Column::Id)
        .all(db.read())
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect())
}

/// Which of `ids` are active volunteers.
pub async fn active_volunteers(db: &Db, ids: &[i32]) -> Result<std::collections::HashSet<i32>> {
    Ok(volunteer::Entity::find()
        .filter(volunteer::Column::MemberId.is_in(ids.to_vec()))
        .filter(volunteer::Column::Active.eq(true))
        .all(db.read())
        .await?
        .into_iter()
        .map(|v| v.member_id)
        .collect())
}

/// Links a login to a volunteer who has none. False when someone linked
/// another login to them meanwhile.
pub async fn link_login(db: &Db, member_id: i32, user_id: i32) -> Result<bool> {
    Ok(volunteer::Entity::update_many()
        .col_expr(
            volunteer::Column::UserId,
            sea_orm::sea_query::Expr::value(Some(user_id)),
        )
        .filter(volunteer::Column::MemberId.eq(member_id))
        .filter(volunteer::Column::UserId.is_null())
        .exec(db.write())
        .await?
        .rows_affected
        == 1)
}

/// The member record of the volunteer behind a login account.
pub async fn volunteer_of_user(db: &Db, user_id: i32) -> Result<Option<i32>> {
    Ok(volunteer::Entity::find()
        .filter(volunteer::Column::UserId.eq(user_id))
        .one(db.read())
        .await?
        .map(|v| v.member_id))
}

/// Members whose search text holds `text`, ignoring case and accents;
/// phone numbers are also found without their separators.
pub fn search_condition(text: &str) -> sea_orm::Condition {
    let folded = noaber_migrations::search::fold(text.trim());
    let digits: String = folded.chars().filter(char::is_ascii_digit).collect();
    let mut cond =
        sea_orm::Condition::any().add(crate::search::contains(member::Column::SearchText, &folded));
    if digits.len() >= 4 && digits != folded {
        cond = cond.add(crate::search::contains(member::Column::SearchText, &digits));
    }
    cond
}

/// Ids of members whose name, phone, e-mail, postcode or neighbourhood
/// contains `text`.
pub async fn ids_matching(db: &Db, text: &str) -> Result<Vec<i32>> {
    Ok(member::Entity::find()
        .filter(search_condition(text))
        .all(db.read())
        .await?
        .into_iter()
        .map(|m| m.id)
        .take(1000)
        .collect())
}

/// Names of members by id, for lists that show who asked or who helps.
pub async fn names(db: &Db, ids: &[i32]) -> Result<std::collections::HashMap<i32, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(member::Entity::find()
        .filter(member::Column::Id.is_in(ids.to_vec()))
        .all(db.read())
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect())
}

pub async fn count(db: &Db) -> Result<u64> {
    Ok(member::Entity::find()
        .filter(member::Column::ErasedAt.is_null())
        .count(db.read())
        .await?)
}
