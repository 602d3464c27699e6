//! Federation state (owned by `noaber-federation`): the node's own actor and
//! keys, remote actors, followers and follows, blocked domains, the
//! persistent outbox with one delivery row per inbox, received activity ids,
//! and the published objects served at their ids.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LocalActor::Table)
                    .col(integer(LocalActor::Id).primary_key())
                    .col(string(LocalActor::Username))
                    .col(string(LocalActor::Name))
                    .col(string(LocalActor::Kind))
                    .col(string(LocalActor::Place))
                    .col(string(LocalActor::BaseUrl))
                    .col(text(LocalActor::PublicKeyPem))
                    .col(text(LocalActor::PrivateKeyPem))
                    .col(string(LocalActor::AutoApprove))
                    .col(string(LocalActor::NodeinfoUsage))
                    .col(timestamp_with_time_zone(LocalActor::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RemoteActors::Table)
                    .col(pk_auto(RemoteActors::Id))
                    .col(string_uniq(RemoteActors::ActorUrl))
                    .col(string(RemoteActors::Inbox))
                    .col(string_null(RemoteActors::SharedInbox))
                    .col(string_null(RemoteActors::Name))
                    .col(string_null(RemoteActors::Username))
                    .col(string_null(RemoteActors::NodeKind))
                    .col(string(RemoteActors::ActorType))
                    .col(text(RemoteActors::PublicKeyPem))
                    .col(timestamp_with_time_zone(RemoteActors::FetchedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Followers::Table)
                    .col(pk_auto(Followers::Id))
                    .col(string_uniq(Followers::ActorUrl))
                    .col(string(Followers::State))
                    .col(string(Followers::FollowActivityId))
                    .col(timestamp_with_time_zone(Followers::CreatedAt))
                    .col(timestamp_with_time_zone(Followers::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Following::Table)
                    .col(pk_auto(Following::Id))
                    .col(string_uniq(Following::ActorUrl))
                    .col(string(Following::State))
                    .col(string(Following::FollowActivityId))
                    .col(timestamp_with_time_zone(Following::CreatedAt))
                    .col(timestamp_with_time_zone(Following::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BlockedDomains::Table)
                    .col(string(BlockedDomains::Domain).primary_key())
                    .col(timestamp_with_time_zone(BlockedDomains::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboxActivities::Table)
                    .col(pk_auto(OutboxActivities::Id))
                    .col(string_uniq(OutboxActivities::ActivityId))
                    .col(string(OutboxActivities::Kind))
                    .col(text(OutboxActivities::Json))
                    .col(timestamp_with_time_zone(OutboxActivities::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(pk_auto(Deliveries::Id))
                    .col(integer(Deliveries::OutboxId))
                    .col(string(Deliveries::Inbox))
                    .col(string(Deliveries::State))
                    .col(integer(Deliveries::Attempts))
                    .col(timestamp_with_time_zone(Deliveries::NextAttemptAt))
                    .col(integer_null(Deliveries::LastStatus))
                    .col(string_null(Deliveries::LastError))
                    .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(Deliveries::DeliveredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::OutboxId)
                            .to(OutboxActivities::Table, OutboxActivities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_due")
                    .table(Deliveries::Table)
                    .col(Deliveries::State)
                    .col(Deliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // One delivery of an activity per inbox, whatever happens.
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_unique")
                    .table(Deliveries::Table)
                    .col(Deliveries::OutboxId)
                    .col(Deliveries::Inbox)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InboxHealth::Table)
                    .col(string(InboxHealth::Inbox).primary_key())
                    .col(timestamp_with_time_zone_null(InboxHealth::FailingSince))
                    .col(timestamp_with_time_zone_null(InboxHealth::LastSuccessAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReceivedActivities::Table)
                    .col(string(ReceivedActivities::ActivityId).primary_key())
                    .col(string(ReceivedActivities::Kind))
                    .col(string(ReceivedActivities::ActorUrl))
                    .col(timestamp_with_time_zone(ReceivedActivities::ReceivedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Objects::Table)
                    .col(pk_auto(Objects::Id))
                    .col(string_uniq(Objects::ObjectId))
                    .col(string(Objects::Kind))
                    .col(string(Objects::Visibility))
                    .col(text(Objects::Json))
                    .col(timestamp_with_time_zone(Objects::PublishedAt))
                    .col(timestamp_with_time_zone_null(Objects::DeletedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Objects::Table.into_iden(),
            ReceivedActivities::Table.into_iden(),
            InboxHealth::Table.into_iden(),
            Deliveries::Table.into_iden(),
            OutboxActivities::Table.into_iden(),
            BlockedDomains::Table.into_iden(),
            Following::Table.into_iden(),
            Followers::Table.into_iden(),
            RemoteActors::Table.into_iden(),
            LocalActor::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum LocalActor {
    Table,
    Id,
    Username,
    Name,
    Kind,
    Place,
    BaseUrl,
    PublicKeyPem,
    PrivateKeyPem,
    AutoApprove,
    NodeinfoUsage,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RemoteActors {
    Table,
    Id,
    ActorUrl,
    Inbox,
    SharedInbox,
    Name,
    Username,
    NodeKind,
    ActorType,
    PublicKeyPem,
    FetchedAt,
}

#[derive(DeriveIden)]
enum Followers {
    Table,
    Id,
    ActorUrl,
    State,
    FollowActivityId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Following {
    Table,
    Id,
    ActorUrl,
    State,
    FollowActivityId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BlockedDomains {
    Table,
    Domain,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OutboxActivities {
    Table,
    Id,
    ActivityId,
    Kind,
    Json,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    OutboxId,
    Inbox,
    State,
    Attempts,
    NextAttemptAt,
    LastStatus,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum InboxHealth {
    Table,
    Inbox,
    FailingSince,
    LastSuccessAt,
}

#[derive(DeriveIden)]
enum ReceivedActivities {
    Table,
    ActivityId,
    Kind,
    ActorUrl,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Objects {
    Table,
    Id,
    ObjectId,
    Kind,
    Visibility,
    Json,
    PublishedAt,
    DeletedAt,
}
