//! Creating, listing and changing accounts.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Error, Result, Role, password};
use crate::db::{Db, is_unique_violation};
use crate::entity::user;
use crate::pagination::{Page, PageRequest};
use crate::validation::{Invalid, required_line};

/// An account as the rest of the node sees it (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Account {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: chrono::DateTime<Utc>,
}

impl Account {
    pub(crate) fn from_model(m: user::Model) -> Self {
        Self {
            id: m.id,
            username: m.username,
            // An unknown role in the database gets the least rights.
            role: m.role.parse().unwrap_or(Role::Volunteer),
            display_name: m.display_name,
            disabled: m.disabled,
            created_at: m.created_at,
        }
    }
}

pub type AccountList = Page<Account>;

/// Input for a new account.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

const USERNAME_MAX: usize = 40;

/// Normalises and checks a username: lower case letters, digits, `.`, `-`, `_`.
pub fn normalize_username(errors: &mut Invalid, field: &'static str, raw: &str) -> String {
    let name = raw.trim().to_lowercase();
    if name.is_empty() {
        errors.add(field, "error.required");
    } else if name.chars().count() < 2 || name.chars().count() > USERNAME_MAX {
        errors.add(field, "error.username_length");
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        errors.add(field, "error.username_chars");
    }
    name
}

fn parse_role(errors: &mut Invalid, raw: &str) -> Role {
    match raw.parse::<Role>() {
        Ok(role) => role,
        Err(_) => {
            errors.add("role", "error.role");
            Role::Volunteer
        }
    }
}

/// Validates a new account without writing anything.
pub fn validate_new(input: &NewAccount) -> Result<(String, String, Role), Invalid> {
    let mut errors = Invalid::default();
    let username = normalize_username(&mut errors, "username", &input.username);
    let display_name = if input.display_name.trim().is_empty() {
        username.clone()
    } else {
        required_line(&mut errors, "display_name", &input.display_name, 100)
    };
    let role = parse_role(&mut errors, &input.role);
    password::check_strength(&mut errors, "password", &input.password, &username);
    errors.into_result()?;
    Ok((username, display_name, role))
}

/// Creates an account on any connection (a transaction during setup).
pub async fn create_on<C: ConnectionTrait>(conn: &C, input: &NewAccount) -> Result<Account> {
    let (username, display_name, role) = validate_new(input)?;
    let hash = password::hash(input.password.clone()).await?;
    let now = Utc::now();
    let row = user::ActiveModel {
        search_text: Set(noaber_migrations::search::user_text(
            &username,
            &display_name,
        )),
        username: Set(username),
        display_name: Set(display_name),
        password_hash: Set(hash),
        role: Set(role.as_str().to_owned()),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    match row.insert(conn).await {
        Ok(m) => Ok(Account::from_model(m)),
        Err(e) if is_unique_violation(&e) => Err(Error::UsernameTaken),
        Err(e) => Err(e.into()),
    }
}

pub async fn create(db: &Db, input: &NewAccount) -> Result<Account> {
    create_on(db.write(), input).await
}

/// Accounts ordered by username, optionally filtered by a search text.
pub async fn list(db: &Db, search: Option<&str>, page: PageRequest) -> Result<AccountList> {
    let mut query = user::Entity::find().order_by_asc(user::Column::Username);
    if let Some(q) = search.map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(crate::search::contains(
            user::Column::SearchText,
            &crate::search::fold(q),
        ));
    }
    let paginator = query.paginate(db.read(), page.per_page);
    let total = paginator.num_items().await?;
    let items = paginator
        .fetch_page(page.page.saturating_sub(1))
        .await?
        .into_iter()
        .map(Account::from_model)
        .collect();
    Ok(Page::new(items, page, total))
}

pub async fn get(db: &Db, id: i32) -> Result<Account> {
    user::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .map(Account::from_model)
        .ok_or(Error::NotFound)
}

/// Accounts by id, for lists that name who did something.
pub async fn by_ids(
    db: &Db,
    ids: &[i32],
) -> std::result::Result<std::collections::HashMap<i32, Account>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .all(db.read())
        .await?
        .into_iter()
        .map(|m| (m.id, Account::from_model(m)))
        .collect())
}

