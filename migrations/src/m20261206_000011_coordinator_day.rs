//! A coordinator's day: requests get their own folded search text and
//! members' search text is folded again (case and accents ignored, the
//! neighbourhood included); a request whose volunteer was asked but has not
//! answered is "asked", no longer "matched". The public form shows the
//! initiative's phone number and when it calls back. Activities get a
//! place, times, a description, a place on the public agenda, and a list
//! of who signed up.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::search;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if !manager.has_column("help_requests", "search_text").await? {
            conn.execute_unprepared(
                "ALTER TABLE help_requests ADD COLUMN search_text TEXT NOT NULL DEFAULT ''",
            )
            .await?;
        }
        for (column, kind) in [("contact_phone", "TEXT"), ("callback_days", "INTEGER")] {
            if !manager.has_column("care_settings", column).await? {
                conn.execute_unprepared(&format!(
                    "ALTER TABLE care_settings ADD COLUMN {column} {kind} NULL"
                ))
                .await?;
            }
        }
        for (column, kind) in [
            ("place", "TEXT NULL"),
            ("start_time", "TEXT NULL"),
            ("end_time", "TEXT NULL"),
            ("description", "TEXT NULL"),
            ("public", "BOOLEAN NOT NULL DEFAULT FALSE"),
        ] {
            if !manager.has_column("activities", column).await? {
                conn.execute_unprepared(&format!(
                    "ALTER TABLE activities ADD COLUMN {column} {kind}"
                ))
                .await?;
            }
        }
        manager
            .create_table(
                Table::create()
                    .table(ActivitySignups::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ActivitySignups::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ActivitySignups::ActivityId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ActivitySignups::MemberId)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ActivitySignups::CreatedBy).integer().null())
                    .col(
                        ColumnDef::new(ActivitySignups::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // One sign-up per person per activity.
        manager
            .create_index(
                Index::create()
                    .name("activity_signups_once")
                    .table(ActivitySignups::Table)
                    .col(ActivitySignups::ActivityId)
                    .col(ActivitySignups::MemberId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        search::refill(conn, "help_requests", "walk_in_name, description", |row| {
            let walk_in: Option<String> = row.try_get("", "walk_in_name")?;
            let description: Option<String> = row.try_get("", "description")?;
            Ok(search::request_text(
                walk_in.as_deref(),
                description.as_deref(),
            ))
        })
        .await?;
        search::refill(
            conn,
            "members",
            "name, phone, email, postcode, neighbourhood",
            |row| {
                let name: String = row.try_get("", "name")?;
                let get = |col: &str| row.try_get::<Option<String>>("", col);
                Ok(search::member_text(
                    &name,
                    get("phone")?.as_deref(),
                    get("email")?.as_deref(),
                    get("postcode")?.as_deref(),
                    get("neighbourhood")?.as_deref(),
                ))
            },
        )
        .await?;
        conn.execute_unprepared(
            "UPDATE help_requests SET status = 'asked' WHERE status = 'matched' AND NOT EXISTS \
             (SELECT 1 FROM matches WHERE matches.request_id = help_requests.id \
              AND matches.status IN ('accepted', 'completed'))",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared(
            "UPDATE help_requests SET status = 'matched' WHERE status = 'asked'",
        )
        .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(ActivitySignups::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        for column in ["place", "start_time", "end_time", "description", "public"] {
            if manager.has_column("activities", column).await? {
                conn.execute_unprepared(&format!("ALTER TABLE activities DROP COLUMN {column}"))
                    .await?;
            }
        }
        for column in ["contact_phone", "callback_days"] {
            if manager.has_column("care_settings", column).await? {
                conn.execute_unprepared(&format!("ALTER TABLE care_settings DROP COLUMN {column}"))
                    .await?;
            }
        }
        if manager.has_column("help_requests", "search_text").await? {
            conn.execute_unprepared("ALTER TABLE help_requests DROP COLUMN search_text")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ActivitySignups {
    Table,
    Id,
    ActivityId,
    MemberId,
    CreatedBy,
    CreatedAt,
}
