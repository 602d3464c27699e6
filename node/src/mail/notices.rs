//! The notices themselves: who gets which mail, and what it says.
//!
//! Mails to volunteers say what kind of help, which day and part of the
//! day, and carry a link; mails to coordinators add the volunteer's name
//! and a link to the request. The requester's name, phone number, address
//! and the description never go into a mail: they stay behind a login (the
//! request page, or the volunteer's own tasks).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};

use super::outbox::{self, Kind, Mail};
use super::{Mailer, Result, links};
use crate::care::dutch;
use crate::db::Db;
use crate::entity::{help_request, match_, member, volunteer};

/// Everything a notice needs besides its subject: the database, the mail,
/// and how the node is known (its name and address, for links).
#[derive(Clone)]
pub struct Notifier {
    pub db: Db,
    pub mailer: Mailer,
    pub base_url: String,
    pub name: String,
}

/// Whether a volunteer who was just asked gets a mail about it, for the
/// coordinator's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskedMail {
    /// Mail is off on this node.
    Off,
    /// Mail is on, but the mail could not be queued.
    Failed,
    /// The volunteer has no e-mail address.
    NoAddress,
    Queued,
}

/// A volunteer who gets a mail about a question or task.
struct Addressee {
    member_id: i32,
    name: String,
    to: String,
    /// Whether they can log in (and find the details under Mijn taken).
    login: bool,
    about: About,
}

/// What the mails tell about a request.
struct About {
    id: i32,
    category: String,
    when: String,
    date: Option<NaiveDate>,
}

