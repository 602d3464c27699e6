//! Knowledge across the network: the node's own articles, updates and
//! events, its bottleneck register, the items it
//! received from other nodes (with a full-text index: FTS5 over Dutch
//! stems on SQLite, the `dutch` text search configuration on PostgreSQL),
//! reactions to its own items, and whether it relays what it receives.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite runs migrations outside a transaction: every step may find
        // the work of a start that was cut off half-way.
        manager
            .create_table(
                Table::create()
                    .table(Publications::Table)
                    .if_not_exists()
                    .col(pk_auto(Publications::Id))
                    .col(string(Publications::Kind))
                    .col(string(Publications::Title))
                    .col(text(Publications::Summary))
                    .col(text(Publications::Body))
                    .col(text(Publications::Themes))
                    .col(text(Publications::Categories))
                    .col(text(Publications::Links))
                    .col(timestamp_with_time_zone_null(Publications::StartsAt))
                    .col(timestamp_with_time_zone_null(Publications::EndsAt))
                    .col(text_null(Publications::Location))
                    .col(string(Publications::Visibility))
                    .col(string_null(Publications::ObjectId))
                    .col(string_null(Publications::SourceUrl))
                    .col(string_null(Publications::SourceName))
                    .col(integer_null(Publications::CreatedBy))
                    .col(timestamp_with_time_zone(Publications::CreatedAt))
                    .col(timestamp_with_time_zone(Publications::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KnowledgeThemes::Table)
                    .if_not_exists()
                    .col(pk_auto(KnowledgeThemes::Id))
                    .col(string_uniq(KnowledgeThemes::Name))
                    .col(integer(KnowledgeThemes::Position))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Bottlenecks::Table)
                    .if_not_exists()
                    .col(pk_auto(Bottlenecks::Id))
                    .col(string(Bottlenecks::Title))
                    .col(string(Bottlenecks::Category))
                    .col(text(Bottlenecks::Description))
                    .col(date_null(Bottlenecks::Since))
                    .col(string(Bottlenecks::Status))
                    .col(integer_null(Bottlenecks::SolvedBy))
                    .col(string(Bottlenecks::Visibility))
                    .col(string_null(Bottlenecks::ObjectId))
                    .col(integer_null(Bottlenecks::CreatedBy))
                    .col(timestamp_with_time_zone(Bottlenecks::CreatedAt))
                    .col(timestamp_with_time_zone(Bottlenecks::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NetworkItems::Table)
                    .if_not_exists()
                    .col(pk_auto(NetworkItems::Id))
                    .col(string_uniq(NetworkItems::ObjectId))
                    .col(string(NetworkItems::ItemKind))
                    .col(string(NetworkItems::ApType))
                    .col(string(NetworkItems::OriginActor))
                    .col(string_null(NetworkItems::ViaActor))
                    .col(string(NetworkItems::Visibility))
                    .col(text(NetworkItems::Title))
                    .col(text(NetworkItems::Summary))
                    .col(text(NetworkItems::ContentHtml))
                    .col(text(NetworkItems::TextPlain))
                    .col(text(NetworkItems::Themes))
                    .col(string_null(NetworkItems::Category))
                    .col(string_null(NetworkItems::Status))
                    .col(string_null(NetworkItems::Url))
                    .col(timestamp_with_time_zone_null(NetworkItems::StartTime))
                    .col(timestamp_with_time_zone_null(NetworkItems::EndTime))
                    .col(text_null(NetworkItems::Location))
                    .col(timestamp_with_time_zone(NetworkItems::PublishedAt))
                    .col(timestamp_with_time_zone(NetworkItems::UpdatedAt))
                    .col(timestamp_with_time_zone_null(NetworkItems::DeletedAt))
                    .col(timestamp_with_time_zone(NetworkItems::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("network_items_by_published")
                    .table(NetworkItems::Table)
                    .col(NetworkItems::PublishedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("network_items_by_origin")
                    .table(NetworkItems::Table)
                    .col(NetworkItems::OriginActor)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                // Words are stemmed before they are stored and searched.
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS network_items_fts \
                     USING fts5(words, tokenize = 'unicode61 remove_diacritics 2')",
                )
                .await?;
                // A deleted item's words are removed from the index itself,
                // not only marked as gone.
                db.execute_unprepared(
                    "INSERT INTO network_items_fts (network_items_fts, rank) \
                     VALUES ('secure-delete', 1)",
                )
                .await?;
            }
            DbBackend::Postgres => {
                // Stored, so a search reads the words instead of parsing
                // every matching article again.
                db.execute_unprepared(
                    "ALTER TABLE network_items ADD COLUMN IF NOT EXISTS search tsvector \
                     GENERATED ALWAYS AS \
                     (to_tsvector('dutch', title || ' ' || summary || ' ' || text_plain || ' ' || themes)) STORED",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX IF NOT EXISTS network_items_search ON network_items \
                     USING GIN (search)",
                )
                .await?;
            }
            _ => {}
        }
        manager
            .create_table(
                Table::create()
                    .table(Reactions::Table)
                    .if_not_exists()
                    .col(pk_auto(Reactions::Id))
                    .col(string(Reactions::ObjectId))
                    .col(string(Reactions::ActorUrl))
                    .col(string(Reactions::Kind))
                    .col(string_uniq(Reactions::ActivityId))
                    .col(string_null(Reactions::NoteId))
                    .col(text(Reactions::Content))
                    .col(text_null(Reactions::Answer))
                    .col(timestamp_with_time_zone_null(Reactions::AnsweredAt))
                    .col(timestamp_with_time_zone(Reactions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("reactions_by_object")
                    .table(Reactions::Table)
                    .col(Reactions::ObjectId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Questions::Table)
                    .if_not_exists()
                    .col(pk_auto(Questions::Id))
                    .col(integer(Questions::ItemId))
                    .col(string_uniq(Questions::NoteId))
                    .col(text(Questions::Text))
                    .col(text_null(Questions::Answer))
                    .col(timestamp_with_time_zone(Questions::AskedAt))
                    .col(timestamp_with_time_zone_null(Questions::AnsweredAt))
                    .to_owned(),
            )
            .await?;
        if !manager.has_column("local_actor", "relaying").await? {
            manager
                .alter_table(
                    Table::alter()
                        .table(LocalActor::Table)
                        .add_column(boolean(LocalActor::Relaying).default(true))
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
                    .table(LocalActor::Table)
                    .drop_column(LocalActor::Relaying)
                    .to_owned(),
            )
            .await?;
        for table in [
            "questions",
            "reactions",
            "network_items_fts",
            "network_items",
            "bottlenecks",
            "knowledge_themes",
            "publications",
        ] {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Publications {
    Table,
    Id,
    Kind,
    Title,
    Summary,
    Body,
    Themes,
    Categories,
    Links,
    StartsAt,
    EndsAt,
    Location,
    Visibility,
    ObjectId,
    SourceUrl,
    SourceName,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum KnowledgeThemes {
    Table,
    Id,
    Name,
    Position,
}

#[derive(DeriveIden)]
enum Bottlenecks {
    Table,
    Id,
    Title,
    Category,
    Description,
    Since,
    Status,
    SolvedBy,
    Visibility,
    ObjectId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NetworkItems {
    Table,
    Id,
    ObjectId,
    ItemKind,
    ApType,
    OriginActor,
    ViaActor,
    Visibility,
    Title,
    Summary,
    ContentHtml,
    TextPlain,
    Themes,
    Category,
    Status,
    Url,
    StartTime,
    EndTime,
    Location,
    PublishedAt,
    UpdatedAt,
    DeletedAt,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Reactions {
    Table,
    Id,
    ObjectId,
    ActorUrl,
    Kind,
    ActivityId,
    NoteId,
    Content,
    Answer,
    AnsweredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    Id,
    ItemId,
    NoteId,
    Text,
    Answer,
    AskedAt,
    AnsweredAt,
}

#[derive(DeriveIden)]
enum LocalActor {
    Table,
    Relaying,
}
