//! What crosses the wire between Noaber nodes.
//!
//! This crate owns every value that leaves a node or arrives from another
//! one. It never depends on `noaber-node`, and no type here has a field that
//! can hold a person: the crate boundary is the privacy boundary.

pub mod kind;

pub use kind::NodeKind;