impl Notifier {
    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.trim_end_matches('/'))
    }

    async fn about<C: ConnectionTrait>(&self, conn: &C, request_id: i32) -> Result<Option<About>> {
        let Some(r) = help_request::Entity::find_by_id(request_id)
            .one(conn)
            .await?
        else {
            return Ok(None);
        };
        let cats = crate::care::categories::names(&self.db)
            .await
            .map_err(care_db)?;
        Ok(Some(About {
            id: r.id,
            category: cats.get(&r.category_id).cloned().unwrap_or_default(),
            when: when(r.wanted_date, &r.wanted_part),
            date: r.wanted_date,
        }))
    }

    async fn to_coordinators(
        &self,
        kind: Kind,
        about: Option<i32>,
        subject: &str,
        body: &str,
    ) -> Result<usize> {
        let txn = self.db.write().begin().await?;
        let mut n = 0;
        let now = Utc::now();
        for to in crate::accounts::service::notice_addresses(&txn).await? {
            let mail = Mail {
                kind,
                to,
                member_id: about,
                subject: subject.to_owned(),
                body: body.to_owned(),
                dedupe_key: None,
                send_before: None,
            };
            if outbox::enqueue(&txn, mail, now).await? {
                n += 1;
            }
        }
        txn.commit().await?;
        if n > 0 {
            self.mailer.wake();
        }
        Ok(n)
    }

    /// A request came in through the public form.
    pub async fn public_request(&self, request_id: i32) -> Result<usize> {
        if !self.mailer.is_on() {
            return Ok(0);
        }
        let Some(r) = self.about(self.db.read(), request_id).await? else {
            return Ok(0);
        };
        let body = format!(
            "Er is een nieuwe hulpvraag binnengekomen via het hulpformulier op de website.\n\n\
             Soort hulp: {}\nWanneer: {}\n\n\
             Bekijk de hulpvraag en bel de hulpvrager terug (u moet eerst inloggen):\n{}\n\n{}",
            r.category,
            r.when,
            self.link(&format!("/hulpvragen/{}", r.id)),
            self.footer_for_coordinators(),
        );
        self.to_coordinators(
            Kind::PublicRequest,
            None,
            "Nieuwe hulpvraag via de website",
            &body,
        )
        .await
    }

    /// A volunteer said no (themselves, not a coordinator for them).
    pub async fn declined(&self, match_id: i32) -> Result<usize> {
        if !self.mailer.is_on() {
            return Ok(0);
        }
        let Some(m) = match_::Entity::find_by_id(match_id)
            .one(self.db.read())
            .await?
        else {
            return Ok(0);
        };
        let Some(r) = self.about(self.db.read(), m.request_id).await? else {
            return Ok(0);
        };
        let volunteer = member::Entity::find_by_id(m.volunteer_id)
            .one(self.db.read())
            .await?
            .map(|v| v.name)
            .unwrap_or_else(|| "De vrijwilliger".into());
        let body = format!(
            "{volunteer} kan niet helpen met deze hulpvraag:\n\n\
             Soort hulp: {}\nWanneer: {}\n\n\
             De hulpvraag staat weer bij de nieuwe vragen. Vraag iemand anders (u moet eerst inloggen):\n{}\n\n{}",
            r.category,
            r.when,
            self.link(&format!("/hulpvragen/{}", r.id)),
            self.footer_for_coordinators(),
        );
        // About the volunteer: erasing them removes a notice not yet sent.
        self.to_coordinators(
            Kind::Declined,
            Some(m.volunteer_id),
            "Een vrijwilliger kan niet helpen",
            &body,
        )
        .await
    }

    /// A volunteer was asked: a mail with a link to say yes or no.
    pub async fn asked(&self, match_id: i32) -> Result<AskedMail> {
        if !self.mailer.is_on() {
            return Ok(AskedMail::Off);
        }
        let Some(m) = match_::Entity::find_by_id(match_id)
            .one(self.db.read())
            .await?
        else {
            return Ok(AskedMail::NoAddress);
        };
        let Some(Addressee {
            member_id,
            name,
            to,
            login,
            about: r,
        }) = self.addressee(&m).await?
        else {
            return Ok(AskedMail::NoAddress);
        };
        let now = Utc::now();
        let until = links::until(now, r.date);
        let txn = self.db.write().begin().await?;
        let token = links::create(&txn, m.id, now, until).await?;
        let after_yes = if login {
            format!(
                "Zegt u ja? Dan ziet u onder Mijn taken wie u helpt:\n{}",
                self.link("/taken")
            )
        } else {
            "Zegt u ja? Dan hoort u van de coördinator wie u helpt.".to_owned()
        };
        let body = format!(
            "Beste {},\n\n{} vraagt of u wilt helpen.\n\n\
             Soort hulp: {}\nWanneer: {}\n\n\
             Wilt u ja of nee zeggen? Dat kan met deze link, zonder wachtwoord:\n{}\n\n\
             De link werkt één keer, tot en met {}.\n{after_yes}\n\nMet vriendelijke groet,\n{}",
            name,
            self.name,
            r.category,
            r.when,
            self.link(&format!("/antwoord?code={token}")),
            dutch::long_date(crate::web::time::local_day(
                until - chrono::Duration::seconds(1)
            )),
            self.name,
        );
        let mail = Mail {
            kind: Kind::Asked,
            to,
            member_id: Some(member_id),
            subject: format!("Wilt u helpen? {}", capitalised(&r.category)),
            body,
            dedupe_key: Some(format!("asked:{}", m.id)),
            send_before: Some(until),
        };
        outbox::enqueue(&txn, mail, now).await?;
        txn.commit().await?;
        self.mailer.wake();
        Ok(AskedMail::Queued)
    }

    /// Reminders for tasks tomorrow (in the Netherlands), once per task and
    /// day. Between nine in the morning and nine in the evening, so that
    /// nobody gets one at night.
    pub async fn queue_reminders(&self, now: DateTime<Utc>) -> Result<usize> {
        if !self.mailer.is_on() {
            return Ok(0);
        }
        let local = now.naive_utc() + crate::web::time::amsterdam_offset(now);
        if !(9..21).contains(&chrono::Timelike::hour(&local)) {
            return Ok(0);
        }
        let Some(tomorrow) = local.date().succ_opt() else {
            return Ok(0);
        };
        let tasks = help_request::Entity::find()
            .filter(help_request::Column::WantedDate.eq(tomorrow))
            .filter(help_request::Column::Status.eq("matched"))
            .all(self.db.read())
            .await?;
        let mut queued = 0;
        for r in tasks {
            let accepted = match_::Entity::find()
                .filter(match_::Column::RequestId.eq(r.id))
                .filter(match_::Column::Status.eq("accepted"))
                .all(self.db.read())
                .await?;
            for m in accepted {
                if self.remind(&m, now).await? {
                    queued += 1;
                }
            }
        }
        if queued > 0 {
            self.mailer.wake();
        }
        Ok(queued)
    }

    async fn remind(&self, m: &match_::Model, now: DateTime<Utc>) -> Result<bool> {
        let Some(Addressee {
            member_id,
            name,
            to,
            login,
            about: r,
        }) = self.addressee(m).await?
        else {
            return Ok(false);
        };
        let details = if login {
            format!(
                "Adres en telefoonnummer vindt u onder Mijn taken:\n{}",
                self.link("/taken")
            )
        } else {
            "Heeft u het adres of telefoonnummer niet meer? Vraag het de coördinator.".to_owned()
        };
        let body = format!(
            "Beste {},\n\nMorgen helpt u iemand. Dank u wel!\n\n\
             Soort hulp: {}\nWanneer: {}\n\n{details}\n\n\
             Lukt het toch niet? Laat het de coördinator zo snel mogelijk weten.\n\n\
             Met vriendelijke groet,\n{}",
            name, r.category, r.when, self.name,
        );
        let date = r.date.map(|d| d.to_string()).unwrap_or_default();
        let mail = Mail {
            kind: Kind::Reminder,
            to,
            member_id: Some(member_id),
            subject: format!(
                "Herinnering: morgen helpt u met {}",
                r.category.to_lowercase()
            ),
            body,
            dedupe_key: Some(format!("reminder:{}:{date}", m.id)),
            // A reminder is no use once the day has begun.
            send_before: r.date.map(links::start_of_day),
        };
        outbox::enqueue(self.db.write(), mail, now).await
    }

    /// To whom a mail about `m` goes, and what it tells of the request;
    /// `None` for an erased or unknown volunteer, one without an address,
    /// or a request that is gone.
    async fn addressee(&self, m: &match_::Model) -> Result<Option<Addressee>> {
        let Some(v) = volunteer::Entity::find_by_id(m.volunteer_id)
            .one(self.db.read())
            .await?
        else {
            return Ok(None);
        };
        let Some(person) = member::Entity::find_by_id(m.volunteer_id)
            .one(self.db.read())
            .await?
            .filter(|p| p.erased_at.is_none())
        else {
            return Ok(None);
        };
        let Some(to) = person.email.filter(|e| !e.trim().is_empty()) else {
            return Ok(None);
        };
        let Some(about) = self.about(self.db.read(), m.request_id).await? else {
            return Ok(None);
        };
        Ok(Some(Addressee {
            member_id: person.id,
            name: person.name,
            to,
            login: v.user_id.is_some(),
            about,
        }))
    }

    /// A test mail from the settings page.
    pub async fn test(&self, to: &str) -> Result<bool> {
        if !self.mailer.is_on() {
            return Ok(false);
        }
        let body = format!(
            "Dit is een testbericht van {}.\n\nKrijgt u dit bericht? Dan werkt e-mail: \
             coördinatoren en vrijwilligers krijgen voortaan meldingen.\n",
            self.name
        );
        let mail = Mail {
            kind: Kind::Test,
            to: to.to_owned(),
            member_id: None,
            subject: "Testbericht: e-mail werkt".into(),
            body,
            dedupe_key: None,
            send_before: None,
        };
        outbox::enqueue(self.db.write(), mail, Utc::now()).await?;
        self.mailer.wake();
        Ok(true)
    }

    /// After a volunteer was asked: their mail, if they can get one. A
    /// failure is logged; the question itself stands.
    pub async fn after_ask(&self, match_id: i32) -> AskedMail {
        log_failure("asked", self.asked(match_id).await).unwrap_or(AskedMail::Failed)
    }

    /// After an answer: a volunteer's own "no" tells the coordinators (one
    /// entered by a coordinator needs no mail, they know).
    pub async fn after_answer(&self, by_coordinator: bool, match_id: i32, accept: bool) {
        if !accept && !by_coordinator {
            log_failure("declined", self.declined(match_id).await);
        }
    }

    /// After a request came in through the public form.
    pub async fn after_public_request(&self, request_id: i32) {
        log_failure("public_request", self.public_request(request_id).await);
    }

    fn footer_for_coordinators(&self) -> String {
        format!(
            "U krijgt deze e-mail omdat u in {} bij Mijn account een e-mailadres voor meldingen \
             heeft ingevuld. Wilt u geen meldingen meer? Maak dat veld dan leeg:\n{}",
            self.name,
            self.link("/account"),
        )
    }
}

