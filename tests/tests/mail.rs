//! E-mail notifications, sent to a real SMTP server over TLS: a volunteer
//! asked by mail answers once with the link, coordinators hear of requests
//! from the website and of a volunteer's "no", a reminder goes the day
//! before, failures are retried or given up, and no mail says more than a
//! volunteer's task card. Without a mail server, nothing is queued.

use chrono::{Duration, TimeZone, Utc};
use noaber_node::mail::notices::Notifier;
use noaber_node::mail::{Mailer, outbox};
use noaber_tests::{Browser, TestNode, json};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::care::Care;
use crate::smtp::{Mode, SmtpServer};

const PASSWORD: &str = "een lang wachtwoord 42";

struct Mailing {
    care: Care,
    smtp: SmtpServer,
    /// Cora, the coordinator, logged in.
    cora: Browser,
}

impl std::ops::Deref for Mailing {
    type Target = Care;

    fn deref(&self) -> &Care {
        &self.care
    }
}

impl Mailing {
    async fn start(mode: Mode) -> Self {
        let smtp = SmtpServer::start(mode).await;
        let mail = smtp.settings(mode);
        let node = TestNode::set_up_with(|s| s.mail = mail).await;
        let care = Care::on(node).await;
        let cora = care.node.browser();
        cora.login("cora", PASSWORD).await;
        Self { care, smtp, cora }
    }

