//! Data safety: a one-row table that readiness checks write to (a read
//! cannot show that the disk is full or the writer stuck), and a node-wide
//! hourly cap on public-form submissions that the admin can set.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WriterChecks::Table)
                    .if_not_exists()
                    .col(integer(WriterChecks::Id).primary_key())
                    .col(timestamp_with_time_zone(WriterChecks::CheckedAt))
                    .to_owned(),
            )
            .await?;
        if !manager
            .has_column("care_settings", "public_form_hourly_cap")
            .await?
        {
            manager
                .alter_table(
                    Table::alter()
                        .table(CareSettings::Table)
                        .add_column(integer_null(CareSettings::PublicFormHourlyCap))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CareSettings::Table)
                    .drop_column(CareSettings::PublicFormHourlyCap)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(WriterChecks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum WriterChecks {
    Table,
    Id,
    CheckedAt,
}

#[derive(DeriveIden)]
enum CareSettings {
    Table,
    PublicFormHourlyCap,
}
