//! Checking a username and password.

use super::{Error, Result, throttle};
use crate::accounts::{self, Account, password};
use crate::config::AuthSettings;
use crate::db::Db;

/// Logs in with username and password from `address`. Throttled attempts are
/// refused before the password is checked, so guessing gains nothing.
pub async fn authenticate(
    db: &Db,
    cfg: &AuthSettings,
    username: &str,
    password_given: &str,
    address: &str,
) -> Result<Account> {
    let username = username.trim().to_lowercase();
    if username.is_empty() || password_given.is_empty() {
        let mut e = crate::validation::Invalid::default();
        if username.is_empty() {
            e.add("username", "error.required");
        }
        if password_given.is_empty() {
            e.add("password", "error.required");
        }
        return Err(e.into());
    }
    if password_given.chars().count() > password::MAX_LEN {
        return Err(Error::BadCredentials);
    }
    // Counted before the check, so parallel guesses cannot all be checked.
    let attempt = throttle::begin(db, cfg, &username, address, chrono::Utc::now()).await?;
    let row = match accounts::service::find_model(db, &username).await {
        Ok(row) => Some(row),
        Err(accounts::Error::NotFound) => None,
        Err(accounts::Error::Db(e)) => return Err(e.into()),
        Err(_) => None,
    };
    let ok = password::verify(
        password_given.to_owned(),
        row.as_ref().map(|r| r.password_hash.clone()),
    )
    .await;
    throttle::finish(db, attempt, &username, address, ok).await?;
    match row {
        Some(row) if ok => {
            if row.disabled {
                return Err(Error::Disabled);
            }
            Ok(Account::from_model(row))
        }
        _ => {
            tracing::info!(address_kind = address_kind(address), "login failed");
            Err(Error::BadCredentials)
        }
    }
}

/// Logs whether a failure came from loopback, without the address itself.
fn address_kind(address: &str) -> &'static str {
    match address.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_loopback() => "loopback",
        Ok(_) => "remote",
        Err(_) => "unknown",
    }
}