    /// Cora asks for notices on her account page.
    async fn cora_wants_notices(&self) {
        let res = self
            .cora
            .submit(
                "/account",
                "/account/e-mail",
                &[("email", "Cora@Zuid.example.nl")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page = self.cora.get("/account").await.text().await.unwrap();
        assert!(page.contains("value=\"cora@zuid.example.nl\""), "{page}");
    }

    async fn volunteer(&self, name: &str, email: Option<&str>) -> i64 {
        volunteer(&self.care, name, email).await
    }

    /// Truus Bakker asks for shopping help on `date`; the request's id.
    async fn truus_asks(&self, date: &str) -> i64 {
        let truus = self
            .member(json!({"name": "Truus Bakker", "phone": "020-1234567",
                            "address": "Dorpsstraat 3", "email": "truus@example.nl"}))
            .await;
        let cat = self.category("boodschappen").await;
        let id = self.request(truus, cat, date).await;
        let res = self
            .coord
            .patch(&format!("/api/v1/requests/{id}"))
            .json(&json!({"description": "Het lijstje ligt op de keukentafel"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        id
    }

    /// Asks through the request page, as a coordinator does; the message shown.
    async fn ask_on_page(&self, request: i64, volunteer: i64) -> String {
        let page = format!("/hulpvragen/{request}");
        let res = self
            .cora
            .submit(
                &page,
                &format!("/hulpvragen/{request}/koppelen"),
                &[("volunteer_id", &volunteer.to_string())],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        self.cora.get(&page).await.text().await.unwrap()
    }

    async fn status(&self, request: i64) -> String {
        let r = json(
            self.coord
                .get(&format!("/api/v1/requests/{request}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        r["status"].as_str().unwrap_or_default().to_owned()
    }

    async fn db(&self) -> noaber_node::db::Db {
        noaber_node::db::Db::connect(&self.node.settings)
            .await
            .unwrap()
    }

    async fn count(&self, sql: &str) -> i64 {
        count(&self.db().await, sql).await
    }

    /// Sends a test mail from the admin's page and waits for it: whatever
    /// was queued before it has been handled by then.
    async fn barrier(&self, to: &str) {
        let admin = self.node.browser();
        admin.login("beheerder", noaber_tests::ADMIN_PASSWORD).await;
        let res = admin
            .submit(
                "/instellingen/e-mail",
                "/instellingen/e-mail/test",
                &[("to", to)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        while self.smtp.to(to).is_empty() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the test mail never came"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// Answers through the answer page's form: `page` gives the browser its
/// form token (the answer page itself while the link is open, the public
/// form's page otherwise).
async fn answer_by_link(
    visitor: &Browser,
    page: &str,
    code: &str,
    choice: &str,
) -> reqwest::Response {
    visitor
        .submit(page, "/antwoord", &[("code", code), ("antwoord", choice)])
        .await
}

/// The answer code in a mail's link.
fn code_in(text: &str) -> String {
    let start = text.find("/antwoord?code=").expect("a link in the mail") + "/antwoord?code=".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[tokio::test]
async fn a_volunteer_asked_by_mail_says_yes_once_with_the_link() {
    let log = crate::logs::captured();
    let m = Mailing::start(Mode::StartTls).await;
    m.cora_wants_notices().await;
    let jan = m.volunteer("Jan de Vries", Some("jan@example.nl")).await;
    let req = m.truus_asks("").await;

    let page = m.ask_on_page(req, jan).await;
    assert!(page.contains("krijgt een e-mail"), "{page}");
    let mails = m.smtp.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail.to, ["jan@example.nl"]);
    // Over TLS (the server refuses mail before STARTTLS), logged in.
    assert!(mail.tls);
    assert_eq!(mail.user.as_deref(), Some("stadsdorp"));
    assert_eq!(mail.password.as_deref(), Some("smtp-wachtwoord"));
    assert!(
        mail.data
            .contains("From: \"Stadsdorp Zuid\" <noreply@zuid.example.nl>")
            || mail
                .data
                .contains("From: Stadsdorp Zuid <noreply@zuid.example.nl>"),
        "{}",
        mail.data
    );
    assert_eq!(mail.subject(), "Wilt u helpen? Boodschappen");
    let text = mail.text();
    assert!(text.contains("Beste Jan de Vries"), "{text}");
    assert!(text.contains("Soort hulp: boodschappen"), "{text}");
    assert!(
        text.contains("http://zuid.example.nl/antwoord?code="),
        "{text}"
    );
    // Nothing about the requester: no name, phone, address or description.
    for secret in ["Truus", "1234567", "Dorpsstraat", "keukentafel", "truus@"] {
        assert!(!text.contains(secret), "{secret} is in the mail: {text}");
    }

    // The link opens the question without a password.
    let code = code_in(&text);
    let visitor = m.node.browser();
    let res = visitor.get(&format!("/antwoord?code={code}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Wilt u helpen?") && html.contains("boodschappen"),
        "{html}"
    );
    for secret in ["Truus", "1234567", "Dorpsstraat", "keukentafel"] {
        assert!(!html.contains(secret), "{secret} is on the answer page");
    }

    let res = answer_by_link(&visitor, &format!("/antwoord?code={code}"), &code, "ja").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("U heeft ja gezegd"), "{html}");
    assert_eq!(m.status(req).await, "matched");

    // Once only: a second answer, or a look, says so.
    // The thank-you page has no form; the public form's page gives this
    // browser its form token.
    let again = answer_by_link(&visitor, "/hulp-vragen", &code, "nee").await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("al geantwoord"));
    assert_eq!(m.status(req).await, "matched");
    let res = visitor.get(&format!("/antwoord?code={code}")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // A yes needs no mail to the coordinators; what is left of the sent
    // mail holds no address and no text.
    m.barrier("beheer@zuid.example.nl").await;
    assert!(m.smtp.to("cora@zuid.example.nl").is_empty());
    assert_eq!(
        m.count("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NOT NULL AND (recipient <> '' OR subject <> '' OR body <> '')").await,
        0
    );
    assert_eq!(
        m.count("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NOT NULL")
            .await,
        2
    );
    // Only the hash of the link's code is kept.
    assert_eq!(
        m.count("SELECT COUNT(*) FROM answer_links WHERE used_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        m.count(&format!(
            "SELECT COUNT(*) FROM answer_links WHERE token_hash = '{code}'"
        ))
        .await,
        0
    );

    let logged = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    assert!(logged.contains("mail sent"), "the log was captured");
    for secret in [
        "jan@example.nl",
        "Jan de Vries",
        "cora@zuid",
        code.as_str(),
        "smtp-wachtwoord",
    ] {
        assert!(!logged.contains(secret), "{secret} appears in the logs");
    }
}

#[tokio::test]
async fn coordinators_hear_of_requests_from_the_website_and_of_a_no() {
    let m = Mailing::start(Mode::Tls).await;
    m.cora_wants_notices().await;

    // A resident uses the public form.
    let visitor = m.node.browser();
    let res = visitor
        .submit(
            "/hulp-vragen",
            "/hulp-vragen",
            &[
                ("name", "Henk Jansen"),
                ("contact", "0612345678"),
                ("description", "Mijn computer doet het niet"),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mails = m.smtp.wait_for(1).await;
    assert_eq!(mails[0].to, ["cora@zuid.example.nl"]);
    assert!(mails[0].tls);
    assert_eq!(mails[0].subject(), "Nieuwe hulpvraag via de website");
    let text = mails[0].text();
    assert!(
        text.contains("http://zuid.example.nl/hulpvragen/"),
        "{text}"
    );
    for secret in ["Henk", "0612345678", "computer"] {
        assert!(!text.contains(secret), "{secret} is in the mail: {text}");
    }

    // A volunteer asked by mail says no with the link.
    let jan = m.volunteer("Jan de Vries", Some("jan@example.nl")).await;
    let req = m.truus_asks("").await;
    m.ask_on_page(req, jan).await;
    let mails = m.smtp.wait_for(2).await;
    let code = code_in(&mails[1].text());
    let res = answer_by_link(&visitor, &format!("/antwoord?code={code}"), &code, "nee").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("U heeft nee gezegd"));
    assert_eq!(m.status(req).await, "new");
    let mails = m.smtp.wait_for(3).await;
    assert_eq!(mails[2].to, ["cora@zuid.example.nl"]);
    assert_eq!(mails[2].subject(), "Een vrijwilliger kan niet helpen");
    assert!(mails[2].text().contains("Jan de Vries kan niet helpen"));
    let text = mails[2].text();
    assert!(
        text.contains(&format!("http://zuid.example.nl/hulpvragen/{req}")),
        "{text}"
    );
    assert!(
        !text.contains("Truus") && !text.contains("keukentafel"),
        "{text}"
    );

    // A volunteer without an address is asked by phone: the page says so.
    let piet = m.volunteer("Piet Smit", None).await;
    let page = m.ask_on_page(req, piet).await;
    assert!(page.contains("geen e-mailadres"), "{page}");

    // A "no" entered by a coordinator for a volunteer sends nothing: they know.
    let asked = json(
        m.coord
            .get(&format!("/api/v1/requests/{req}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let match_id = asked["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["status"] == "proposed")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    m.record_answer(match_id, false).await;
    m.barrier("beheer@zuid.example.nl").await;
    assert_eq!(
        m.smtp.received().len(),
        4,
        "only the test mail came after the no"
    );
}

#[tokio::test]
async fn answer_links_expire_close_and_are_otherwise_unknown() {
    let m = Mailing::start(Mode::StartTls).await;
    let jan = m.volunteer("Jan de Vries", Some("jan@example.nl")).await;
    let visitor = m.node.browser();

    // Expired after a week.
    let first = m.truus_asks("").await;
    m.ask_on_page(first, jan).await;
    let code = code_in(&m.smtp.wait_for(1).await[0].text());
    let db = m.db().await;
    db.write()
        .execute_unprepared("UPDATE answer_links SET expires_at = created_at")
        .await
        .unwrap();
    let res = visitor.get(&format!("/antwoord?code={code}")).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(res.text().await.unwrap().contains("werkt niet meer"));
    let res = answer_by_link(&visitor, "/hulp-vragen", &code, "ja").await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert_eq!(m.status(first).await, "asked");

    // Closed once the coordinator recorded the answer.
    let second = m.truus_asks("").await;
    m.ask_on_page(second, jan).await;
    let code = code_in(&m.smtp.wait_for(2).await[1].text());
    let detail = json(
        m.coord
            .get(&format!("/api/v1/requests/{second}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let match_id = detail["matches"][0]["id"].as_i64().unwrap();
    m.record_answer(match_id, true).await;
    let res = visitor.get(&format!("/antwoord?code={code}")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("al anders geregeld"));

    // Unknown, and a choice that is neither yes nor no.
    let res = visitor.get("/antwoord?code=verzonnen").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // The code is in the address: no other site learns it as a Referer.
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    let res = visitor.get("/antwoord").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = answer_by_link(&visitor, "/hulp-vragen", "verzonnen", "misschien").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // A volunteer who is erased can no longer say yes.
    let third = m.truus_asks("").await;
    m.ask_on_page(third, jan).await;
    let code = code_in(&m.smtp.wait_for(3).await[2].text());
    assert_eq!(
        visitor
            .get(&format!("/antwoord?code={code}"))
            .await
            .status(),
        StatusCode::OK
    );
    let res = m
        .coord
        .delete(&format!("/api/v1/members/{jan}"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let res = visitor.get(&format!("/antwoord?code={code}")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_reminder_goes_once_the_day_before_and_failures_are_retried_or_given_up() {
    let m = Mailing::start(Mode::StartTls).await;
    let jan = m.volunteer("Jan de Vries", Some("jan@example.nl")).await;
    let today = noaber_node::web::time::today();
    let tomorrow = today + Duration::days(1);
    let req = m.truus_asks(&tomorrow.format("%d-%m-%Y").to_string()).await;
    let match_id = m.ask(req, jan).await;
    m.smtp.wait_for(1).await;
    m.record_answer(match_id, true).await;

    let db = m.db().await;
    let mailer = Mailer::new(&m.node.settings.mail, None).unwrap();
    let notifier = Notifier {
        db: db.clone(),
        mailer: mailer.clone(),
        base_url: "http://zuid.example.nl".into(),
        name: "Stadsdorp Zuid".into(),
    };
    // Local time in the Netherlands, as the chores see it.
    let at = |hour: u32| {
        let local = today.and_hms_opt(hour, 0, 0).unwrap();
        let utc = Utc.from_utc_datetime(&local);
        utc - noaber_node::web::time::amsterdam_offset(utc)
    };
    assert_eq!(
        notifier.queue_reminders(at(3)).await.unwrap(),
        0,
        "not at night"
    );
    // The server is busy for the first two attempts.
    m.smtp.fail_next(2);
    assert_eq!(notifier.queue_reminders(at(10)).await.unwrap(), 1);
    assert_eq!(
        notifier.queue_reminders(at(11)).await.unwrap(),
        0,
        "once per task"
    );
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while m.smtp.received().len() < 2 {
        if tokio::time::Instant::now() > deadline {
            let db2 = m.db().await;
            let rows = db2
                .read()
                .query_all_raw(Statement::from_string(
                    db2.read().get_database_backend(),
                    "SELECT kind, attempts, last_error, sent_at, failed_at FROM mail_outbox",
                ))
                .await
                .unwrap();
            let rows: Vec<String> = rows
                .iter()
                .map(|r| {
                    format!(
                        "{:?} {:?} {:?} {:?}",
                        r.try_get_by_index::<String>(0),
                        r.try_get_by_index::<i32>(1),
                        r.try_get_by_index::<Option<String>>(2),
                        r.try_get_by_index::<Option<chrono::DateTime<Utc>>>(3),
                    )
                })
                .collect();
            panic!("the reminder never came: {rows:?}");
        }
        // The reminder was queued at ten, which may still be to come.
        let now = Utc::now().max(at(10));
        outbox::send_due(&db, &mailer, "test", now).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let reminders = m.smtp.to("jan@example.nl");
    assert_eq!(reminders.len(), 2, "the question and one reminder");
    assert_eq!(
        reminders[1].subject(),
        "Herinnering: morgen helpt u met boodschappen"
    );
    let text = reminders[1].text();
    assert!(
        text.contains(&noaber_node::care::dutch::long_date(tomorrow)),
        "{text}"
    );
    for secret in ["Truus", "1234567", "Dorpsstraat", "keukentafel"] {
        assert!(!text.contains(secret), "{secret} is in the mail: {text}");
    }
    assert_eq!(
        m.count("SELECT CAST(attempts AS BIGINT) FROM mail_outbox WHERE kind = 'reminder'")
            .await,
        3,
        "two busy answers, then sent"
    );

    // A refused address is given up at once, and the admin's page says so.
    m.smtp.refuse("weg@example.nl");
    let admin = m.node.browser();
    admin.login("beheerder", noaber_tests::ADMIN_PASSWORD).await;
    let res = admin
        .submit(
            "/instellingen/e-mail",
            "/instellingen/e-mail/test",
            &[("to", "weg@example.nl")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let page = admin
            .get("/instellingen/e-mail")
            .await
            .text()
            .await
            .unwrap();
        if page.contains("550") {
            assert!(page.contains("E-mail staat aan"), "{page}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the refusal never showed: {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        m.count("SELECT COUNT(*) FROM mail_outbox WHERE failed_at IS NOT NULL AND recipient = ''")
            .await,
        1
    );

    // An unsent mail to a person goes when the person is erased.
    m.smtp.fail_next(1000);
    let piet = m.volunteer("Piet Smit", Some("piet@example.nl")).await;
    let other = m.truus_asks(&tomorrow.format("%d-%m-%Y").to_string()).await;
    m.ask(other, piet).await;
    let waiting =
        format!("SELECT COUNT(*) FROM mail_outbox WHERE member_id = {piet} AND sent_at IS NULL");
    assert_eq!(m.count(&waiting).await, 1);
    let res = m
        .coord
        .delete(&format!("/api/v1/members/{piet}"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(m.count(&waiting).await, 0);
}

#[tokio::test]
async fn without_a_mail_server_nothing_is_queued_and_the_pages_say_so() {
    let node = TestNode::set_up().await;
    let care = Care::on(node).await;
    let cora = care.node.browser();
    cora.login("cora", PASSWORD).await;
    let account = cora.get("/account").await.text().await.unwrap();
    assert!(
        !account.contains("/account/e-mail"),
        "no notice form while mail is off"
    );

    let admin = care.node.browser();
    admin.login("beheerder", noaber_tests::ADMIN_PASSWORD).await;
    let page = admin
        .get("/instellingen/e-mail")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("E-mail staat uit"), "{page}");
    // A test mail cannot be asked for: the page says why, naming the field.
    let res = admin
        .post_form(
            "/instellingen/e-mail/test",
            &[
                (
                    "csrf_token",
                    &noaber_tests::extract_csrf(
                        &admin.get("/instellingen").await.text().await.unwrap(),
                    )
                    .unwrap(),
                ),
                ("to", "iemand@example.nl"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("href=\"#to\"") && html.contains("Naar welk e-mailadres? E-mail staat uit"),
        "{html}"
    );
    // Nor can a coordinator give an address for notices: the page says why.
    let res = cora
        .submit(
            "/account",
            "/account/e-mail",
            &[("email", "cora@example.nl")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("E-mail staat uit"));
    // Coordinators cannot reach the admin's page.
    assert_eq!(
        cora.get("/instellingen/e-mail").await.status(),
        StatusCode::FORBIDDEN
    );

    let id = volunteer(&care, "Jan de Vries", Some("jan@example.nl")).await;
    let asker = care.member(json!({"name": "Truus Bakker"})).await;
    let cat = care.category("boodschappen").await;
    let req = care.request(asker, cat, "").await;
    let res = cora
        .submit(
            &format!("/hulpvragen/{req}"),
            &format!("/hulpvragen/{req}/koppelen"),
            &[("volunteer_id", &id.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = cora
        .get(&format!("/hulpvragen/{req}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("De vrijwilliger is gevraagd."), "{page}");
    let db = noaber_node::db::Db::connect(&care.node.settings)
        .await
        .unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_outbox").await, 0);
}

/// A volunteer with an e-mail address (or none).
async fn volunteer(care: &Care, name: &str, email: Option<&str>) -> i64 {
    let id = care
        .member(json!({"name": name, "phone": "06-11112222", "email": email.unwrap_or("")}))
        .await;
    let res = care
        .coord
        .put(&format!("/api/v1/members/{id}/volunteer"))
        .json(
            &json!({"skills": [], "areas": "Oost", "availability": [], "max_tasks_per_week": "3"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    id
}

/// The first column of the first row of `sql`, as a number.
async fn count(db: &noaber_node::db::Db, sql: &str) -> i64 {
    let row = db
        .read()
        .query_one_raw(Statement::from_string(
            db.read().get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// A node without mail of its own (no worker sends), and a sender with
/// `settings` on its database, as a second process would have.
async fn sender(
    node: &TestNode,
    settings: &noaber_node::config::MailSettings,
) -> (noaber_node::db::Db, Mailer, Notifier) {
    let db = noaber_node::db::Db::connect(&node.settings).await.unwrap();
    let mailer = Mailer::new(settings, Some("zuid.example.nl")).unwrap();
    let notifier = Notifier {
        db: db.clone(),
        mailer: mailer.clone(),
        base_url: "http://zuid.example.nl".into(),
        name: "Stadsdorp Zuid".into(),
    };
    (db, mailer, notifier)
}

/// Sends until a round handles nothing.
async fn send_all(db: &noaber_node::db::Db, mailer: &Mailer, process: &str) -> usize {
    let mut total = 0;
    loop {
        let n = outbox::send_due(db, mailer, process, Utc::now())
            .await
            .unwrap();
        if n == 0 {
            return total;
        }
        total += n;
    }
}

#[tokio::test]
async fn mail_never_goes_in_the_clear_or_to_an_untrusted_server_and_a_refused_login_is_retried() {
    let node = TestNode::set_up().await;
    let waiting = "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL AND attempts = 1";

    // A server that offers no encryption gets nothing.
    let plain = SmtpServer::start(Mode::Plain).await;
    let (db, mailer, notifier) = sender(&node, &plain.settings(Mode::Plain)).await;
    notifier.test("een@example.nl").await.unwrap();
    assert_eq!(send_all(&db, &mailer, "a").await, 1);
    assert!(plain.received().is_empty(), "a mail went out unencrypted");

    // A server whose certificate the node does not trust gets nothing.
    let tls = SmtpServer::start(Mode::Tls).await;
    let mut untrusted = tls.settings(Mode::Tls);
    if let Some(smtp) = untrusted.smtp.as_mut() {
        smtp.ca_file = None;
    }
    let (_, mailer, notifier) = sender(&node, &untrusted).await;
    notifier.test("twee@example.nl").await.unwrap();
    assert_eq!(send_all(&db, &mailer, "b").await, 1);
    assert!(
        tls.received().is_empty(),
        "a mail went to an untrusted server"
    );

    // A refused login is about the settings, not the mail: tried again.
    let strict = SmtpServer::start(Mode::StartTls).await;
    strict.refuse_login();
    let (_, mailer, notifier) = sender(&node, &strict.settings(Mode::StartTls)).await;
    notifier.test("drie@example.nl").await.unwrap();
    assert_eq!(send_all(&db, &mailer, "c").await, 1);
    assert!(strict.received().is_empty());

    // All three wait for another attempt; none was given up.
    let db2 = noaber_node::db::Db::connect(&node.settings).await.unwrap();
    assert_eq!(count(&db2, waiting).await, 3);
    let counts = outbox::counts(&db2).await.unwrap();
    assert_eq!(counts.failed, 0);
    assert_eq!(counts.retry_error.as_deref(), Some("535"));
}

#[tokio::test]
async fn two_processes_send_each_mail_once() {
    let node = TestNode::set_up().await;
    let smtp = SmtpServer::start(Mode::Tls).await;
    let settings = smtp.settings(Mode::Tls);
    let (db_a, mailer_a, notifier) = sender(&node, &settings).await;
    let (db_b, mailer_b, _) = sender(&node, &settings).await;
    for i in 0..30 {
        notifier.test(&format!("lid{i}@example.nl")).await.unwrap();
    }
    let (a, b) = tokio::join!(
        send_all(&db_a, &mailer_a, "proces-a"),
        send_all(&db_b, &mailer_b, "proces-b")
    );
    assert_eq!(a + b, 30, "every mail handled once: {a} + {b}");
    let got = smtp.received();
    assert_eq!(got.len(), 30);
    for i in 0..30 {
        assert_eq!(smtp.to(&format!("lid{i}@example.nl")).len(), 1, "lid{i}");
    }
}
