//! The database schema of a Noaber node.
//!
//! Every schema change is one migration file here; the node applies pending
//! migrations at start and on `noaber migrate`. Both crates' tables (`node`'s
//! local domain and `federation`'s wire state) are created here so that one
//! ordered history describes the whole database, on SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_foundation;
mod m20261125_000002_care;
mod m20261125_000003_federation;
mod m20261125_000004_care_indexes;
mod m20261125_000005_volunteer_login_unique;
mod m20261125_000006_federation_reliability;
mod m20261125_000007_data_safety;
mod m20261125_000008_knowledge;
mod m20261205_000009_figures;
mod m20261205_000010_processes;
mod m20261206_000011_coordinator_day;
mod m20261206_000012_mail;
pub mod search;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_foundation::Migration),
            Box::new(m20261125_000002_care::Migration),
            Box::new(m20261125_000003_federation::Migration),
            Box::new(m20261125_000004_care_indexes::Migration),
            Box::new(m20261125_000005_volunteer_login_unique::Migration),
            Box::new(m20261125_000006_federation_reliability::Migration),
            Box::new(m20261125_000007_data_safety::Migration),
            Box::new(m20261125_000008_knowledge::Migration),
            Box::new(m20261205_000009_figures::Migration),
            Box::new(m20261205_000010_processes::Migration),
            Box::new(m20261206_000011_coordinator_day::Migration),
            Box::new(m20261206_000012_mail::Migration),
        ]
    }
}
