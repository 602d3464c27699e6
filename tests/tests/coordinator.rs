//! A coordinator's day without a guide: a request from the public form is
//! edited, linked to a member, a volunteer is found by name and asked, the
//! answer is recorded honestly; the home page lists what needs doing and
//! no form asks for a number nobody can see.

use noaber_tests::{Browser, json};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::care::Care;

const PASSWORD: &str = "een lang wachtwoord 42";

struct Day {
    care: Care,
    browser: Browser,
}

/// The coordinator's API client, the node and the care helpers.
impl std::ops::Deref for Day {
    type Target = Care;

    fn deref(&self) -> &Care {
        &self.care
    }
}

impl Day {
    async fn start() -> Self {
        let care = Care::start().await;
        let browser = care.node.browser();
        browser.login("cora", PASSWORD).await;
        Self { care, browser }
    }

    async fn volunteer(&self, name: &str) -> i64 {
        self.care.volunteer(name, "Oost", &[], &[]).await
    }

    /// A request by `asker` for help of kind `category`; its id.
    async fn request_for(&self, asker: i64, category: i64, text: &str) -> i64 {
        let res = self
            .coord
            .post("/api/v1/requests")
            .json(
                &json!({"member_id": asker.to_string(), "category_id": category.to_string(),
                          "description": text}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        json(res).await["id"].as_i64().unwrap()
    }

    /// A request sent in through the public form, as a resident would.
    async fn public_request(&self, name: &str, contact: &str, text: &str) -> i64 {
        let visitor = self.node.browser();
        let res = visitor
            .submit(
                "/hulp-vragen",
                "/hulp-vragen",
                &[
                    ("name", name),
                    ("contact", contact),
                    ("description", text),
                    ("website", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let found = json(
            self.coord
                .get("/api/v1/requests?status=new")
                .send()
                .await
                .unwrap(),
        )
        .await;
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["description"] == text)
            .expect("the request is in the queue")["id"]
            .as_i64()
            .unwrap()
    }

    async fn request(&self, id: i64) -> Value {
        json(
            self.coord
                .get(&format!("/api/v1/requests/{id}"))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn patch(&self, id: i64, body: Value) -> (StatusCode, Value) {
        let res = self
            .coord
            .patch(&format!("/api/v1/requests/{id}"))
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status(), json(res).await)
    }

    async fn page(&self, path: &str) -> String {
        let res = self.browser.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.text().await.unwrap()
    }

    /// Posts a form from `page` and follows the redirect to the next page.
    async fn submit_and_follow(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (String, String) {
        let res = self.browser.submit(page, action, fields).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{action}: {}",
            res.text().await.unwrap_or_default()
        );
        let to = res.headers()["location"].to_str().unwrap().to_owned();
        let html = self.page(&to).await;
        (to, html)
    }
}

#[tokio::test]
async fn a_public_request_is_edited_linked_and_answered_honestly() {
    let day = Day::start().await;
    let id = day
        .public_request("Renée Bakker", "0528 123456", "Hulp met de Computer")
        .await;
    let r = day.request(id).await;
    assert_eq!(r["source"], "public_form");
    assert_eq!(r["urgency"], "normal");
    assert!(r["wanted_date"].is_null());

    // A bad value names its field and changes nothing.
    let (status, body) = day
        .patch(id, json!({"urgency": "heel erg", "description": "x"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("urgency"), "{body}");
    let r = day.request(id).await;
    assert_eq!(r["urgency"], "normal");
    assert_eq!(r["description"], "Hulp met de Computer");
    let (status, _) = day.patch(id, json!({"colour": "red"})).await;
    assert!(status.is_client_error(), "unknown field: {status}");

    // The coordinator fills in what the form did not ask.
    let cat = day.category("klusjes").await;
    let (status, body) = day
        .patch(
            id,
            json!({"category_id": cat.to_string(), "wanted_date": "15-03-2027", "urgency": "high"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["category_id"], cat);
    assert_eq!(body["wanted_date"], "2027-03-15");
    assert_eq!(body["urgency"], "high");
    assert_eq!(body["description"], "Hulp met de Computer", "untouched");

    // Search ignores case and accents, on members and requests alike.
    for q in ["renee", "RENÉE", "computer"] {
        let found = json(
            day.coord
                .get(&format!("/api/v1/requests?q={q}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(found["total"], 1, "{q}: {found}");
    }

    // She becomes a member; consent is not assumed.
    let member = day
        .member(
            json!({"name": "Renée Bakker", "phone": "0528 123456", "address": "Esweg 4",
                        "neighbourhood": "Assendorp", "notes": "Slechthorend, bel lang door"}),
        )
        .await;
    let m = json(
        day.coord
            .get(&format!("/api/v1/members/{member}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(m["may_contact"], false, "{m}");
    for q in ["assendorp", "renee", "BAKKER"] {
        let found = json(
            day.coord
                .get(&format!("/api/v1/members?q={q}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(found["total"], 1, "{q}: {found}");
    }

    let (status, body) = day
        .patch(id, json!({"member_id": member.to_string()}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r = day.request(id).await;
    assert_eq!(r["member_id"], member);
    assert_eq!(r["requester"], "Renée Bakker");
    assert_eq!(r["contact"]["phone"], "0528123456");
    assert_eq!(r["contact"]["address"], "Esweg 4");

    // The request page shows how to reach her, and links to her.
    let html = day.page(&format!("/hulpvragen/{id}")).await;
    assert!(html.contains("href=\"tel:0528123456\""), "{html}");
    assert!(html.contains(&format!("href=\"/leden/{member}\"")));
    assert!(html.contains("Esweg 4") && html.contains("Slechthorend"));

    // "Iemand anders vragen": a volunteer found by name, not by number.
    let jan = day.volunteer("Jan de Vriës").await;
    let html = day
        .page(&format!("/hulpvragen/{id}?vrijwilliger=jan+de+vries"))
        .await;
    assert!(html.contains("Vraag Jan de Vriës"), "{html}");
    assert!(html.contains(&format!("name=\"volunteer_id\" value=\"{jan}\"")));
    let (_, html) = day
        .submit_and_follow(
            &format!("/hulpvragen/{id}"),
            &format!("/hulpvragen/{id}/koppelen"),
            &[("volunteer_id", &jan.to_string())],
        )
        .await;
    // Asked is not matched: the page says whom it waits for.
    assert!(html.contains("gevraagd") && html.contains("wacht op antwoord van Jan de Vriës"));
    assert!(
        !html.contains(">Hulpvraag afronden<"),
        "done only after a yes"
    );
    assert_eq!(day.request(id).await["status"], "asked");
    let res = day
        .coord
        .post(&format!("/api/v1/requests/{id}/status"))
        .json(&json!({"status": "done"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // Jan phones back: the coordinator records his yes, named for him.
    let match_id = day.request(id).await["matches"][0]["id"].as_i64().unwrap();
    assert!(html.contains("Jan de Vriës doet het") && html.contains("Jan de Vriës kan niet"));
    let (to, html) = day
        .submit_and_follow(
            &format!("/hulpvragen/{id}"),
            &format!("/taken/{match_id}/antwoord"),
            &[("accept", "ja")],
        )
        .await;
    assert_eq!(to, format!("/hulpvragen/{id}"), "stays on the request");
    assert!(
        html.contains("Vastgelegd: Jan de Vriës doet het."),
        "{html}"
    );
    assert!(
        !html.contains("Bedankt"),
        "the coordinator is not thanked as the volunteer"
    );
    assert!(html.contains(">Hulpvraag afronden<"));
    assert_eq!(day.request(id).await["status"], "matched");

    // A closed request can no longer be edited.
    let res = day
        .coord
        .post(&format!("/api/v1/requests/{id}/status"))
        .json(&json!({"status": "done"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (status, _) = day.patch(id, json!({"urgency": "low"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let history: Vec<String> = day.request(id).await["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        history,
        ["new", "new", "new", "asked", "matched", "done"],
        "two edits, then the answer"
    );
}

#[tokio::test]
async fn a_declined_answer_entered_for_a_volunteer_reopens_the_request() {
    let day = Day::start().await;
    let asker = day.member(json!({"name": "Aaltje Veenstra"})).await;
    let cat = day.category("klusjes").await;
    let id = day.request_for(asker, cat, "Lamp ophangen").await;
    let harm = day.volunteer("Harm Kuipers").await;
    let match_id = day.ask(id, harm).await;
    let (_, html) = day
        .submit_and_follow(
            &format!("/hulpvragen/{id}"),
            &format!("/taken/{match_id}/antwoord"),
            &[("accept", "nee")],
        )
        .await;
    assert!(
        html.contains("Vastgelegd: Harm Kuipers kan niet."),
        "{html}"
    );
    assert!(html.contains("Iemand anders vragen"));
    assert_eq!(day.request(id).await["status"], "new");
}

#[tokio::test]
async fn the_home_page_and_the_list_show_what_needs_doing() {
    let day = Day::start().await;
    let html = day.page("/").await;
    assert!(html.contains("Er staat niets open"), "{html}");

    let from_form = day
        .public_request("Mevrouw Bakker", "0528 123456", "Boodschappen")
        .await;
    let asker = day.member(json!({"name": "Geesje Veenstra"})).await;
    let klus = day.category("klusjes").await;
    let vervoer = day.category("vervoer").await;
    let mut ids = Vec::new();
    // Both dates well after this week, the later one first.
    let in_days = |d: i64| {
        (chrono::Utc::now() + chrono::Duration::days(d))
            .format("%d-%m-%Y")
            .to_string()
    };
    let (later, sooner) = (in_days(200), in_days(30));
    for (cat, urgency, date) in [
        (klus, "low", later.as_str()),
        (vervoer, "high", ""),
        (klus, "normal", sooner.as_str()),
    ] {
        let res = day
            .coord
            .post("/api/v1/requests")
            .json(
                &json!({"member_id": asker.to_string(), "category_id": cat.to_string(),
                          "description": format!("vraag {urgency}"), "urgency": urgency,
                          "wanted_date": date}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        ids.push(json(res).await["id"].as_i64().unwrap());
    }

    // Home: new requests, the one from the website marked; the urgent one.
    let html = day.page("/").await;
    assert!(html.contains("Nieuwe hulpvragen (4)"), "{html}");
    assert!(html.contains(&format!("href=\"/hulpvragen/{from_form}\"")));
    assert!(html.contains("via de website"));
    assert!(html.contains("Dringend of deze week (1)"));

    // The list: urgency and date columns; sorted by urgency; by category.
    let pos = |html: &str, id: i64| {
        html.find(&format!("href=\"/hulpvragen/{id}\""))
            .unwrap_or_else(|| panic!("{id} listed"))
    };
    let html = day.page("/hulpvragen?sorteer=spoed").await;
    assert!(html.contains("Hoe dringend?") && html.contains("Op welke dag?"));
    assert!(pos(&html, ids[1]) < pos(&html, ids[2]) && pos(&html, ids[2]) < pos(&html, ids[0]));
    let html = day.page("/hulpvragen?sorteer=datum").await;
    assert!(pos(&html, ids[2]) < pos(&html, ids[0]) && pos(&html, ids[0]) < pos(&html, ids[1]));
    // "See all" under a heading lists what the heading counted.
    let html = day.page("/hulpvragen?deze_week=ja").await;
    assert!(html.contains(&format!("href=\"/hulpvragen/{}\"", ids[1])));
    assert!(!html.contains(&format!("href=\"/hulpvragen/{}\"", ids[2])));
    assert!(html.contains("1 resultaat<"), "{html}");
    let html = day.page(&format!("/hulpvragen?soort={vervoer}")).await;
    assert!(html.contains(&format!("href=\"/hulpvragen/{}\"", ids[1])));
    assert!(!html.contains(&format!("href=\"/hulpvragen/{}\"", ids[0])));
    assert!(html.contains("1 resultaat<"), "singular: {html}");

    // Waiting for an answer: longest waiting first, an edit does not move it
    // (asked in the opposite order of the ids, so id order cannot pass).
    let vol = day.volunteer("Jan de Vries").await;
    day.ask(ids[2], vol).await;
    day.ask(ids[0], vol).await;
    let (status, _) = day
        .patch(ids[2], json!({"description": "vraag, gewijzigd"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = day.page("/").await;
    assert!(
        html.contains("Wacht op antwoord van een vrijwilliger (2)"),
        "{html}"
    );
    let home = html.split("Wacht op antwoord").nth(1).unwrap_or_default();
    assert!(pos(home, ids[2]) < pos(home, ids[0]), "{home}");
}

#[tokio::test]
async fn forms_find_people_by_name_not_by_number() {
    let day = Day::start().await;
    let geesje = day.member(json!({"name": "Geesje Veenstra"})).await;
    let jan = day.volunteer("Jan de Vries").await;

    // A new request starts with: for whom? A name search.
    let html = day.page("/hulpvragen/nieuw").await;
    assert!(!html.contains("Lidnummer") && html.contains("name=\"zoek\""));
    let html = day.page("/hulpvragen/nieuw?zoek=geesje").await;
    assert!(
        html.contains(&format!("href=\"/hulpvragen/nieuw?lid={geesje}\"")),
        "{html}"
    );
    let html = day.page(&format!("/hulpvragen/nieuw?lid={geesje}")).await;
    assert!(html.contains("<strong>Geesje Veenstra</strong>"));
    assert!(html.contains(&format!("name=\"member_id\" value=\"{geesje}\"")));
    let html = day.page("/hulpvragen/nieuw?zoek=niemand").await;
    assert!(html.contains("Niemand gevonden"));

    // Hours and offers: the same, for volunteers only.
    let html = day.page("/uren/nieuw?zoek=de+vries").await;
    assert!(
        html.contains(&format!("href=\"/uren/nieuw?vrijwilliger={jan}\"")),
        "{html}"
    );
    let html = day.page("/uren/nieuw?zoek=geesje").await;
    assert!(!html.contains("vrijwilliger="), "not a volunteer: {html}");
    let html = day.page(&format!("/uren/nieuw?vrijwilliger={jan}")).await;
    assert!(html.contains("<strong>Jan de Vries</strong>") && !html.contains("Lidnummer"));
    let html = day.page(&format!("/aanbod/nieuw?vrijwilliger={jan}")).await;
    assert!(html.contains("<strong>Jan de Vries</strong>") && !html.contains("Lidnummer"));

    // A person from the public form becomes a member in one go.
    let id = day
        .public_request("Mevrouw Bakker", "0528 123456", "Hulp met de computer")
        .await;
    let form = format!("/leden/nieuw?hulpvraag={id}");
    let html = day.page(&form).await;
    assert!(html.contains("value=\"Mevrouw Bakker\"") && html.contains("value=\"0528123456\""));
    assert!(
        !html.contains("name=\"may_contact\" value=\"ja\" checked"),
        "consent not assumed"
    );
    let (to, html) = day
        .submit_and_follow(
            &form,
            &form,
            &[("name", "Mevrouw Bakker"), ("phone", "0528123456")],
        )
        .await;
    assert_eq!(to, format!("/hulpvragen/{id}"));
    assert!(html.contains("aan het lid gekoppeld"));
    assert!(day.request(id).await["member_id"].is_i64());

    // A volunteer login not linked to a volunteer is told so, not given a
    // form that fails on a field it does not show.
    day.node.user_with_token("vera", "volunteer").await;
    let vera = day.node.browser();
    vera.login("vera", PASSWORD).await;
    let html = vera.get("/uren/nieuw").await.text().await.unwrap();
    assert!(
        html.contains("hoort nog niet bij een vrijwilliger") && !html.contains("name=\"hours\""),
        "{html}"
    );
}

#[tokio::test]
async fn a_volunteer_login_is_made_for_a_volunteer() {
    let day = Day::start().await;
    let admin = day.node.browser();
    admin.login("beheerder", noaber_tests::ADMIN_PASSWORD).await;
    let fields = |volunteer: &'static str| {
        vec![
            ("display_name", "Jan"),
            ("username", "jan"),
            ("role", "volunteer"),
            ("password", "fiets langs de vecht 7"),
            ("volunteer", volunteer),
        ]
    };
    // No volunteer yet: the form says what to do first, and makes nothing.
    let res = admin
        .submit("/gebruikers/nieuw", "/gebruikers/nieuw", &fields(""))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Maak de persoon eerst vrijwilliger")
    );
    let jan = day.volunteer("Jan de Vries").await;
    let html = admin.get("/gebruikers/nieuw").await.text().await.unwrap();
    assert!(
        html.contains(&format!("<option value=\"{jan}\">Jan de Vries</option>")),
        "{html}"
    );
    let res = admin
        .submit("/gebruikers/nieuw", "/gebruikers/nieuw", &fields(""))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("welke vrijwilliger dit is")
    );
    let jan_id = jan.to_string();
    let mut with = fields("");
    with[4] = ("volunteer", &jan_id);
    let res = admin
        .submit("/gebruikers/nieuw", "/gebruikers/nieuw", &with)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Jan logs in and enters hours without knowing any number.
    let jan_browser = day.node.browser();
    jan_browser.login("jan", "fiets langs de vecht 7").await;
    let form = jan_browser.get("/uren/nieuw").await.text().await.unwrap();
    assert!(form.contains("name=\"hours\"") && !form.contains("volunteer_id"));
    let res = jan_browser
        .submit(
            "/uren/nieuw",
            "/uren/nieuw",
            &[
                ("date", "01-12-2026"),
                ("hours", "2"),
                ("kilometres", ""),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    let hours = json(day.coord.get("/api/v1/hours").send().await.unwrap()).await;
    assert_eq!(hours["items"][0]["volunteer_id"], jan, "{hours}");

    // An existing account made a volunteer's login is asked which
    // volunteer too, and linked.
    let res = day
        .admin
        .post("/api/v1/users")
        .json(
            &json!({"username": "piet", "display_name": "Piet", "role": "coordinator",
                      "password": "fiets langs de vecht 8"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let piet_account = json(res).await["id"].as_i64().unwrap();
    let piet = day.volunteer("Piet Smit").await;
    let edit = format!("/gebruikers/{piet_account}");
    let html = admin.get(&edit).await.text().await.unwrap();
    assert!(
        html.contains(&format!("<option value=\"{piet}\">Piet Smit</option>")),
        "{html}"
    );
    let change = |volunteer: String| {
        vec![
            ("display_name", "Piet".to_owned()),
            ("role", "volunteer".to_owned()),
            ("password", String::new()),
            ("volunteer", volunteer),
        ]
    };
    let without = change(String::new());
    let fields: Vec<(&str, &str)> = without.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = admin.submit(&edit, &edit, &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("welke vrijwilliger dit is")
    );
    let with = change(piet.to_string());
    let fields: Vec<(&str, &str)> = with.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = admin.submit(&edit, &edit, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Linked: Piet is no longer offered, and the form asks no more.
    let html = admin.get("/gebruikers/nieuw").await.text().await.unwrap();
    assert!(!html.contains("Piet Smit"), "{html}");
    let html = admin.get(&edit).await.text().await.unwrap();
    assert!(!html.contains("id=\"volunteer\""), "{html}");

    // An old volunteer account without a volunteer (made on the command
    // line) can still be renamed and disabled without choosing one.
    let res = day
        .admin
        .post("/api/v1/users")
        .json(
            &json!({"username": "oud", "display_name": "Oud", "role": "volunteer",
                      "password": "fiets langs de vecht 9"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let old = json(res).await["id"].as_i64().unwrap();
    let edit = format!("/gebruikers/{old}");
    let res = admin
        .submit(
            &edit,
            &edit,
            &[
                ("display_name", "Oud account"),
                ("role", "volunteer"),
                ("password", ""),
                ("volunteer", ""),
                ("disabled", "on"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn an_upgrade_folds_old_search_text_and_marks_unanswered_requests_asked() {
    let day = Day::start().await;
    let asker = day
        .member(json!({"name": "Renée Oosterhuis", "neighbourhood": "Assendorp"}))
        .await;
    let cat = day.category("klusjes").await;
    let id = day.request_for(asker, cat, "Gordijnrail ophangen").await;
    let harm = day.volunteer("Harm Kuipers").await;
    day.ask(id, harm).await;
    // Put the data back as the release before stored it.
    let db = noaber_node::db::Db::connect(&day.node.settings)
        .await
        .expect("connect");
    for sql in [
        "UPDATE help_requests SET status = 'matched', search_text = ''",
        "UPDATE members SET search_text = 'renée oosterhuis'",
        "DELETE FROM seaql_migrations WHERE version LIKE 'm20261206_000011%'",
    ] {
        db.write().execute_unprepared(sql).await.unwrap();
    }
    drop(db);
    let node = day.care.node.restart().await;
    let coord = node.api(&node.token_for("cora").await);
    let r = json(
        coord
            .get(&format!("/api/v1/requests/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r["status"], "asked", "{r}");
    for (path, q) in [
        ("members", "assendorp"),
        ("members", "renee"),
        ("requests", "gordijnrail"),
    ] {
        let found = json(
            coord
                .get(&format!("/api/v1/{path}?q={q}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(found["total"], 1, "{path} {q}: {found}");
    }
}

#[tokio::test]
async fn an_import_without_consent_column_approaches_nobody_and_says_so() {
    let day = Day::start().await;
    let dry_run = |csv: &'static str| {
        day.coord
            .post("/api/v1/members/import")
            .header("content-type", "text/csv")
            .body(csv)
            .send()
    };
    let report = json(
        dry_run("Naam;Telefoon\nAnna Smit;0612345678\nBert Smit;0612345679\n")
            .await
            .unwrap(),
    )
    .await["report"]
        .clone();
    assert_eq!(report["may_contact_column"], false, "{report}");
    assert_eq!(report["may_contact_yes"], 0);
    assert_eq!(report["may_contact_no"], 2);
    let report = json(
        dry_run("Naam;Mag benaderd worden\nAnna Smit;ja\nBert Smit;nee\n")
            .await
            .unwrap(),
    )
    .await["report"]
        .clone();
    assert_eq!(report["may_contact_column"], true);
    assert_eq!(report["may_contact_yes"], 1);
    assert_eq!(report["may_contact_no"], 1);
}

#[tokio::test]
async fn confirmations_name_who_and_the_data_page_speaks_dutch() {
    let day = Day::start().await;
    let id = day.member(json!({"name": "Trijntje Kwak"})).await;
    let html = day.page(&format!("/leden/{id}/wissen")).await;
    assert!(
        html.contains("Persoon wissen<br><span class=\"subject\">Trijntje Kwak</span>"),
        "{html}"
    );
    assert!(html.contains("Nee, terug") && !html.contains("Annuleren"));
    day.page(&format!("/leden/{id}")).await;
    let html = day.page(&format!("/leden/{id}/gegevens")).await;
    assert!(html.contains("— bekeken"), "{html}");
    for code in ["— view<", "— export<", "— task_view<"] {
        assert!(!html.contains(code), "{code} in {html}");
    }
}

#[tokio::test]
async fn reports_count_like_the_figures_and_download_as_csv() {
    let day = Day::start().await;
    let year = chrono::Utc::now().format("%Y").to_string();
    let today = chrono::Utc::now().format("%d-%m-%Y").to_string();
    let asker = day.member(json!({"name": "Aaltje Veenstra"})).await;
    let klus = day.category("klusjes").await;
    let jan = day.volunteer("Jan de Vries").await;
    let request = day.request_for(asker, klus, "Lamp ophangen").await;
    let match_id = day.ask(request, jan).await;
    day.record_answer(match_id, true).await;
    for (hours, with_match) in [("2", true), ("1,5", false)] {
        let mut body = json!({"volunteer_id": jan.to_string(), "date": today, "hours": hours});
        if with_match {
            body["match_id"] = json!(match_id.to_string());
        }
        let res = day
            .coord
            .post("/api/v1/hours")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "{}", json(res).await);
    }

    let html = day.page("/overzichten").await;
    let figures = json(
        day.coord
            .get(&format!("/api/v1/figures?period={year}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let figure = |metric: &str| {
        figures["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["metric"] == metric)
            .unwrap_or_else(|| panic!("{metric} in {figures}"))["value"]
            .as_i64()
            .unwrap()
    };
    // One definition: the report shows the figures' own numbers.
    for (label, metric) in [
        ("Uren vrijwilligerswerk", "hours"),
        ("Hulpvragen ontvangen", "requests_received"),
        ("Hulpvragen gekoppeld", "requests_matched"),
    ] {
        let shown = format!("<dt>{label}</dt><dd>{}</dd>", figure(metric));
        assert!(html.contains(&shown), "{shown} in {html}");
    }
    assert_eq!(figure("hours"), 4, "3.5 hours round up");
    // Hours per volunteer and per kind; hours without a request apart.
    assert!(
        html.contains("Jan de Vries</td><td data-label=\"Uren\">3,5"),
        "{html}"
    );
    assert!(
        html.contains("klusjes</td><td data-label=\"Uren\">2"),
        "{html}"
    );

    let res = day.browser.get("/overzichten/vrijwilligers.csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("Vrijwilliger;Uren;"), "{csv}");
    assert!(csv.contains("Jan de Vries;3,5;0;2"), "{csv}");
    let csv = day
        .browser
        .get("/overzichten/maanden.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("Maand;Hulpvragen ontvangen;Hulpvragen gekoppeld;"),
        "{csv}"
    );
    assert!(csv.contains("januari;"), "{csv}");
    let csv = day
        .browser
        .get("/overzichten/hulpvragen.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("klusjes;0;0;1;0;0;0;1"), "{csv}");

    // A year that makes no sense names the field; a volunteer gets 403.
    let res = day.browser.get("/overzichten?jaar=twintig").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    day.node.user_with_token("vera", "volunteer").await;
    let vera = day.node.browser();
    vera.login("vera", PASSWORD).await;
    assert_eq!(
        vera.get("/overzichten").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn activities_have_a_place_times_sign_ups_and_a_public_agenda() {
    let day = Day::start().await;
    let next_year = (chrono::Utc::now() + chrono::Duration::days(400))
        .format("%d-%m-%Y")
        .to_string();
    let anna = day
        .member(json!({"name": "Anna Smit", "neighbourhood": "Assendorp"}))
        .await;

    // Bad times are named at their field; nothing is made.
    let bad = day
        .browser
        .submit(
            "/activiteiten/nieuw",
            "/activiteiten/nieuw",
            &[
                ("title", "Koffieochtend"),
                ("date", &next_year),
                ("start_time", "11:00"),
                ("end_time", "10"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("De eindtijd moet na de begintijd liggen.")
    );

    let mut ids = Vec::new();
    for (title, public) in [("Koffieochtend", "ja"), ("Bestuursvergadering", "")] {
        let (to, html) = day
            .submit_and_follow(
                "/activiteiten/nieuw",
                "/activiteiten/nieuw",
                &[
                    ("title", title),
                    ("date", &next_year),
                    ("start_time", "10.00"),
                    ("end_time", "12u"),
                    ("place", "Buurthuis De Linde"),
                    ("description", "Koffie, thee en een praatje."),
                    ("public", public),
                ],
            )
            .await;
        assert!(
            html.contains("10:00–12:00") && html.contains("Buurthuis De Linde"),
            "{html}"
        );
        ids.push(to);
    }
    let koffie = &ids[0];

    // Anna is signed up by name, once.
    let html = day.page(&format!("{koffie}?lid=anna")).await;
    assert!(
        html.contains(&format!("name=\"member_id\" value=\"{anna}\"")),
        "{html}"
    );
    let (_, html) = day
        .submit_and_follow(
            &format!("{koffie}?lid=anna"),
            &format!("{koffie}/aanmelden"),
            &[("member_id", &anna.to_string())],
        )
        .await;
    assert!(
        html.contains("Aangemeld (1)") && html.contains("Anna Smit"),
        "{html}"
    );
    let again = day
        .browser
        .submit(
            &format!("{koffie}?lid=anna"),
            &format!("{koffie}/aanmelden"),
            &[("member_id", &anna.to_string())],
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("al aangemeld"));

    // The front page shows the public one to visitors, and no names.
    let visitor = day.node.browser();
    let front = visitor.get("/").await.text().await.unwrap();
    assert!(
        front.contains("Koffieochtend") && front.contains("Buurthuis De Linde"),
        "{front}"
    );
    assert!(!front.contains("Bestuursvergadering") && !front.contains("Anna Smit"));

    // Her export lists it; erasing her removes the sign-up.
    let export = json(
        day.coord
            .get(&format!("/api/v1/members/{anna}/export"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        export["activities"][0]["title"], "Koffieochtend",
        "{export}"
    );
    let res = day
        .coord
        .delete(&format!("/api/v1/members/{anna}"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let html = day.page(koffie).await;
    assert!(html.contains("Aangemeld (0)"), "{html}");
}

/// How many results a list in the API has in all.
async fn total(api: &noaber_tests::Api, path: &str) -> i64 {
    json(api.get(path).send().await.unwrap()).await["total"]
        .as_i64()
        .unwrap_or(-1)
}

#[tokio::test]
async fn every_search_ignores_case_and_accents_and_takes_wildcards_literally() {
    let day = Day::start().await;
    let res = day
        .coord
        .post("/api/v1/activities")
        .json(&json!({"date": "20-03-2027", "title": "Koffieochtend", "place": "Café de Linde"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    for q in ["KOFFIE", "cafe", "linde"] {
        assert_eq!(
            total(&day.coord, &format!("/api/v1/activities?q={q}")).await,
            1,
            "/api/v1/activities?q={q}"
        );
    }

    let res = day
        .admin
        .post("/api/v1/users")
        .json(&json!({"username": "rsmit", "display_name": "Renée Smit",
                      "role": "coordinator", "password": "een lang wachtwoord 42"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    for q in ["RENEE", "renee%20smit"] {
        assert_eq!(
            total(&day.admin, &format!("/api/v1/users?q={q}")).await,
            1,
            "/api/v1/users?q={q}"
        );
    }

    // Offers: where and when.
    let vol = day.volunteer("Jan de Vries").await;
    let cat = day.category("boodschappen").await;
    let res = day
        .coord
        .post("/api/v1/offers")
        .json(
            &json!({"volunteer_id": vol.to_string(), "category_id": cat.to_string(),
                      "area": "Zuid-Oost", "times": "Dinsdagochtend", "note": ""}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    for q in ["zuid-oost", "DINSDAG"] {
        assert_eq!(
            total(&day.coord, &format!("/api/v1/offers?q={q}")).await,
            1,
            "/api/v1/offers?q={q}"
        );
    }

    // What someone types is looked for as it is: % and _ are no wildcards.
    day.member(json!({"name": "Truus Bakker"})).await;
    for q in ["%25", "_", "%5C"] {
        assert_eq!(
            total(&day.coord, &format!("/api/v1/members?q={q}")).await,
            0,
            "/api/v1/members?q={q}"
        );
    }
}

#[tokio::test]
async fn activity_sign_ups_work_through_the_api_too() {
    let day = Day::start().await;
    let res = day
        .coord
        .post("/api/v1/activities")
        .json(&json!({"date": "20-03-2027", "title": "Koffieochtend"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = json(res).await["id"].as_i64().unwrap();
    let truus = day.member(json!({"name": "Truus Bakker"})).await;
    let signups = format!("/api/v1/activities/{id}/signups");

    let res = day
        .coord
        .post(&signups)
        .json(&json!({"member_id": truus}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let detail = json(res).await;
    assert_eq!(detail["signups"][0]["name"], "Truus Bakker");
    let signup = detail["signups"][0]["id"].as_i64().unwrap();
    // Once per person; an unknown person is named as the wrong field.
    let again = day
        .coord
        .post(&signups)
        .json(&json!({"member_id": truus}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let unknown = day
        .coord
        .post(&signups)
        .json(&json!({"member_id": 999_999}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(unknown).await["field"], "member_id");

    let res = day
        .coord
        .put(&format!("/api/v1/activities/{id}"))
        .json(&json!({"date": "20-03-2027", "title": "Koffieochtend in de Linde", "public": "ja"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json(res).await["title"], "Koffieochtend in de Linde");

    // Who came to what is the person's data: changes are audited.
    assert_eq!(day.audit_count(truus, "update").await, 1);
    let res = day
        .coord
        .delete(&format!("{signups}/{signup}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(day.audit_count(truus, "update").await, 2);
    let res = day
        .coord
        .delete(&format!("{signups}/{signup}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let detail = json(
        day.coord
            .get(&format!("/api/v1/activities/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(detail["signups"], json!([]));
    assert_eq!(detail["public"], true);

    // Volunteers see no one's sign-ups.
    let vol = day
        .node
        .api(&day.node.user_with_token("vera", "volunteer").await);
    let res = vol
        .get(&format!("/api/v1/activities/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
