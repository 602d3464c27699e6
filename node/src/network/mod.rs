//! The node's place in the network: follow requests, followers, follows,
//! deliveries, blocked domains and the follow policy, for admins. The work
//! itself is done by `noaber-federation`; this area gives it pages, an API
//! and command-line verbs.

pub mod api;
pub mod web;
