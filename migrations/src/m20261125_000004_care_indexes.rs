//! Indexes found by the care benchmark: open matches per volunteer, asked
//! for every matching suggestion.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_matches_status_volunteer")
                    .table(Matches::Table)
                    .col(Matches::Status)
                    .col(Matches::VolunteerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_matches_status_volunteer")
                    .table(Matches::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Matches {
    Table,
    Status,
    VolunteerId,
}
