//! The text that search matches on, folded so that case and accents do not
//! matter ("renee" finds "Renée", "assendorp" finds "Assendorp") on SQLite
//! and PostgreSQL alike: both only compare the folded text with `LIKE`.
//!
//! It lives here because a migration fills the stored text for existing
//! rows and the node fills it for new ones; one definition keeps them equal.

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseBackend, DbErr, QueryResult, Statement, Value,
};
use unicode_normalization::UnicodeNormalization;

/// Fills `table.search_text` for every row: `columns` are read with the
/// row's id, and `text` makes the search text from them. One update per
/// row: the migrations that call it run once, and the text is folded here,
/// not in SQL, so that it is the same on both databases.
pub(crate) async fn refill<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    columns: &str,
    text: impl Fn(&QueryResult) -> Result<String, DbErr>,
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT id, {columns} FROM {table}"),
        ))
        .await?;
    let update = numbered(
        backend,
        &format!("UPDATE {table} SET search_text = ? WHERE id = ?"),
    );
    for row in rows {
        let id: i32 = row.try_get("", "id")?;
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            update.clone(),
            [Value::from(text(&row)?), Value::from(id)],
        ))
        .await?;
    }
    Ok(())
}

/// `?` placeholders as the backend wants them: PostgreSQL numbers them
/// (`$1`, `$2`), SQLite takes them as they are. For the migrations that
/// fill search text row by row.
fn numbered(backend: DatabaseBackend, sql: &str) -> String {
    if backend != DatabaseBackend::Postgres {
        return sql.to_owned();
    }
    let mut n = 0;
    sql.chars()
        .map(|c| {
            if c == '?' {
                n += 1;
                format!("${n}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Lower case, without accents (é → e, ï → i, ø → o), ĳ as ij, ß as ss.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            'ø' | 'Ø' => out.push('o'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// A member's search text: name, phone, e-mail, postcode (without its
/// space) and neighbourhood.
pub fn member_text(
    name: &str,
    phone: Option<&str>,
    email: Option<&str>,
    postcode: Option<&str>,
    neighbourhood: Option<&str>,
) -> String {
    [
        Some(fold(name)),
        phone.map(str::to_owned),
        email.map(fold),
        postcode.map(|p| fold(p).replace(' ', "")),
        neighbourhood.map(fold),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

/// An activity's search text: its title and place.
pub fn activity_text(title: &str, place: Option<&str>) -> String {
    [Some(fold(title)), place.map(fold)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A standing offer's own search text: where and when (the volunteer's
/// name is searched through the member).
pub fn offer_text(area: &str, times: &str) -> String {
    format!("{} {}", fold(area), fold(times))
}

/// An account's search text: its user name and the name shown.
pub fn user_text(username: &str, display_name: &str) -> String {
    format!("{} {}", fold(username), fold(display_name))
}

/// A help request's own search text: the walk-in's name and the
/// description (a member's name is searched through the member).
pub fn request_text(walk_in_name: Option<&str>, description: Option<&str>) -> String {
    [walk_in_name.map(fold), description.map(fold)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Renée Çelik-Øster"), "renee celik-oster");
        assert_eq!(fold("ASSENDORP"), "assendorp");
        assert_eq!(fold("Ĳsselmeer"), "ijsselmeer");
        assert_eq!(fold("Straße"), "strasse");
    }
}
