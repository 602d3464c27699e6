//! Local care work, end to end: members, volunteers, requests, matching,
//! hours, privacy, import, the public form.

use noaber_tests::{ADMIN_PASSWORD, Api, TestNode, json};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A node with a coordinator and an admin; shared with the coordinator's
/// day tests.
pub(crate) struct Care {
    pub(crate) node: TestNode,
    pub(crate) coord: Api,
    pub(crate) admin: Api,
}

impl Care {
    pub(crate) async fn start() -> Self {
        Self::on(TestNode::set_up().await).await
    }

    /// The same on a node that is already set up.
    pub(crate) async fn on(node: TestNode) -> Self {
        let coord = node.api(&node.user_with_token("cora", "coordinator").await);
        let admin = node.api(&node.token_for("beheerder").await);
        Self { node, coord, admin }
    }

    pub(crate) async fn member(&self, body: Value) -> i64 {
        let res = self
            .coord
            .post("/api/v1/members")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = json(res).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    pub(crate) async fn category(&self, name: &str) -> i64 {
        let cats = json(self.coord.get("/api/v1/categories").send().await.unwrap()).await;
        cats.as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    pub(crate) async fn volunteer(
        &self,
        name: &str,
        area: &str,
        skills: &[i64],
        slots: &[&str],
    ) -> i64 {
        let id = self
            .member(json!({"name": name, "phone": "06-11112222", "neighbourhood": area}))
            .await;
        let res = self
            .coord
            .put(&format!("/api/v1/members/{id}/volunteer"))
            .json(&json!({
                "skills": skills.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "areas": area,
                "availability": slots,
                "max_tasks_per_week": "3"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        id
    }

    pub(crate) async fn request(&self, member: i64, category: i64, date: &str) -> i64 {
        let res = self
            .coord
            .post("/api/v1/requests")
            .json(&json!({
                "member_id": member.to_string(),
                "category_id": category.to_string(),
                "description": "Boodschappen bij de Jumbo",
                "wanted_date": date,
                "wanted_part": "morning"
            }))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = json(res).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// Asks `volunteer` for `request` through the API; the match id.
    pub(crate) async fn ask(&self, request: i64, volunteer: i64) -> i64 {
        let res = self
            .coord
            .post(&format!("/api/v1/requests/{request}/match"))
            .json(&json!({"volunteer_id": volunteer}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        json(res).await["id"].as_i64().unwrap()
    }

    /// A coordinator records a volunteer's answer through the API.
    pub(crate) async fn record_answer(&self, match_id: i64, accept: bool) {
        let res = self
            .coord
            .post(&format!("/api/v1/matches/{match_id}/respond"))
            .json(&json!({"accept": accept}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }

    pub(crate) async fn audit_count(&self, member: i64, action: &str) -> usize {
        let page = json(
            self.admin
                .get(&format!("/api/v1/audit?member_id={member}&per_page=100"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action)
            .count()
    }
}

/// A Monday in the future, as typed in a form.
fn next_monday() -> (String, chrono::NaiveDate) {
    use chrono::Datelike;
    let mut d = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    while d.weekday() != chrono::Weekday::Mon {
        d += chrono::Duration::days(1);
    }
    (d.format("%d-%m-%Y").to_string(), d)
}

#[tokio::test]
async fn members_are_validated_field_by_field_in_dutch() {
    let care = Care::start().await;
    let res = care
        .coord
        .post("/api/v1/members")
        .json(&json!({"name": "", "phone": "bel maar", "email": "geen", "postcode": "12", "birth_year": "3000", "member_since": "gisteren"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(res).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "name",
        "phone",
        "email",
        "postcode",
        "birth_year",
        "member_since",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert!(
        body["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains("telefoonnummer")
    );
    let list = json(care.coord.get("/api/v1/members").send().await.unwrap()).await;
    assert_eq!(list["total"], 0, "nothing half-written");

    let id = care
        .member(json!({"name": "Truus Hofstede", "phone": "+31 6 1234 5678", "postcode": "7901ab", "member_since": "1-2-2021"}))
        .await;
    let m = json(
        care.coord
            .get(&format!("/api/v1/members/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(m["phone"], "0612345678");
    assert_eq!(m["postcode"], "7901 AB");
    assert_eq!(m["member_since"], "2021-02-01");
    // Found by any part of the phone number as people type it.
    let found = json(
        care.coord
            .get("/api/v1/members?q=06%2012345678")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(found["total"], 1);
}

#[tokio::test]
async fn the_whole_workflow_from_request_to_hours() {
    let care = Care::start().await;
    let groceries = care.category("boodschappen").await;
    let asker = care
        .member(json!({"name": "Aaltje Veenstra", "phone": "0528-123456", "neighbourhood": "Zuid", "address": "Esweg 4"}))
        .await;
    let (monday, _) = next_monday();
    let near = care
        .volunteer("Harm Kuipers", "Zuid", &[groceries], &["mon-morning"])
        .await;
    let far = care
        .volunteer("Geesje Brouwer", "Noord", &[groceries], &["tue-evening"])
        .await;
    let _other_skill = care
        .volunteer(
            "Roelof Smit",
            "Zuid",
            &[care.category("vervoer").await],
            &["mon-morning"],
        )
        .await;
    // Harm gets a login to see his own tasks.
    care.node
        .cli(
            &["user", "add", "harm", "--role", "volunteer"],
            "een lang wachtwoord 42",
        )
        .await
        .unwrap();
    let res = care
        .coord
        .put(&format!("/api/v1/members/{near}/volunteer"))
        .json(&json!({"skills": [groceries.to_string()], "areas": "Zuid", "availability": ["mon-morning"], "username": "harm"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let harm = care.node.api(&care.node.token_for("harm").await);

    let request = care.request(asker, groceries, &monday).await;

    // Suggestions: only those who do groceries, the nearby available one first, with reasons.
    let sugg = json(
        care.coord
            .get(&format!("/api/v1/requests/{request}/suggestions"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let list = sugg.as_array().unwrap();
    assert_eq!(list.len(), 2, "{sugg}");
    assert_eq!(list[0]["volunteer_id"], near);
    assert_eq!(list[1]["volunteer_id"], far);
    let keys: Vec<&str> = list[0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"reason.area_match") && keys.contains(&"reason.available"),
        "{keys:?}"
    );

    // Completing a request that has no match is refused.
    let res = care
        .coord
        .post(&format!("/api/v1/requests/{request}/status"))
        .json(&json!({"status": "done"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        json(res).await["message"]
            .as_str()
            .unwrap()
            .contains("zonder vrijwilliger")
    );

    let res = care
        .coord
        .post(&format!("/api/v1/requests/{request}/match"))
        .json(&json!({"volunteer_id": near}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let match_id = json(res).await["id"].as_i64().unwrap();

    // Harm sees the task with what he needs to help, and accepts it.
    let tasks = json(harm.get("/api/v1/my/tasks").send().await.unwrap()).await;
    assert_eq!(tasks.as_array().unwrap().len(), 1);
    // In his own view too, and nothing more.
    let harm_browser = care.node.browser();
    harm_browser.login("harm", "een lang wachtwoord 42").await;
    let page = harm_browser.get("/taken").await.text().await.unwrap();
    assert!(
        page.contains("Aaltje Veenstra")
            && page.contains("Esweg 4")
            && page.contains("Ja, ik help")
    );
    assert_eq!(tasks[0]["requester"], "Aaltje Veenstra");
    assert_eq!(tasks[0]["address"], "Esweg 4");
    let res = harm
        .post(&format!("/api/v1/matches/{match_id}/respond"))
        .json(&json!({"accept": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // He logs his hours; a coordinator logs a paper sheet for him too.
    let res = harm
        .post("/api/v1/hours")
        .json(&json!({"match_id": match_id.to_string(), "hours": "1,5", "kilometres": "4"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry = json(res).await;
    assert_eq!(entry["minutes"], 90);
    let res = care
        .coord
        .post("/api/v1/hours")
        .json(&json!({"volunteer_id": near.to_string(), "hours": "0:45", "date": "01-01-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let by_coord = json(res).await;
    assert_ne!(
        by_coord["entered_by"], entry["entered_by"],
        "the record says who entered it"
    );
    // A volunteer cannot log hours for someone else.
    let res = harm
        .post("/api/v1/hours")
        .json(&json!({"volunteer_id": far.to_string(), "hours": "1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = care
        .coord
        .post(&format!("/api/v1/requests/{request}/status"))
        .json(&json!({"status": "done"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let detail = json(
        care.coord
            .get(&format!("/api/v1/requests/{request}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(detail["status"], "done");
    let history: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["new", "asked", "matched", "done"]);
    assert!(
        detail["history"][2]["changed_by_name"].is_string(),
        "who changed it"
    );
    assert_eq!(detail["matches"][0]["status"], "completed");
    // Closed is closed.
    let res = care
        .coord
        .post(&format!("/api/v1/requests/{request}/status"))
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let tasks = json(harm.get("/api/v1/my/tasks").send().await.unwrap()).await;
    assert!(tasks.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn two_coordinators_matching_at_once_book_one_volunteer() {
    let care = Care::start().await;
    let second = care
        .node
        .api(&care.node.user_with_token("coen", "coordinator").await);
    let cat = care.category("klusjes").await;
    let asker = care.member(json!({"name": "Jantje Dijkstra"})).await;
    let a = care.volunteer("Bram de Wit", "Zuid", &[cat], &[]).await;
    let b = care.volunteer("Daan Bos", "Zuid", &[cat], &[]).await;
    for round in 0..5 {
        let request = care.request(asker, cat, "").await;
        let (r1, r2) = tokio::join!(
            care.coord
                .post(&format!("/api/v1/requests/{request}/match"))
                .json(&json!({"volunteer_id": a}))
                .send(),
            second
                .post(&format!("/api/v1/requests/{request}/match"))
                .json(&json!({"volunteer_id": b}))
                .send(),
        );
        let mut statuses = [r1.unwrap().status(), r2.unwrap().status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "round {round}"
        );
        let detail = json(
            care.coord
                .get(&format!("/api/v1/requests/{request}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            detail["matches"].as_array().unwrap().len(),
            1,
            "round {round}"
        );
        // Give both their capacity back for the next round.
        let res = care
            .coord
            .post(&format!("/api/v1/requests/{request}/status"))
            .json(&json!({"status": "cancelled"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn a_declined_match_goes_back_to_the_queue() {
    let care = Care::start().await;
    let cat = care.category("bezoek/gezelschap").await;
    let asker = care.member(json!({"name": "Grietje Mulder"})).await;
    let v = care.volunteer("Ilse Vos", "Oost", &[cat], &[]).await;
    let request = care.request(asker, cat, "").await;
    let m = json(
        care.coord
            .post(&format!("/api/v1/requests/{request}/match"))
            .json(&json!({"volunteer_id": v}))
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    // The volunteer called in to say no; the coordinator records it.
    care.record_answer(m, false).await;
    let detail = json(
        care.coord
            .get(&format!("/api/v1/requests/{request}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(detail["status"], "new");
    assert_eq!(detail["matches"][0]["status"], "declined");
    let again = care
        .coord
        .post(&format!("/api/v1/matches/{m}/respond"))
        .json(&json!({"accept": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_volunteer_cannot_read_other_members_data() {
    let care = Care::start().await;
    let id = care
        .member(json!({"name": "Willemien Peters", "phone": "0612345678"}))
        .await;
    let vol = care
        .node
        .api(&care.node.user_with_token("vera", "volunteer").await);
    for path in [
        "/api/v1/members".to_owned(),
        format!("/api/v1/members/{id}"),
        format!("/api/v1/members/{id}/export"),
        "/api/v1/members/export".to_owned(),
        "/api/v1/requests".to_owned(),
        "/api/v1/offers".to_owned(),
        "/api/v1/audit".to_owned(),
    ] {
        let res = vol.get(&path).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(!res.text().await.unwrap().contains("Willemien"), "{path}");
    }
    let res = vol
        .delete(&format!("/api/v1/members/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let browser = care.node.browser();
    browser.login("vera", "een lang wachtwoord 42").await;
    for path in [
        "/leden".to_owned(),
        format!("/leden/{id}"),
        format!("/leden/{id}/gegevens"),
        "/leden/export.csv".to_owned(),
        "/hulpvragen".to_owned(),
        "/audit".to_owned(),
    ] {
        let res = browser.get(&path).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(!res.text().await.unwrap().contains("Willemien"), "{path}");
    }
    // Her own pages work.
    assert_eq!(browser.get("/taken").await.status(), StatusCode::OK);
    assert_eq!(browser.get("/uren").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_coordinator_view_of_a_member_is_audited() {
    let care = Care::start().await;
    let id = care.member(json!({"name": "Hendrika de Groot"})).await;
    assert_eq!(care.audit_count(id, "view").await, 0);
    care.coord
        .get(&format!("/api/v1/members/{id}"))
        .send()
        .await
        .unwrap();
    care.coord
        .get(&format!("/api/v1/members/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(care.audit_count(id, "view").await, 2);

    let browser = care.node.browser();
    browser.login("cora", "een lang wachtwoord 42").await;
    let page = browser.get(&format!("/leden/{id}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Hendrika de Groot"));
    assert_eq!(care.audit_count(id, "view").await, 3);
    // The request page shows the requester, so it counts as a view too.
    let cat = care.category("maaltijd").await;
    let r = care.request(id, cat, "").await;
    browser.get(&format!("/hulpvragen/{r}")).await;
    assert_eq!(care.audit_count(id, "view").await, 4);

    // The log says who looked, and admins can read it in the browser.
    let log = json(
        care.admin
            .get(&format!("/api/v1/audit?member_id={id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(log["items"][0]["actor"], "cora");
    let admin = care.node.browser();
    admin.login("beheerder", ADMIN_PASSWORD).await;
    let html = admin.get("/audit").await.text().await.unwrap();
    assert!(html.contains("cora") && html.contains("bekeken"));
    // Searching the member list (by phone, say) leaves a trace too, without
    // the search text.
    care.coord
        .get("/api/v1/members?q=0612")
        .send()
        .await
        .unwrap();
    let log = json(care.admin.get("/api/v1/audit").send().await.unwrap()).await;
    assert_eq!(log["items"][0]["action"], "search");
    assert!(!log.to_string().contains("0612"));
    // Coordinators cannot read the log itself.
    assert_eq!(
        care.coord
            .get("/api/v1/audit")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn export_has_everything_and_erasure_keeps_the_counts() {
    use chrono::Datelike;
    let care = Care::start().await;
    let cat = care.category("vervoer").await;
    let asker = care
        .member(json!({"name": "Cornelis Hendriks", "phone": "0612398765", "email": "kees@example.nl", "address": "Brink 1", "notes": "Slechthorend"}))
        .await;
    let helper = care.volunteer("Maria Yilmaz", "Centrum", &[cat], &[]).await;
    let r = care.request(asker, cat, "").await;
    let m = json(
        care.coord
            .post(&format!("/api/v1/requests/{r}/match"))
            .json(&json!({"volunteer_id": helper}))
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    care.coord
        .post(&format!("/api/v1/matches/{m}/respond"))
        .json(&json!({"accept": true}))
        .send()
        .await
        .unwrap();
    care.coord
        .post("/api/v1/hours")
        .json(&json!({"volunteer_id": helper.to_string(), "match_id": m.to_string(), "hours": "2"}))
        .send()
        .await
        .unwrap();
    care.coord
        .post(&format!("/api/v1/requests/{r}/status"))
        .json(&json!({"status": "done"}))
        .send()
        .await
        .unwrap();

    let export = json(
        care.coord
            .get(&format!("/api/v1/members/{asker}/export"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(export["member"]["name"], "Cornelis Hendriks");
    assert_eq!(export["member"]["email"], "kees@example.nl");
    assert_eq!(
        export["requests"][0]["description"],
        "Boodschappen bij de Jumbo"
    );
    let helper_export = json(
        care.coord
            .get(&format!("/api/v1/members/{helper}/export"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(helper_export["hours"][0]["minutes"], 120);
    assert_eq!(helper_export["matches"][0]["request_id"], r);
    assert_eq!(care.audit_count(asker, "export").await, 1);
    // The readable page too.
    let browser = care.node.browser();
    browser.login("cora", "een lang wachtwoord 42").await;
    let html = browser
        .get(&format!("/leden/{asker}/gegevens"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Cornelis Hendriks") && html.contains("Slechthorend"));

    let year = chrono::Utc::now().year();
    let before = json(
        care.coord
            .get(&format!("/api/v1/stats/monthly?year={year}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let res = care
        .coord
        .delete(&format!("/api/v1/members/{asker}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = care
        .coord
        .delete(&format!("/api/v1/members/{helper}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let after = json(
        care.coord
            .get(&format!("/api/v1/stats/monthly?year={year}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(before, after, "figures do not change");
    assert!(!before.as_array().unwrap().is_empty());

    // Nothing personal is left anywhere.
    let gone = json(
        care.coord
            .get(&format!("/api/v1/members/{asker}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(gone["erased"], true);
    for field in ["phone", "email", "address", "notes"] {
        assert!(gone[field].is_null(), "{field}");
    }
    assert_eq!(gone["name"], "");
    let detail = json(
        care.coord
            .get(&format!("/api/v1/requests/{r}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(detail["description"].is_null());
    let all = care
        .coord
        .get("/api/v1/members/export")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!all.contains("Cornelis") && !all.contains("Maria"));
    let list = json(
        care.coord
            .get("/api/v1/members?q=Cornelis")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list["total"], 0);
    // Erasing twice says so.
    let res = care
        .coord
        .delete(&format!("/api/v1/members/{asker}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn retention_clears_old_descriptions_of_closed_requests() {
    let care = Care::start().await;
    let cat = care.category("tuin").await;
    let asker = care.member(json!({"name": "Joke Smits"})).await;
    let open = care.request(asker, cat, "").await;
    let closed = care.request(asker, cat, "").await;
    care.coord
        .post(&format!("/api/v1/requests/{closed}/status"))
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();

    let db = noaber_node::db::Db::connect(&care.node.settings)
        .await
        .unwrap();
    noaber_node::care::privacy::set_retention_months(&db, Some(6))
        .await
        .unwrap();
    let now = chrono::Utc::now();
    assert_eq!(
        noaber_node::care::privacy::apply_retention(&db, now)
            .await
            .unwrap(),
        0
    );
    let later = now + chrono::Duration::days(7 * 30);
    assert_eq!(
        noaber_node::care::privacy::apply_retention(&db, later)
            .await
            .unwrap(),
        1
    );
    db.close().await;
    let c = json(
        care.coord
            .get(&format!("/api/v1/requests/{closed}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let o = json(
        care.coord
            .get(&format!("/api/v1/requests/{open}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(c["description"].is_null());
    assert_eq!(o["description"], "Boodschappen bij de Jumbo");
}

#[tokio::test]
async fn csv_dry_run_reports_bad_rows_and_imports_nothing() {
    let care = Care::start().await;
    let csv = "Naam;Telefoon;Postcode;Lid sinds;Vrijwilliger;Vaardigheden;Beschikbaarheid\n\
               Jan de Boer;06-12345678;7901 AB;01-02-2020;ja;boodschappen, vervoer;ma-ochtend\n\
               ;0612345678;1234AB;;nee;;\n\
               Piet Bakker;bel maar;12;31-02-2020;nee;;\n\
               Ans Visser;020 1234567;1011 AA;2021-05-03;nee;;\n";
    let res = care
        .coord
        .post("/api/v1/members/import")
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = json(res).await;
    let report = &body["report"];
    assert_eq!(report["rows"], 4);
    assert_eq!(report["valid_rows"], 2);
    assert!(body["result"].is_null());
    let problems = report["problems"].as_array().unwrap();
    let at = |row: i64, col: &str| {
        problems
            .iter()
            .any(|p| p["row"] == row && p["column"] == col)
    };
    assert!(at(3, "Naam"));
    assert!(at(4, "Telefoon"));
    assert!(at(4, "Postcode"));
    assert!(at(4, "Lid sinds"));
    assert_eq!(
        json(care.coord.get("/api/v1/members").send().await.unwrap()).await["total"],
        0,
        "dry run imports nothing"
    );

    // "Import all" refuses a file with problems, and writes nothing.
    let res = care
        .coord
        .post("/api/v1/members/import?dry_run=false&mode=all")
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        json(care.coord.get("/api/v1/members").send().await.unwrap()).await["total"],
        0
    );

    // The coordinator chooses to import only the valid rows.
    let res = care
        .coord
        .post("/api/v1/members/import?dry_run=false&mode=valid_only")
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json(res).await["result"]["imported"], 2);
    let members = json(
        care.coord
            .get("/api/v1/members?volunteers=1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(members["total"], 1);
    assert_eq!(members["items"][0]["name"], "Jan de Boer");

    // Export gives the same back, readable by Dutch Excel, no formulas.
    let out = care
        .coord
        .get("/api/v1/members/export")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(out.starts_with('\u{FEFF}'));
    assert!(out.contains("Jan de Boer;0612345678;;;7901 AB"), "{out}");
}

#[tokio::test]
async fn a_large_or_badly_encoded_csv_gets_a_report_not_a_crash() {
    let care = Care::start().await;
    let mut csv = String::from("naam,telefoon\n");
    for i in 0..100_000 {
        if i % 10_000 == 0 {
            csv.push_str("\"kapot,0612345678\n");
        } else {
            csv.push_str(&format!("Lid {i},06{:08}\n", 10_000_000 + i));
        }
    }
    let res = care
        .coord
        .post("/api/v1/members/import")
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report = json(res).await["report"].clone();
    assert!(report["rows"].as_i64().unwrap() >= 1);
    assert!(report["problem_count"].as_i64().unwrap() >= 1);
    assert_eq!(
        json(care.coord.get("/api/v1/members").send().await.unwrap()).await["total"],
        0
    );

    // Windows-1252 with ë and é, as Excel on Windows saves it.
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("naam;wijk\nZoë Müller;Café-buurt\n");
    let res = care
        .coord
        .post("/api/v1/members/import?dry_run=false")
        .header("content-type", "text/csv")
        .body(bytes.into_owned())
        .send()
        .await
        .unwrap();
    let body = json(res).await;
    assert_eq!(body["report"]["encoding"], "windows-1252");
    assert_eq!(body["result"]["imported"], 1);
    let list = json(care.coord.get("/api/v1/members").send().await.unwrap()).await;
    assert_eq!(list["items"][0]["name"], "Zoë Müller");
}

#[tokio::test]
async fn csv_import_in_the_browser() {
    let care = Care::start().await;
    let browser = care.node.browser();
    browser.login("cora", "een lang wachtwoord 42").await;
    let html = browser.get("/leden/importeren").await.text().await.unwrap();
    let token = noaber_tests::extract_csrf(&html).unwrap();
    let file = || {
        reqwest::multipart::Part::bytes(
            b"naam,telefoon\nKees Jansen,0612345678\nFout,123\n".to_vec(),
        )
        .file_name("leden.csv")
    };
    // A token in the address is not accepted any more: it belongs in the body.
    let res = browser
        .client
        .post(format!(
            "{}/leden/importeren?csrf_token={token}",
            care.node.base
        ))
        .multipart(reqwest::multipart::Form::new().part("file", file()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token.clone())
        .part("file", file());
    let res = browser
        .client
        .post(format!("{}/leden/importeren", care.node.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let report_url = res.headers()["location"].to_str().unwrap().to_owned();
    let report = browser.get(&report_url).await.text().await.unwrap();
    assert!(
        report.contains("Alleen de goede rijen inlezen (1)"),
        "{report}"
    );
    assert!(report.contains("geldig telefoonnummer"));
    let res = browser
        .submit(&report_url, &report_url, &[("mode", "valid_only")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list = browser.get("/leden").await.text().await.unwrap();
    assert!(list.contains("Kees Jansen") && !list.contains(">Fout<"));

    // Without the token the upload is refused.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"naam\nX\n".to_vec()),
    );
    let res = browser
        .client
        .post(format!("{}/leden/importeren", care.node.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_public_form_creates_a_request_and_keeps_spam_out() {
    let care = Care::start().await;
    let visitor = care.node.browser();
    let page = visitor.get("/hulp-vragen").await;
    assert_eq!(page.status(), StatusCode::OK);
    let res = visitor
        .submit(
            "/hulp-vragen",
            "/hulp-vragen",
            &[
                ("name", "Mevrouw Bakker"),
                ("contact", ""),
                ("description", ""),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#contact\"") && html.contains("href=\"#description\""));
    assert!(html.contains("value=\"Mevrouw Bakker\""));

    let res = visitor
        .submit(
            "/hulp-vragen",
            "/hulp-vragen",
            &[
                ("name", "Mevrouw Bakker"),
                ("contact", "0528 123456"),
                ("description", "Hulp met de computer"),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("We hebben uw vraag ontvangen")
    );
    let queue = json(
        care.coord
            .get("/api/v1/requests?status=new")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(queue["total"], 1);
    assert_eq!(queue["items"][0]["requester"], "Mevrouw Bakker");
    assert_eq!(queue["items"][0]["source"], "public_form");

    // A bot fills in the hidden field: it is thanked, and nothing is stored.
    let bot = care.node.browser();
    let res = bot
        .submit(
            "/hulp-vragen",
            "/hulp-vragen",
            &[
                ("name", "Cheap pills"),
                ("contact", "spam@example.com"),
                ("description", "buy now"),
                ("website", "http://spam.example"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let queue = json(care.coord.get("/api/v1/requests").send().await.unwrap()).await;
    assert_eq!(queue["total"], 1);

    // One address sending many is slowed down.
    let mut last = StatusCode::OK;
    for i in 0..6 {
        let res = visitor
            .submit(
                "/hulp-vragen",
                "/hulp-vragen",
                &[
                    ("name", "Herhaling"),
                    ("contact", "0612345678"),
                    ("description", &format!("vraag {i}")),
                    ("website", ""),
                ],
            )
            .await;
        last = res.status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let queue = json(care.coord.get("/api/v1/requests").send().await.unwrap()).await;
    assert_eq!(queue["total"], 5, "five per hour per address");
}

#[tokio::test]
async fn coordinators_work_in_the_browser() {
    let care = Care::start().await;
    let browser = care.node.browser();
    browser.login("cora", "een lang wachtwoord 42").await;
    let res = browser
        .submit(
            "/leden/nieuw",
            "/leden/nieuw",
            &[
                ("name", "Geesje Veenstra"),
                ("phone", "06 9876 5432"),
                ("neighbourhood", "Oost"),
                ("may_contact", "ja"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let member_url = res.headers()["location"].to_str().unwrap().to_owned();
    let id = member_url.rsplit('/').next().unwrap().to_owned();
    let page = browser.get(&member_url).await.text().await.unwrap();
    assert!(page.contains("0698765432"));

    let chosen = format!("/hulpvragen/nieuw?lid={id}");
    let bad = browser
        .submit(
            &chosen,
            "/hulpvragen/nieuw",
            &[("member_id", &id), ("category_id", ""), ("description", "")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("Kies een soort hulp.") && html.contains("Vul dit veld in."),
        "{html}"
    );
    assert!(html.contains(&format!("value=\"{id}\"")), "value kept");

    let cat = care.category("klusjes").await.to_string();
    let ok = browser
        .submit(
            &chosen,
            "/hulpvragen/nieuw",
            &[
                ("member_id", &id),
                ("category_id", &cat),
                ("description", "Lamp ophangen"),
                ("wanted_part", "any"),
                ("urgency", "normal"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let req_url = ok.headers()["location"].to_str().unwrap().to_owned();
    let page = browser.get(&req_url).await.text().await.unwrap();
    assert!(page.contains("Lamp ophangen") && page.contains("nieuw"));
    let list = browser
        .get("/hulpvragen?status=new")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Geesje Veenstra"));
    let done = browser
        .submit(&req_url, &format!("{req_url}/status"), &[("to", "done")])
        .await;
    assert_eq!(
        done.status(),
        StatusCode::CONFLICT,
        "a new request cannot be done"
    );
    assert!(done.text().await.unwrap().contains("zonder vrijwilliger"));
    // Withdrawing asks once more before it happens.
    let ask = browser
        .submit(
            &req_url,
            &format!("{req_url}/status"),
            &[("to", "cancelled")],
        )
        .await;
    assert_eq!(ask.status(), StatusCode::OK);
    assert!(ask.text().await.unwrap().contains("Hulpvraag intrekken?"));
    assert!(
        browser
            .get(&req_url)
            .await
            .text()
            .await
            .unwrap()
            .contains("nieuw"),
        "not yet"
    );
    let cancelled = browser
        .submit(
            &req_url,
            &format!("{req_url}/status"),
            &[("to", "cancelled"), ("bevestigd", "ja")],
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);

    let act = browser
        .submit(
            "/activiteiten/nieuw",
            "/activiteiten/nieuw",
            &[
                ("date", "12-11-2026"),
                ("title", "Koffieochtend"),
                ("participants", "14"),
            ],
        )
        .await;
    assert_eq!(act.status(), StatusCode::SEE_OTHER);
    assert!(
        browser
            .get("/activiteiten")
            .await
            .text()
            .await
            .unwrap()
            .contains("Koffieochtend")
    );
}

#[tokio::test]
async fn offers_are_recorded_and_listed() {
    let care = Care::start().await;
    let cat = care.category("tuin").await;
    let v = care
        .volunteer("Johannes Bakker", "Noord", &[cat], &["sat-morning"])
        .await;
    let res = care
        .coord
        .post("/api/v1/offers")
        .json(&json!({"volunteer_id": v.to_string(), "category_id": cat.to_string(), "area": "Noord", "times": "zaterdagochtend"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let bad = care
        .coord
        .post("/api/v1/offers")
        .json(&json!({"volunteer_id": "999", "category_id": "x", "area": "", "times": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = json(bad).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["volunteer_id", "category_id", "area", "times"]);
    let list = json(
        care.coord
            .get("/api/v1/offers?q=Johannes")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["times"], "zaterdagochtend");
}

#[tokio::test]
async fn demo_data_fills_a_node_with_progress() {
    let care = Care::start().await;
    let out = care
        .node
        .cli(&["demo-data", "--members", "60", "--requests", "300"], "")
        .await
        .unwrap();
    assert!(out.contains("100% (360 van 360)"), "{out}");
    assert!(out.contains("Klaar: 60 leden"), "{out}");
    let members = json(care.coord.get("/api/v1/members").send().await.unwrap()).await;
    assert_eq!(members["total"], 60);
    let requests = json(care.coord.get("/api/v1/requests").send().await.unwrap()).await;
    assert_eq!(requests["total"], 300);
}
