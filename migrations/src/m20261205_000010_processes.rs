//! Several `serve` processes on one PostgreSQL database: a delivery claim
//! names the process that holds it, and periodic jobs take a lease so that
//! one process at a time runs each.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_column("deliveries", "claimed_by").await? {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE deliveries ADD COLUMN claimed_by TEXT NULL")
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(JobLeases::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(JobLeases::Name)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(JobLeases::Holder).string().not_null())
                    .col(
                        ColumnDef::new(JobLeases::Until)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobLeases::Table).if_exists().to_owned())
            .await?;
        if manager.has_column("deliveries", "claimed_by").await? {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE deliveries DROP COLUMN claimed_by")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Name,
    Holder,
    Until,
}
