//! Password hashing (argon2id) and the minimum a password must meet.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::rngs::OsRng;

use crate::validation::Invalid;

/// Longest password accepted; hashing cost grows with length.
pub const MAX_LEN: usize = 256;
/// Shortest password accepted. Length beats composition rules for people who
/// write their password down or use a sentence.
pub const MIN_LEN: usize = 10;

/// Passwords that are too common to allow, whatever their length.
const COMMON: &[&str] = &[
    "wachtwoord",
    "wachtwoord1",
    "wachtwoord123",
    "password",
    "password1",
    "password123",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "welkom1234",
    "welkomwelkom",
    "noaber1234",
    "abcdefghij",
    "iloveyou123",
    "0000000000",
    "1111111111",
];

/// Checks a new password; `field` names the form field in the error.
pub fn check_strength(errors: &mut Invalid, field: &'static str, password: &str, username: &str) {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        errors.add(field, "error.password_short");
    } else if chars > MAX_LEN {
        errors.add(field, "error.too_long");
    } else {
        let lower = password.to_lowercase();
        let distinct = {
            let mut c: Vec<char> = lower.chars().collect();
            c.sort_unstable();
            c.dedup();
            c.len()
        };
        if COMMON.contains(&lower.as_str())
            || distinct < 4
            || (!username.is_empty() && lower.contains(&username.to_lowercase()))
        {
            errors.add(field, "error.password_weak");
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes on a blocking thread: argon2 takes tens of milliseconds by design.
pub async fn hash(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
    .await
    .map_err(|e| HashError(e.to_string()))?
}

/// Verifies on a blocking thread. With `None` it verifies against a fixed
/// hash so that an unknown username costs as much time as a known one.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        match PasswordHash::new(&stored) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false)
}

/// argon2id hash of a random string nobody knows, with the default cost.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K3hM9lTtcVjSbQ6mNVUGRzVhh7mtIBdi5kF6nWlfAvs";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_named() {
        for (pw, key) in [
            ("kort", "error.password_short"),
            ("wachtwoord", "error.password_weak"),
            ("aaaaaaaaaaaa", "error.password_weak"),
            ("annie-de-vries-2024", "error.password_weak"),
        ] {
            let mut e = Invalid::default();
            check_strength(&mut e, "password", pw, "annie");
            assert_eq!(e.for_field("password"), Some(key), "{pw}");
        }
        let mut e = Invalid::default();
        check_strength(&mut e, "password", "fiets langs de IJssel", "annie");
        assert!(e.is_empty());
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash("fiets langs de IJssel".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("fiets langs de IJssel".into(), Some(h.clone())).await);
        assert!(!verify("fiets langs de Vecht".into(), Some(h)).await);
        assert!(!verify("anything".into(), None).await);
    }
}
