//! Activities (ontmoetingen): koffieochtend, wandelclub. When and where,
//! who signed up (entered by a coordinator), how many came, and whether
//! they appear on the public agenda on the front page.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Actor, Error, Result, dutch};
use crate::db::Db;
use crate::entity::{activity, activity_signup, member};
use crate::pagination::{Page, PageRequest};
use crate::validation::{Invalid, required_line};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityInput {
    /// `dd-mm-jjjj`
    pub date: String,
    pub title: String,
    /// How many came; empty before it took place.
    pub participants: String,
    pub place: String,
    /// `HH:MM`, e.g. `10:00`.
    pub start_time: String,
    pub end_time: String,
    pub description: String,
    /// `ja` to show it on the public agenda on the front page.
    pub public: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Activity {
    pub id: i32,
    pub date: NaiveDate,
    pub title: String,
    pub participants: i32,
    pub place: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub description: Option<String>,
    pub public: bool,
    pub created_at: DateTime<Utc>,
}

impl From<activity::Model> for Activity {
    fn from(m: activity::Model) -> Self {
        Self {
            id: m.id,
            date: m.date,
            title: m.title,
            participants: m.participants,
            place: m.place,
            start_time: m.start_time,
            end_time: m.end_time,
            description: m.description,
            public: m.public,
            created_at: m.created_at,
        }
    }
}

impl Activity {
    /// "10:00–12:00", "10:00" or nothing.
    pub fn times(&self) -> String {
        match (&self.start_time, &self.end_time) {
            (Some(a), Some(b)) => format!("{a}–{b}"),
            (Some(a), None) => a.clone(),
            _ => String::new(),
        }
    }

    pub fn input(&self) -> ActivityInput {
        ActivityInput {
            date: dutch::format_date(self.date),
            title: self.title.clone(),
            participants: if self.participants == 0 {
                String::new()
            } else {
                self.participants.to_string()
            },
            place: self.place.clone().unwrap_or_default(),
            start_time: self.start_time.clone().unwrap_or_default(),
            end_time: self.end_time.clone().unwrap_or_default(),
            description: self.description.clone().unwrap_or_default(),
            public: if self.public { "ja" } else { "" }.to_owned(),
        }
    }
}

/// A time of day as people type it (`10:00`, `9.30`, `14u`, `930`),
/// written as `HH:MM`.
pub fn parse_time(raw: &str) -> Option<String> {
    let t = raw.trim().trim_end_matches(['u', 'U']).trim();
    // Split by position below: only digits and separators are times.
    if !t.is_ascii() {
        return None;
    }
    let (h, m) = match t.split_once([':', '.']) {
        Some((h, m)) => (h, m),
        None if t.len() > 2 => t.split_at(t.len() - 2),
        None => (t, "0"),
    };
    let (h, m) = (h.trim().parse::<u32>().ok()?, m.trim().parse::<u32>().ok()?);
    (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

struct Checked {
    date: NaiveDate,
    title: String,
    participants: i32,
    place: Option<String>,
    start_time: Option<String>,
    end_time: Option<String>,
    description: Option<String>,
    public: bool,
}

fn validate(input: &ActivityInput) -> Result<Checked> {
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
    let participants = match input.participants.trim() {
        "" => 0,
        raw => match raw.parse::<i32>() {
            Ok(n) if (0..=100_000).contains(&n) => n,
            _ => {
                e.add("participants", "error.participants");
                0
            }
        },
    };
    let mut time = |field: &'static str, raw: &str| match raw.trim() {
        "" => None,
        t => parse_time(t).or_else(|| {
            e.add(field, "error.time");
            None
        }),
    };
    let start_time = time("start_time", &input.start_time);
    let end_time = time("end_time", &input.end_time);
    if let (Some(a), Some(b)) = (&start_time, &end_time)
        && b <= a
    {
        e.add("end_time", "error.end_before_start");
    }
    if end_time.is_some() && start_time.is_none() && e.for_field("start_time").is_none() {
        e.add("start_time", "error.start_time_needed");
    }
    let place = match input.place.trim() {
        "" => None,
        p => Some(required_line(&mut e, "place", p, 200)),
    };
    let description = match input.description.trim() {
        "" => None,
        d if d.chars().count() > 4000 => {
            e.add("description", "error.too_long");
            None
        }
        d => Some(d.to_owned()),
    };
    let public = match input.public.trim() {
        "" => false,
        raw => dutch::parse_yes_no(raw).unwrap_or_else(|| {
            e.add("public", "error.yes_no");
            false
        }),
    };
    e.into_result()?;
    let Some(date) = date else {
        return Err(Error::NotFound);
    };
    Ok(Checked {
        date,
        title,
        participants,
        place,
        start_time,
        end_time,
        description,
        public,
    })
}

fn apply(row: &mut activity::ActiveModel, c: Checked) {
    row.search_text = Set(noaber_migrations::search::activity_text(
        &c.title,
        c.place.as_deref(),
    ));
    row.date = Set(c.date);
    row.title = Set(c.title);
    row.participants = Set(c.participants);
    row.place = Set(c.place);
    row.start_time = Set(c.start_time);
    row.end_time = Set(c.end_time);
    row.description = Set(c.description);
    row.public = Set(c.public);
}

pub async fn create(db: &Db, actor: Actor, input: &ActivityInput) -> Result<Activity> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let c = validate(input)?;
    let mut row = activity::ActiveModel {
        created_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    apply(&mut row, c);
    Ok(row.insert(db.write()).await?.into())
}

pub async fn update(db: &Db, actor: Actor, id: i32, input: &ActivityInput) -> Result<Activity> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let c = validate(input)?;
    let current = activity::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    let mut row: activity::ActiveModel = current.into();
    apply(&mut row, c);
    Ok(row.update(db.write()).await?.into())
}

/// Who signed up, by name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignUp {
    pub id: i32,
    pub member_id: i32,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityDetail {
    #[serde(flatten)]
    pub activity: Activity,
    pub signups: Vec<SignUp>,
}

/// One activity with who signed up (coordinators: it names people).
pub async fn get(db: &Db, actor: Actor, id: i32) -> Result<ActivityDetail> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let a = activity::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    let rows = activity_signup::Entity::find()
        .filter(activity_signup::Column::ActivityId.eq(id))
        .order_by_asc(activity_signup::Column::Id)
        .all(db.read())
        .await?;
    let ids: Vec<i32> = rows.iter().map(|r| r.member_id).collect();
    let names = super::members::names(db, &ids).await?;
    let mut signups: Vec<SignUp> = rows
        .into_iter()
        .map(|r| SignUp {
            id: r.id,
            name: names.get(&r.member_id).cloned().unwrap_or_default(),
            member_id: r.member_id,
        })
        .collect();
    signups.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ActivityDetail {
        activity: a.into(),
        signups,
    })
}

