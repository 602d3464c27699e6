//! Federation that keeps flowing: received activities are deduplicated per
//! (id, actor), so another actor cannot spend an id first; remote actors
//! remember their key id (keys at their own address, as GoToSocial has
//! them); remote servers remember which signature standard worked; relay
//! subscriptions of the instance actor; deliveries carry their host, so
//! the outbox can leave out hosts that are busy.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A new primary key needs a new table on SQLite: build it, copy,
        // swap. SQLite runs migrations outside a transaction: a start that
        // was cut off half-way may have left the new table behind.
        manager
            .drop_table(
                Table::drop()
                    .table(ReceivedActivitiesNew::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReceivedActivitiesNew::Table)
                    .col(string(ReceivedActivities::ActivityId))
                    .col(string(ReceivedActivities::ActorUrl))
                    .col(string(ReceivedActivities::Kind))
                    .col(timestamp_with_time_zone(ReceivedActivities::ReceivedAt))
                    .primary_key(
                        Index::create()
                            .col(ReceivedActivities::ActivityId)
                            .col(ReceivedActivities::ActorUrl),
                    )
                    .to_owned(),
            )
            .await?;
        let columns = [
            ReceivedActivities::ActivityId,
            ReceivedActivities::ActorUrl,
            ReceivedActivities::Kind,
            ReceivedActivities::ReceivedAt,
        ];
        let copy = Query::insert()
            .into_table(ReceivedActivitiesNew::Table)
            .columns(columns)
            .select_from(
                Query::select()
                    .columns(columns)
                    .from(ReceivedActivities::Table)
                    .to_owned(),
            )
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(copy).await?;
        manager
            .drop_table(Table::drop().table(ReceivedActivities::Table).to_owned())
            .await?;
        manager
            .rename_table(
                Table::rename()
                    .table(ReceivedActivitiesNew::Table, ReceivedActivities::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RemoteActors::Table)
                    .add_column(string_null(RemoteActors::KeyId))
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .add_column(string_null(Deliveries::Host))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RemoteServers::Table)
                    .col(string(RemoteServers::Host).primary_key())
                    .col(string(RemoteServers::SignatureForm))
                    .col(timestamp_with_time_zone(RemoteServers::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Relays::Table)
                    .col(pk_auto(Relays::Id))
                    .col(string_uniq(Relays::ActorUrl))
                    .col(string(Relays::Inbox))
                    .col(string(Relays::State))
                    .col(string(Relays::FollowActivityId))
                    .col(timestamp_with_time_zone(Relays::CreatedAt))
                    .col(timestamp_with_time_zone(Relays::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Relays::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RemoteServers::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .drop_column(Deliveries::Host)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RemoteActors::Table)
                    .drop_column(RemoteActors::KeyId)
                    .to_owned(),
            )
            .await?;
        // received_activities keeps its (id, actor) key: going back to a key
        // on the id alone could fail on rows that share an id.
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ReceivedActivities {
    Table,
    ActivityId,
    Kind,
    ActorUrl,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum ReceivedActivitiesNew {
    Table,
}

#[derive(DeriveIden)]
enum RemoteActors {
    Table,
    KeyId,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Host,
}

#[derive(DeriveIden)]
enum RemoteServers {
    Table,
    Host,
    SignatureForm,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Relays {
    Table,
    Id,
    ActorUrl,
    Inbox,
    State,
    FollowActivityId,
    CreatedAt,
    UpdatedAt,
}
