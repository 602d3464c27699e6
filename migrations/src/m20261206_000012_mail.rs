//! E-mail notifications: a queue of mails waiting to be sent (kept only as
//! long as needed: address and text are cleared once a mail is sent), the
//! one-time answer links a volunteer gets when asked, and an optional
//! e-mail address on an account for coordinators who want notices.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_column("users", "email").await? {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE users ADD COLUMN email TEXT NULL")
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(MailOutbox::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(MailOutbox::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(MailOutbox::Kind).string().not_null())
                    .col(ColumnDef::new(MailOutbox::Recipient).string().not_null())
                    .col(ColumnDef::new(MailOutbox::MemberId).integer().null())
                    .col(ColumnDef::new(MailOutbox::Subject).string().not_null())
                    .col(ColumnDef::new(MailOutbox::Body).text().not_null())
                    .col(ColumnDef::new(MailOutbox::DedupeKey).string().null())
                    .col(
                        ColumnDef::new(MailOutbox::SendBefore)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(MailOutbox::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(MailOutbox::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(MailOutbox::ClaimedBy).string().null())
                    .col(
                        ColumnDef::new(MailOutbox::ClaimedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(MailOutbox::SentAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(MailOutbox::FailedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(MailOutbox::LastError).string().null())
                    .col(
                        ColumnDef::new(MailOutbox::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // One reminder per task, however often the chores look.
        manager
            .create_index(
                Index::create()
                    .name("mail_outbox_dedupe_key")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::DedupeKey)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_outbox_due")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::SentAt)
                    .col(MailOutbox::FailedAt)
                    .col(MailOutbox::NextAttemptAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnswerLinks::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AnswerLinks::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AnswerLinks::MatchId).integer().not_null())
                    .col(
                        ColumnDef::new(AnswerLinks::TokenHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(AnswerLinks::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AnswerLinks::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AnswerLinks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AnswerLinks::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(MailOutbox::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        if manager.has_column("users", "email").await? {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE users DROP COLUMN email")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    Kind,
    Recipient,
    MemberId,
    Subject,
    Body,
    DedupeKey,
    SendBefore,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    ClaimedUntil,
    SentAt,
    FailedAt,
    LastError,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AnswerLinks {
    Table,
    Id,
    MatchId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}
