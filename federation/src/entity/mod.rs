//! sea-orm entities for what crosses the wire. Tables are created by
//! `noaber-migrations`; nothing here can hold a person.

pub mod blocked_domain;
pub mod delivery;
pub mod follower;
pub mod following;
pub mod inbox_health;
pub mod local_actor;
pub mod network_item;
pub mod object;
pub mod outbox_activity;
pub mod question;
pub mod reaction;
pub mod received_activity;
pub mod received_figure;
pub mod received_report;
pub mod relay;
pub mod remote_actor;
pub mod remote_server;
