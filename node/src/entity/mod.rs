//! sea-orm entities for the node's own tables (the local domain).
//! The tables themselves are created by `noaber-migrations`.

pub mod api_token;
pub mod login_attempt;
pub mod node_profile;
pub mod session;
pub mod user;
