//! Turns at periodic jobs, shared by every process on one database.
//!
//! A job (the hourly housekeeping, say) is run by whichever process first
//! finds its lease expired; the lease then holds until the next run is due.
//! A process that dies mid-job only delays the next run to the end of the
//! lease. One row per job, taken with one statement that works alike on
//! SQLite and PostgreSQL.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};

/// Takes the turn at `job` for `hold` when no process holds it now;
/// `true` when this process (`holder`) has it and should run the job.
pub async fn take_turn(
    conn: &impl ConnectionTrait,
    job: &str,
    holder: &str,
    hold: Duration,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let table = Alias::new("job_leases");
    let insert = Query::insert()
        .into_table(table.clone())
        .columns([
            Alias::new("name"),
            Alias::new("holder"),
            Alias::new("until"),
        ])
        .values_panic([job.into(), holder.into(), (now + hold).into()])
        .on_conflict(
            OnConflict::column(Alias::new("name"))
                .update_columns([Alias::new("holder"), Alias::new("until")])
                .action_and_where(Expr::col((table, Alias::new("until"))).lt(now))
                .to_owned(),
        )
        .to_owned();
    Ok(conn.execute(&insert).await?.rows_affected() == 1)
}

/// Who holds `job` now and until when (for tests and diagnostics).
pub async fn holder(
    conn: &impl ConnectionTrait,
    job: &str,
) -> Result<Option<(String, DateTime<Utc>)>, DbErr> {
    let select = Query::select()
        .columns([Alias::new("holder"), Alias::new("until")])
        .from(Alias::new("job_leases"))
        .and_where(Expr::col(Alias::new("name")).eq(job))
        .to_owned();
    match conn.query_one(&select).await? {
        Some(row) => Ok(Some((
            row.try_get::<String>("", "holder")?,
            row.try_get::<DateTime<Utc>>("", "until")?,
        ))),
        None => Ok(None),
    }
}
