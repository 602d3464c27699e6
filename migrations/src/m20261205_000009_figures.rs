//! Figures across the network: the node's disclosure settings, figures
//! entered by hand, the reports it sent, the reports it received from the
//! initiatives it follows (one per initiative and period, the latest
//! version), and the region and place of each node on the wire.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

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
                    .table(FigureSettings::Table)
                    .if_not_exists()
                    .col(pk_auto(FigureSettings::Id))
                    .col(text(FigureSettings::SharedMetrics))
                    .col(text(FigureSettings::PublicMetrics))
                    .col(text(FigureSettings::OpenDataMetrics))
                    .col(boolean(FigureSettings::RoundToFive))
                    .col(boolean(FigureSettings::Forwardable))
                    .col(boolean(FigureSettings::AutoSend))
                    .col(integer(FigureSettings::HourRateCents))
                    .col(timestamp_with_time_zone(FigureSettings::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ManualFigures::Table)
                    .if_not_exists()
                    .col(pk_auto(ManualFigures::Id))
                    .col(string(ManualFigures::Period))
                    .col(string(ManualFigures::Metric))
                    .col(big_integer(ManualFigures::Value))
                    .col(integer_null(ManualFigures::EnteredBy))
                    .col(timestamp_with_time_zone(ManualFigures::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("manual_figures_once")
                    .table(ManualFigures::Table)
                    .col(ManualFigures::Period)
                    .col(ManualFigures::Metric)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ImpactReports::Table)
                    .if_not_exists()
                    .col(pk_auto(ImpactReports::Id))
                    .col(string_uniq(ImpactReports::Period))
                    .col(string(ImpactReports::ObjectId))
                    .col(integer_null(ImpactReports::OutboxId))
                    .col(text(ImpactReports::Figures))
                    .col(boolean(ImpactReports::Forwardable))
                    .col(boolean(ImpactReports::Provisional))
                    .col(integer_null(ImpactReports::SentBy))
                    .col(timestamp_with_time_zone(ImpactReports::SentAt))
                    .col(timestamp_with_time_zone(ImpactReports::UpdatedAt))
                    .col(timestamp_with_time_zone_null(ImpactReports::DeletedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReceivedReports::Table)
                    .if_not_exists()
                    .col(pk_auto(ReceivedReports::Id))
                    .col(string(ReceivedReports::ObjectId))
                    .col(string(ReceivedReports::OriginActor))
                    .col(string(ReceivedReports::Period))
                    .col(date(ReceivedReports::StartsOn))
                    .col(date(ReceivedReports::EndsOn))
                    .col(boolean(ReceivedReports::Forwardable))
                    .col(boolean(ReceivedReports::Provisional))
                    .col(timestamp_with_time_zone(ReceivedReports::Version))
                    .col(text_null(ReceivedReports::Via))
                    .col(timestamp_with_time_zone(ReceivedReports::ReceivedAt))
                    .col(timestamp_with_time_zone_null(ReceivedReports::DeletedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("received_reports_once")
                    .table(ReceivedReports::Table)
                    .col(ReceivedReports::OriginActor)
                    .col(ReceivedReports::Period)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("received_reports_by_period")
                    .table(ReceivedReports::Table)
                    .col(ReceivedReports::Period)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("received_reports_by_object")
                    .table(ReceivedReports::Table)
                    .col(ReceivedReports::ObjectId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReceivedFigures::Table)
                    .if_not_exists()
                    .col(pk_auto(ReceivedFigures::Id))
                    .col(integer(ReceivedFigures::ReportId))
                    .col(string(ReceivedFigures::Period))
                    .col(string(ReceivedFigures::Metric))
                    .col(string_null(ReceivedFigures::Category))
                    .col(big_integer(ReceivedFigures::Low))
                    .col(big_integer(ReceivedFigures::High))
                    .col(integer(ReceivedFigures::Suppressed))
                    .to_owned(),
            )
            .await?;
        // Totals read a period (and a metric); a replaced report's figures
        // are found within its period. One index only: every index is more
        // pages written per received report.
        manager
            .create_index(
                Index::create()
                    .name("received_figures_by_period")
                    .table(ReceivedFigures::Table)
                    .col(ReceivedFigures::Period)
                    .col(ReceivedFigures::Metric)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        for (table, col) in NEW_COLUMNS {
            if !manager.has_column(table, col).await? {
                manager
                    .get_connection()
                    .execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN {col} TEXT NULL"))
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, col) in NEW_COLUMNS {
            if manager.has_column(table, col).await? {
                manager
                    .get_connection()
                    .execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN {col}"))
                    .await?;
            }
        }
        for table in [
            "received_figures",
            "received_reports",
            "impact_reports",
            "manual_figures",
            "figure_settings",
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
enum FigureSettings {
    Table,
    Id,
    SharedMetrics,
    PublicMetrics,
    OpenDataMetrics,
    RoundToFive,
    Forwardable,
    AutoSend,
    HourRateCents,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ManualFigures {
    Table,
    Id,
    Period,
    Metric,
    Value,
    EnteredBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ImpactReports {
    Table,
    Id,
    Period,
    ObjectId,
    OutboxId,
    Figures,
    Forwardable,
    Provisional,
    SentBy,
    SentAt,
    UpdatedAt,
    DeletedAt,
}

/// One figure of a standing received report, with what it adds to a total
/// (a suppressed cell adds 1 to 4, a rounded one its value ± 2), so totals
/// are sums in the database.
#[derive(DeriveIden, Clone, Copy)]
enum ReceivedFigures {
    Table,
    Id,
    ReportId,
    Period,
    Metric,
    Category,
    Low,
    High,
    Suppressed,
}

#[derive(DeriveIden)]
enum ReceivedReports {
    Table,
    Id,
    ObjectId,
    OriginActor,
    Period,
    StartsOn,
    EndsOn,
    Forwardable,
    Provisional,
    Version,
    Via,
    ReceivedAt,
    DeletedAt,
}

/// Where a node says it belongs: its region and the kind of initiative it
/// is (stadsdorp, zorgcoöperatie …), kept by the node and on the wire.
const NEW_COLUMNS: [(&str, &str); 7] = [
    ("node_profile", "region"),
    ("node_profile", "initiative_type"),
    ("local_actor", "region"),
    ("local_actor", "initiative_type"),
    ("remote_actors", "region"),
    ("remote_actors", "initiative_type"),
    ("remote_actors", "place"),
];