/// "dinsdag 8 december 2026, ochtend", or that no day was agreed.
pub fn when(date: Option<NaiveDate>, part: &str) -> String {
    let part = match part {
        "morning" => Some("ochtend"),
        "afternoon" => Some("middag"),
        "evening" => Some("avond"),
        _ => None,
    };
    match (date, part) {
        (Some(d), Some(p)) => format!("{}, {p}", dutch::long_date(d)),
        (Some(d), None) => dutch::long_date(d),
        (None, Some(p)) => format!("nog geen dag afgesproken ({p})"),
        (None, None) => "nog geen dag afgesproken".into(),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn care_db(e: crate::care::Error) -> super::Error {
    match e {
        crate::care::Error::Db(e) => super::Error::Db(e),
        other => super::Error::Setup(other.to_string()),
    }
}

/// Logs a notice that could not be queued; the change it tells of stands.
pub fn log_failure<T>(what: &'static str, result: Result<T>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(error = %e, notice = what, "mail: the notice could not be queued");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_reads_as_a_dutch_day() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        assert_eq!(when(Some(d), "morning"), "dinsdag 8 december 2026, ochtend");
        assert_eq!(when(Some(d), "any"), "dinsdag 8 december 2026");
        assert_eq!(when(None, "any"), "nog geen dag afgesproken");
    }
}
