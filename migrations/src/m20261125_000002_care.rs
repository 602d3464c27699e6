//! Local care work: members, volunteers, help categories, help requests and
//! their history, offers, matches, hours, activities, the audit log of views
//! of personal data, CSV import batches and the public help form's limiter.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Members::Table)
                    .col(pk_auto(Members::Id))
                    .col(string(Members::Name))
                    .col(string_null(Members::Phone))
                    .col(string_null(Members::Email))
                    .col(string_null(Members::Address))
                    .col(string_null(Members::Postcode))
                    .col(string_null(Members::Neighbourhood))
                    .col(integer_null(Members::BirthYear))
                    .col(date_null(Members::MemberSince))
                    .col(boolean(Members::MayContact).default(true))
                    .col(boolean(Members::MayPhoto).default(false))
                    .col(text_null(Members::Notes))
                    // Lower-cased name, phone digits and e-mail, for search.
                    .col(string(Members::SearchText))
                    .col(timestamp_with_time_zone_null(Members::ErasedAt))
                    .col(integer_null(Members::CreatedBy))
                    .col(timestamp_with_time_zone(Members::CreatedAt))
                    .col(timestamp_with_time_zone(Members::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_members_name",
            Members::Table,
            &[Members::Name],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Volunteers::Table)
                    .col(integer(Volunteers::MemberId).primary_key())
                    .col(integer_null(Volunteers::UserId))
                    // Comma-separated category ids, neighbourhoods and
                    // availability slots ("mon-morning"): small sets, read whole.
                    .col(string(Volunteers::Skills))
                    .col(string(Volunteers::Areas))
                    .col(string(Volunteers::Availability))
                    .col(date_null(Volunteers::VogDate))
                    .col(integer(Volunteers::MaxTasksPerWeek))
                    .col(boolean(Volunteers::Active).default(true))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Volunteers::Table, Volunteers::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Volunteers::Table, Volunteers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HelpCategories::Table)
                    .col(pk_auto(HelpCategories::Id))
                    .col(string_uniq(HelpCategories::Name))
                    .col(boolean(HelpCategories::Active).default(true))
                    .col(integer(HelpCategories::Position))
                    .to_owned(),
            )
            .await?;
        let defaults = [
            "boodschappen",
            "vervoer",
            "klusjes",
            "bezoek/gezelschap",
            "administratie",
            "maaltijd",
            "digitale hulp",
            "tuin",
            "overig",
        ];
        for (i, name) in defaults.iter().enumerate() {
            manager
                .exec_stmt(
                    Query::insert()
                        .into_table(HelpCategories::Table)
                        .columns([
                            HelpCategories::Name,
                            HelpCategories::Active,
                            HelpCategories::Position,
                        ])
                        .values_panic([(*name).into(), true.into(), (i as i32).into()])
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(HelpRequests::Table)
                    .col(pk_auto(HelpRequests::Id))
                    .col(integer_null(HelpRequests::MemberId))
                    .col(string_null(HelpRequests::WalkInName))
                    .col(string_null(HelpRequests::WalkInContact))
                    .col(integer(HelpRequests::CategoryId))
                    .col(text_null(HelpRequests::Description))
                    .col(date_null(HelpRequests::WantedDate))
                    .col(string(HelpRequests::WantedPart))
                    .col(string_null(HelpRequests::Recurrence))
                    .col(string(HelpRequests::Urgency))
                    .col(string(HelpRequests::Status))
                    .col(string(HelpRequests::Source))
                    .col(integer_null(HelpRequests::CreatedBy))
                    .col(timestamp_with_time_zone(HelpRequests::CreatedAt))
                    .col(timestamp_with_time_zone(HelpRequests::UpdatedAt))
                    .col(timestamp_with_time_zone_null(HelpRequests::ClosedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(HelpRequests::Table, HelpRequests::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(HelpRequests::Table, HelpRequests::CategoryId)
                            .to(HelpCategories::Table, HelpCategories::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_requests_status_created",
            HelpRequests::Table,
            &[HelpRequests::Status, HelpRequests::CreatedAt],
        )
        .await?;
        index(
            manager,
            "idx_requests_member",
            HelpRequests::Table,
            &[HelpRequests::MemberId],
        )
        .await?;
        index(
            manager,
            "idx_requests_created",
            HelpRequests::Table,
            &[HelpRequests::CreatedAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RequestEvents::Table)
                    .col(pk_auto(RequestEvents::Id))
                    .col(integer(RequestEvents::RequestId))
                    .col(string_null(RequestEvents::FromStatus))
                    .col(string(RequestEvents::ToStatus))
                    .col(integer_null(RequestEvents::ChangedBy))
                    .col(timestamp_with_time_zone(RequestEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestEvents::Table, RequestEvents::RequestId)
                            .to(HelpRequests::Table, HelpRequests::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_request_events_request",
            RequestEvents::Table,
            &[RequestEvents::RequestId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Offers::Table)
                    .col(pk_auto(Offers::Id))
                    .col(integer(Offers::VolunteerId))
                    .col(integer(Offers::CategoryId))
                    .col(string(Offers::Area))
                    .col(string(Offers::Times))
                    .col(text_null(Offers::Note))
                    .col(boolean(Offers::Active).default(true))
                    .col(integer_null(Offers::CreatedBy))
                    .col(timestamp_with_time_zone(Offers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Offers::Table, Offers::VolunteerId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Matches::Table)
                    .col(pk_auto(Matches::Id))
                    .col(integer(Matches::RequestId))
                    .col(integer(Matches::VolunteerId))
                    .col(string(Matches::Status))
                    .col(integer_null(Matches::CreatedBy))
                    .col(timestamp_with_time_zone(Matches::CreatedAt))
                    .col(timestamp_with_time_zone_null(Matches::RespondedAt))
                    .col(integer_null(Matches::RespondedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Matches::Table, Matches::RequestId)
                            .to(HelpRequests::Table, HelpRequests::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Matches::Table, Matches::VolunteerId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_matches_request",
            Matches::Table,
            &[Matches::RequestId],
        )
        .await?;
        index(
            manager,
            "idx_matches_volunteer",
            Matches::Table,
            &[Matches::VolunteerId, Matches::CreatedAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(HourEntries::Table)
                    .col(pk_auto(HourEntries::Id))
                    .col(integer(HourEntries::VolunteerId))
                    .col(integer_null(HourEntries::MatchId))
                    .col(integer_null(HourEntries::RequestId))
                    .col(date(HourEntries::Date))
                    .col(integer(HourEntries::Minutes))
                    .col(integer_null(HourEntries::Kilometres))
                    .col(text_null(HourEntries::Note))
                    .col(integer_null(HourEntries::EnteredBy))
                    .col(timestamp_with_time_zone(HourEntries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(HourEntries::Table, HourEntries::VolunteerId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_hours_date",
            HourEntries::Table,
            &[HourEntries::Date],
        )
        .await?;
        index(
            manager,
            "idx_hours_volunteer",
            HourEntries::Table,
            &[HourEntries::VolunteerId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Activities::Table)
                    .col(pk_auto(Activities::Id))
                    .col(date(Activities::Date))
                    .col(string(Activities::Title))
                    .col(integer(Activities::Participants))
                    .col(integer_null(Activities::CreatedBy))
                    .col(timestamp_with_time_zone(Activities::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_auto(AuditLog::Id))
                    .col(integer(AuditLog::ActorId))
                    .col(string(AuditLog::Action))
                    .col(integer_null(AuditLog::MemberId))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_audit_at", AuditLog::Table, &[AuditLog::At]).await?;
        index(
            manager,
            "idx_audit_member",
            AuditLog::Table,
            &[AuditLog::MemberId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ImportBatches::Table)
                    .col(pk_auto(ImportBatches::Id))
                    .col(text(ImportBatches::Content))
                    .col(integer(ImportBatches::CreatedBy))
                    .col(timestamp_with_time_zone(ImportBatches::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CareSettings::Table)
                    .col(integer(CareSettings::Id).primary_key())
                    .col(integer_null(CareSettings::RetentionMonths))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PublicSubmissions::Table)
                    .col(pk_auto(PublicSubmissions::Id))
                    .col(string(PublicSubmissions::Address))
                    .col(timestamp_with_time_zone(PublicSubmissions::At))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_public_submissions",
            PublicSubmissions::Table,
            &[PublicSubmissions::Address, PublicSubmissions::At],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PublicSubmissions::Table.into_iden(),
            CareSettings::Table.into_iden(),
            ImportBatches::Table.into_iden(),
            AuditLog::Table.into_iden(),
            Activities::Table.into_iden(),
            HourEntries::Table.into_iden(),
            Matches::Table.into_iden(),
            Offers::Table.into_iden(),
            RequestEvents::Table.into_iden(),
            HelpRequests::Table.into_iden(),
            HelpCategories::Table.into_iden(),
            Volunteers::Table.into_iden(),
            Members::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: &[C],
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for c in cols {
        stmt.col(*c);
    }
    manager.create_index(stmt.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Members {
    Table,
    Id,
    Name,
    Phone,
    Email,
    Address,
    Postcode,
    Neighbourhood,
    BirthYear,
    MemberSince,
    MayContact,
    MayPhoto,
    Notes,
    SearchText,
    ErasedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Volunteers {
    Table,
    MemberId,
    UserId,
    Skills,
    Areas,
    Availability,
    VogDate,
    MaxTasksPerWeek,
    Active,
}

#[derive(DeriveIden, Clone, Copy)]
enum HelpCategories {
    Table,
    Id,
    Name,
    Active,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum HelpRequests {
    Table,
    Id,
    MemberId,
    WalkInName,
    WalkInContact,
    CategoryId,
    Description,
    WantedDate,
    WantedPart,
    Recurrence,
    Urgency,
    Status,
    Source,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RequestEvents {
    Table,
    Id,
    RequestId,
    FromStatus,
    ToStatus,
    ChangedBy,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum Offers {
    Table,
    Id,
    VolunteerId,
    CategoryId,
    Area,
    Times,
    Note,
    Active,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Matches {
    Table,
    Id,
    RequestId,
    VolunteerId,
    Status,
    CreatedBy,
    CreatedAt,
    RespondedAt,
    RespondedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum HourEntries {
    Table,
    Id,
    VolunteerId,
    MatchId,
    RequestId,
    Date,
    Minutes,
    Kilometres,
    Note,
    EnteredBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Activities {
    Table,
    Id,
    Date,
    Title,
    Participants,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    Action,
    MemberId,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum ImportBatches {
    Table,
    Id,
    Content,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CareSettings {
    Table,
    Id,
    RetentionMonths,
}

#[derive(DeriveIden, Clone, Copy)]
enum PublicSubmissions {
    Table,
    Id,
    Address,
    At,
}