/// A coordinator signs a member up (once per activity).
pub async fn sign_up(db: &Db, actor: Actor, activity_id: i32, member_id: i32) -> Result<()> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    activity::Entity::find_by_id(activity_id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    let m = member::Entity::find_by_id(member_id).one(db.read()).await?;
    if m.is_none_or(|m| m.erased_at.is_some()) {
        return Err(Invalid::one("member_id", "error.member_not_found").into());
    }
    let already = activity_signup::Entity::find()
        .filter(activity_signup::Column::ActivityId.eq(activity_id))
        .filter(activity_signup::Column::MemberId.eq(member_id))
        .count(db.read())
        .await?;
    if already > 0 {
        return Err(Error::Conflict("error.already_signed_up"));
    }
    let row = activity_signup::ActiveModel {
        activity_id: Set(activity_id),
        member_id: Set(member_id),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    // The unique index decides when two coordinators add the same person.
    let txn = db.write().begin().await?;
    match row.insert(&txn).await {
        Ok(_) => {
            // Who came to what is part of the person's data (and their export).
            super::audit::record(&txn, actor, super::audit::Action::Update, Some(member_id))
                .await?;
            txn.commit().await?;
            Ok(())
        }
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Err(Error::Conflict("error.already_signed_up"))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_signup(db: &Db, actor: Actor, activity_id: i32, signup_id: i32) -> Result<()> {
    if !actor.is_coordinator() {
        return Err(Error::Forbidden);
    }
    let row = activity_signup::Entity::find_by_id(signup_id)
        .filter(activity_signup::Column::ActivityId.eq(activity_id))
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    let txn = db.write().begin().await?;
    activity_signup::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    // Who came to what is part of the person's data (and their export).
    super::audit::record(
        &txn,
        actor,
        super::audit::Action::Update,
        Some(row.member_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The public agenda: activities marked public, from `today` on. Names of
/// who signed up are never part of it.
pub async fn upcoming_public(db: &Db, today: NaiveDate, limit: u64) -> Result<Vec<Activity>> {
    Ok(activity::Entity::find()
        .filter(activity::Column::Public.eq(true))
        .filter(activity::Column::Date.gte(today))
        .order_by_asc(activity::Column::Date)
        .order_by_asc(activity::Column::StartTime)
        .limit(limit)
        .all(db.read())
        .await?
        .into_iter()
        .map(Activity::from)
        .collect())
}

pub async fn list(db: &Db, search: Option<&str>, page: PageRequest) -> Result<Page<Activity>> {
    let mut q = activity::Entity::find();
    if let Some(s) = search {
        q = q.filter(crate::search::contains(
            activity::Column::SearchText,
            &crate::search::fold(s.trim()),
        ));
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
