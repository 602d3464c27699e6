//! Noaber: a self-hosted, federated node for Dutch resident initiatives in
//! care and welfare. This crate is the node itself: settings, command line,
//! HTTP server, pages, JSON API, and the local domain with its storage.

pub mod accounts;
pub mod api;
pub mod app;
pub mod auth;
pub mod care;
pub mod cli;
pub mod config;
pub mod db;
pub mod entity;
pub mod error;
pub mod fed;
pub mod figures;
pub mod health;
pub mod i18n;
pub mod knowledge;
pub mod mail;
pub mod network;
pub mod ops;
pub mod pagination;
pub mod profile;
pub mod search;
pub mod serve;
pub mod setup;
pub mod telemetry;
pub mod validation;
pub mod web;

pub use app::Application;
pub use config::Settings;
