//! sea-orm entities for the node's own tables (the local domain).
//! The tables themselves are created by `noaber-migrations`.

pub mod activity;
pub mod activity_signup;
pub mod answer_link;
pub mod api_token;
pub mod audit_entry;
pub mod bottleneck;
pub mod care_setting;
pub mod figure_setting;
pub mod help_category;
pub mod help_request;
pub mod hour_entry;
pub mod impact_report;
pub mod import_batch;
pub mod knowledge_theme;
pub mod login_attempt;
pub mod mail_outbox;
pub mod manual_figure;
pub mod match_;
pub mod member;
pub mod node_profile;
pub mod offer;
pub mod public_submission;
pub mod publication;
pub mod request_event;
pub mod session;
pub mod user;
pub mod volunteer;
