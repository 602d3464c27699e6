//! The black-box suite: one binary, one module per area.

mod abuse;
mod api;
mod care;
mod cli;
mod config;
mod coordinator;
mod federation;
mod figures;
mod foundation;
mod knowledge;
mod login;
mod logs;
mod mail;
mod operations;
mod peers;
mod reliability;
mod roles;
mod safety;
mod setup;
mod smtp;
