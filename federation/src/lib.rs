//! What crosses the wire between Noaber nodes.
//!
//! This crate owns every value that leaves a node or arrives from another
//! one: the node's actor and keys, remote actors, follows, the persistent
//! outbox and its deliveries, received activity ids, and the published form
//! of local objects. It never depends on `noaber-node`, and no type here has
//! a field that can hold a person: the crate boundary is the privacy
//! boundary. No person on a node is ever an actor; the organisation is.

pub mod actor;
pub mod blocks;
mod cache;
pub mod checked;
pub mod client;
mod context;
pub mod entity;
pub mod error;
pub mod figures;
pub mod follows;
pub mod hosts;
pub mod inbox;
pub mod keys;
pub mod kind;
pub mod leases;
pub mod message_signature;
pub mod net;
pub mod network_items;
pub mod objects;
pub mod outbox;
#[cfg(test)]
mod parse_props;
pub mod protocol;
pub mod publication;
pub mod reactions;
pub mod relay;
pub mod relays;
pub mod remote;
pub mod reports;
pub mod routes;
pub mod sanitize;
pub mod servers;
pub mod signature;
pub mod state;
pub mod wakeup;

pub use context::{Federation, FederationSettings, Usage, UsageSource};
pub use error::{Error, Result};
pub use kind::NodeKind;