pub async fn find_by_username(db: &Db, username: &str) -> Result<Account> {
    find_model(db, username).await.map(Account::from_model)
}

/// The row with its password hash, for login only.
pub(crate) async fn find_model(db: &Db, username: &str) -> Result<user::Model> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username.trim().to_lowercase()))
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)
}

/// Number of enabled admins; the node must always keep one.
pub async fn active_admins<C: ConnectionTrait>(conn: &C) -> Result<u64> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Disabled.eq(false))
        .count(conn)
        .await?)
}

/// What an admin may change on an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub disabled: Option<bool>,
}

pub async fn update(db: &Db, id: i32, change: &AccountChange) -> Result<Account> {
    let mut errors = Invalid::default();
    let display_name = change
        .display_name
        .as_deref()
        .map(|n| required_line(&mut errors, "display_name", n, 100));
    let role = change.role.as_deref().map(|r| parse_role(&mut errors, r));
    errors.into_result()?;

    let txn = sea_orm::TransactionTrait::begin(db.write()).await?;
    let current = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    let was_active_admin = current.role == Role::Admin.as_str() && !current.disabled;
    let username = current.username.clone();
    let mut row: user::ActiveModel = current.into();
    if let Some(name) = display_name {
        row.search_text = Set(noaber_migrations::search::user_text(&username, &name));
        row.display_name = Set(name);
    }
    if let Some(role) = role {
        row.role = Set(role.as_str().to_owned());
    }
    if let Some(disabled) = change.disabled {
        row.disabled = Set(disabled);
    }
    row.updated_at = Set(Utc::now());
    let updated = row.update(&txn).await?;
    if was_active_admin && active_admins(&txn).await? == 0 {
        // Dropping the transaction rolls the change back.
        return Err(Error::LastAdmin);
    }
    if updated.disabled {
        crate::auth::session::end_sessions_on(&txn, id).await?;
    }
    txn.commit().await?;
    Ok(Account::from_model(updated))
}

/// Sets a new password and ends the account's browser sessions.
pub async fn set_password(db: &Db, id: i32, new_password: &str) -> Result<()> {
    let account = get(db, id).await?;
    let mut errors = Invalid::default();
    password::check_strength(&mut errors, "password", new_password, &account.username);
    errors.into_result()?;
    let hash = password::hash(new_password.to_owned()).await?;
    let txn = sea_orm::TransactionTrait::begin(db.write()).await?;
    user::Entity::update(user::ActiveModel {
        id: Set(id),
        password_hash: Set(hash),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    crate::auth::session::end_all_on(&txn, id).await?;
    txn.commit().await?;
    Ok(())
}

/// Checks the current password before a user changes their own.
pub async fn change_own_password(
    db: &Db,
    id: i32,
    current: &str,
    new_password: &str,
) -> Result<()> {
    let row = user::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?;
    if !password::verify(current.to_owned(), Some(row.password_hash)).await {
        return Err(Invalid::one("current_password", "error.current_password").into());
    }
    set_password(db, id, new_password).await
}

/// The address where a coordinator gets notices, if they gave one.
pub async fn notice_email(db: &Db, id: i32) -> Result<Option<String>> {
    Ok(user::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(Error::NotFound)?
        .email)
}

/// Sets (or, empty, clears) the address for notices.
pub async fn set_notice_email(db: &Db, id: i32, raw: &str) -> Result<()> {
    let email = match raw.trim() {
        "" => None,
        e if crate::care::dutch::valid_email(e) => Some(e.to_lowercase()),
        _ => return Err(Invalid::one("email", "error.email").into()),
    };
    user::Entity::update(user::ActiveModel {
        id: Set(id),
        email: Set(email),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(db.write())
    .await?;
    Ok(())
}

/// The addresses of the coordinators and admins who get notices (active
/// accounts that gave one), on any connection.
pub async fn notice_addresses<C: ConnectionTrait>(
    conn: &C,
) -> std::result::Result<Vec<String>, sea_orm::DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.is_in([Role::Coordinator.as_str(), Role::Admin.as_str()]))
        .filter(user::Column::Disabled.eq(false))
        .filter(user::Column::Email.is_not_null())
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|u| u.email.filter(|e| !e.trim().is_empty()))
        .collect())
}
