use sea_orm::entity::prelude::*;

/// A mail waiting to be sent, or what is left of it once sent or given up:
/// the address and text are cleared then, the kind and dates kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: String,
    pub recipient: String,
    /// The member the mail goes to, so that erasing them removes it.
    pub member_id: Option<i32>,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Set for mails that must go out once only (a reminder per task).
    pub dedupe_key: Option<String>,
    /// After this a mail is no use (a reminder after the task, a question
    /// after its link expired): it is given up instead of sent.
    pub send_before: Option<DateTimeUtc>,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    pub failed_at: Option<DateTimeUtc>,
    /// The SMTP reply code or the kind of failure, never the server's text
    /// (it can repeat the address).
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
