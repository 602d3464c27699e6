//! One login belongs to at most one volunteer record, so a volunteer never
//! sees another volunteer's tasks.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_volunteers_user_unique")
                    .table(Volunteers::Table)
                    .col(Volunteers::UserId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_volunteers_user_unique")
                    .table(Volunteers::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Volunteers {
    Table,
    UserId,
}
