//! Figures across a network of real nodes on loopback: one national, two
//! regional and four initiative nodes (one a member of both regions and
//! also followed directly by the national node). Totals at each level,
//! corrections, withdrawals, suppression, the pass-on choice, coverage,
//! bad reports, and a scan for personal data in everything that was sent.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::federation::{actor_url, eventually, post_signed};
use crate::knowledge::{admin, contains_ignoring_case, database_bytes, follow};
use noaber_tests::{Api, TestNode, json as body};

/// Sets the region and kind of initiative a node announces.
async fn place_in(node: &TestNode, region: &str, kind: &str) {
    let res = admin(node)
        .await
        .patch("/api/v1/node")
        .json(&json!({"region": region, "initiative_type": kind}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

/// Seeds `n` members with a name, e-mail address and phone number each,
/// members since January; returns what was seeded.
async fn seed_members(api: &Api, tag: &str, n: usize) -> Vec<String> {
    let mut seeded = Vec::new();
    for i in 0..n {
        let name = format!("Geertruida {tag}{i} Oosterhuis");
        let email = format!("geertruida.{tag}{i}@voorbeeld.nl");
        let phone = format!("06-{:08}", 41_000_000 + i * 7 + tag.len());
        let res = api
            .post("/api/v1/members")
            .json(&json!({"name": name, "email": email, "phone": phone, "member_since": "2026-01-15"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "{:?}", body(res).await);
        seeded.extend([name, email, phone]);
    }
    seeded
}

async fn enter_rides(api: &Api, period: &str, rides: i64) {
    let res = api
        .put("/api/v1/figures/manual")
        .json(&json!({"period": period, "values": {"rides": rides}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

async fn send_report(api: &Api, period: &str, forwardable: bool) -> Value {
    let res = api
        .post("/api/v1/reports")
        .json(&json!({"period": period, "forwardable": forwardable}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    body(res).await
}

async fn totals(api: &Api, query: &str) -> Value {
    let res = api
        .get(&format!("/api/v1/network/totals?{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    body(res).await
}

/// The total of a metric as `(low, high)`, `None` when nobody reported it.
fn cell(t: &Value, metric: &str) -> Option<(i64, i64)> {
    t["cells"].as_array()?.iter().find_map(|c| {
        (c["metric"] == metric && c.get("category").is_none()).then(|| {
            (
                c["low"].as_i64().unwrap_or(-1),
                c["high"].as_i64().unwrap_or(-1),
            )
        })
    })
}

fn coverage(t: &Value) -> (i64, i64) {
    (
        t["coverage"]["reported"].as_i64().unwrap_or(-1),
        t["coverage"]["known"].as_i64().unwrap_or(-1),
    )
}

/// Waits until the totals at `node` for October show `want` members.
async fn until_members(api: &Api, what: &str, want: (i64, i64), cov: (i64, i64)) {
    eventually(20, what, || async {
        let t = totals(api, "period=2026-10").await;
        cell(&t, "members") == Some(want) && coverage(&t) == cov
    })
    .await;
}

/// What a node sent to anyone: every activity in its outbox, as text.
async fn sent_activities(node: &TestNode) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = noaber_node::db::Db::connect(&node.settings).await.unwrap();
    let rows = db
        .read()
        .query_all_raw(Statement::from_string(
            db.read().get_database_backend(),
            "SELECT json FROM outbox_activities",
        ))
        .await
        .unwrap();
    let out = rows
        .iter()
        .map(|r| r.try_get::<String>("", "json").unwrap())
        .collect();
    db.close().await;
    out
}

#[tokio::test]
async fn figures_roll_up_to_regions_and_the_nation_counting_each_initiative_once() {
    let n = TestNode::federated(100, "Netwerk Nederland", "national").await;
    let r1 = TestNode::federated(101, "Netwerk Drenthe", "regional").await;
    let r2 = TestNode::federated(102, "Netwerk Overijssel", "regional").await;
    let a = TestNode::federated(103, "Stadsdorp Grensland", "initiative").await;
    let b = TestNode::federated(104, "Noaberzorgpunt Beilen", "initiative").await;
    let c = TestNode::federated(105, "Zorgcoöperatie Ommen", "initiative").await;
    let d = TestNode::federated(106, "Stadsdorp Zuid", "initiative").await;
    place_in(&a, "Drenthe", "stadsdorp").await;
    place_in(&b, "Drenthe", "noaberzorgpunt").await;
    place_in(&c, "Overijssel", "zorgcooperatie").await;
    place_in(&d, "Drenthe", "stadsdorp").await;

    follow(&r1, &a, true).await;
    follow(&r1, &b, true).await;
    follow(&r1, &d, true).await;
    follow(&r2, &a, true).await;
    follow(&r2, &c, true).await;
    follow(&n, &r1, false).await;
    follow(&n, &r2, false).await;
    follow(&n, &a, true).await;

    let (api_a, api_b, api_c, api_d) = (
        admin(&a).await,
        admin(&b).await,
        admin(&c).await,
        admin(&d).await,
    );
    let mut seeded = Vec::new();
    seeded.extend(seed_members(&api_a, "a", 12).await);
    seeded.extend(seed_members(&api_b, "b", 7).await);
    seeded.extend(seed_members(&api_c, "c", 6).await);
    seeded.extend(seed_members(&api_d, "d", 2).await);
    enter_rides(&api_a, "2026-10", 30).await;
    enter_rides(&api_b, "2026-10", 3).await;
    enter_rides(&api_c, "2026-10", 10).await;

    // What would go is shown first, and nothing goes with it.
    let res = api_b
        .post("/api/v1/reports")
        .json(&json!({"period": "2026-10", "preview": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let preview = body(res).await;
    let rides = preview["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["metric"] == "rides")
        .unwrap()
        .clone();
    assert_eq!(
        rides,
        json!({"metric": "rides", "suppressed": true, "entered": true})
    );
    let listed = body(api_b.get("/api/v1/reports").send().await.unwrap()).await;
    assert_eq!(listed, json!([]));

    send_report(&api_a, "2026-10", true).await;
    send_report(&api_b, "2026-10", true).await;
    // C does not let its report go past its region.
    send_report(&api_c, "2026-10", false).await;

    let (api_n, api_r1, api_r2) = (admin(&n).await, admin(&r1).await, admin(&r2).await);
    // Drenthe: A and B reported, D did not.
    until_members(&api_r1, "Drenthe's totals", (19, 19), (2, 3)).await;
    let t = totals(&api_r1, "period=2026-10").await;
    assert_eq!(
        cell(&t, "rides"),
        Some((31, 34)),
        "B's 3 rides are 1 to 4: {t}"
    );
    until_members(&api_r2, "Overijssel's totals", (18, 18), (2, 2)).await;
    // The nation: A once (it came directly and through both regions), B
    // through Drenthe; C's report never came.
    until_members(&api_n, "the national totals", (19, 19), (2, 2)).await;
    let fn_ = n.federation().await;
    let lines = noaber_federation::reports::for_periods(&fn_, &["2026-10".into()])
        .await
        .unwrap();
    assert_eq!(lines.len(), 2, "one report per initiative: {lines:?}");
    assert!(lines.iter().all(|l| l.origin != actor_url(&c)));
    // A's own word counts, its copies through the regions add nothing; B's
    // came through Drenthe.
    let line = |who: &TestNode| {
        lines
            .iter()
            .find(|l| l.origin == actor_url(who))
            .unwrap()
            .clone()
    };
    assert!(line(&a).via.is_empty(), "{:?}", line(&a));
    assert_eq!(line(&b).via, [actor_url(&r1)]);
    let by_region = totals(&api_n, "period=2026-10&by=region").await;
    let groups = by_region["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{by_region}");
    assert_eq!(groups[0]["key"], "Drenthe");
    let by_kind = totals(&api_n, "period=2026-10&by=kind").await;
    let kinds: Vec<&str> = by_kind["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["noaberzorgpunt", "stadsdorp"]);
    let directory = body(
        api_n
            .get("/api/v1/network/initiatives")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let names: Vec<&str> = directory
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Noaberzorgpunt Beilen", "Stadsdorp Grensland"]);
    assert_eq!(directory[0]["last_report"], "2026-10-31");

    // A corrects its figures: three more members. The totals change once.
    seeded.extend(seed_members(&api_a, "e", 3).await);
    send_report(&api_a, "2026-10", true).await;
    until_members(&api_r1, "Drenthe's corrected totals", (22, 22), (2, 3)).await;
    until_members(&api_r2, "Overijssel's corrected totals", (21, 21), (2, 2)).await;
    until_members(&api_n, "the corrected national totals", (22, 22), (2, 2)).await;
    let sent = body(api_a.get("/api/v1/reports").send().await.unwrap()).await;
    assert_eq!(sent.as_array().unwrap().len(), 1, "{sent}");

    // B takes its report back: it leaves every total, B stays known.
    let res = api_b
        .delete("/api/v1/reports/2026-10")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    until_members(&api_r1, "Drenthe without B", (15, 15), (1, 3)).await;
    until_members(&api_n, "the nation without B", (15, 15), (1, 2)).await;

    // Open data: only the totals the network chose, CSV as the JSON.
    let res = api_n
        .put("/api/v1/figures/settings")
        .json(&json!({
            "shared_metrics": [], "public_metrics": [], "open_data_metrics": ["members", "rides"],
            "round_to_five": false, "forwardable": false, "auto_send": false, "hour_rate_cents": 1471
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let open: Value = reqwest::get(n.url("/open-data/totals.json?period=2026-10"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(open["coverage"], json!({"reported": 1, "known": 2}));
    assert!(
        open["suppression_rule"]
            .as_str()
            .unwrap()
            .contains("1 to 4")
    );
    let csv = reqwest::get(n.url("/open-data/totals.csv?period=2026-10"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let totals_json = open["totals"].as_array().unwrap();
    assert_eq!(rows.len(), totals_json.len());
    assert_eq!(rows.len(), 2, "{csv}");
    for (row, cell) in rows.iter().zip(totals_json) {
        let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
        assert_eq!(col("metric"), cell["metric"].as_str().unwrap());
        assert_eq!(
            col("low").parse::<i64>().unwrap(),
            cell["low"].as_i64().unwrap()
        );
        assert_eq!(
            col("high").parse::<i64>().unwrap(),
            cell["high"].as_i64().unwrap()
        );
        assert_eq!(col("coverage_reported"), "1");
    }

    // C's report, kept in its region, still never reached the nation.
    let all = noaber_federation::reports::for_periods(&fn_, &["2026-10".into()])
        .await
        .unwrap();
    assert!(all.iter().all(|l| l.origin != actor_url(&c)), "{all:?}");

    // Nothing any node sent holds a seeded name, address or number, and
    // neither does anything a network node stored.
    for node in [&a, &b, &c, &d, &r1, &r2] {
        for activity in sent_activities(node).await {
            for s in &seeded {
                assert!(!activity.contains(s.as_str()), "{s} was sent: {activity}");
            }
        }
    }
    for node in [&n, &r1, &r2] {
        let bytes = database_bytes(node).await;
        for s in &seeded {
            assert!(
                !contains_ignoring_case(&bytes, s),
                "{s} is stored on {}",
                node.base
            );
        }
    }
}

#[tokio::test]
async fn bad_figures_are_refused_with_the_field_named_and_bad_reports_store_nothing() {
    let n = TestNode::federated(107, "Netwerk Friesland", "national").await;
    let a = TestNode::federated(108, "Stadsdorp Noord", "initiative").await;
    let stranger = TestNode::federated(109, "Buurtkracht Elders", "initiative").await;
    follow(&n, &a, true).await;
    let api = admin(&a).await;

    for bad in [json!(-1), json!(2.5), json!("veel")] {
        let res = api
            .put("/api/v1/figures/manual")
            .json(&json!({"period": "2026-10", "values": {"rides": bad}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body(res).await["field"], "rides");
    }
    // Every node serves the context of its terms at a stable path.
    let ns: Value = reqwest::get(n.url("/ns"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ns["@context"]["ImpactReport"], "noaber:ImpactReport");
    assert_eq!(ns["@context"]["forwardable"]["@id"], "noaber:forwardable");

    // The same from the command line and the pages.
    let shown = a
        .cli(&["figures", "show", "--period", "2026-10"], "")
        .await
        .unwrap();
    assert!(shown.contains("Leden\t0\tgeteld"), "{shown}");
    let err = a
        .cli(&["reports", "send", "--period", "oktober"], "")
        .await
        .unwrap_err();
    assert!(err.contains("2026-Q3"), "{err}");
    let preview = a
        .cli(&["reports", "send", "--period", "2026-10", "--preview"], "")
        .await
        .unwrap();
    assert!(preview.contains("Niets verstuurd"), "{preview}");
    let browser = a.browser();
    browser
        .login("beheerder", noaber_tests::ADMIN_PASSWORD)
        .await;
    let page = browser
        .submit(
            "/cijfers?periode=2026-10",
            "/cijfers/handmatig",
            &[("periode", "2026-10"), ("rides", "twaalf")],
        )
        .await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text().await.unwrap();
    assert!(html.contains("Vul een heel getal in"), "{html}");
    let page = browser
        .submit(
            "/cijfers?periode=2026-10",
            "/cijfers/handmatig",
            &[("periode", "2026-10"), ("rides", "12")],
        )
        .await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let html = browser
        .get("/cijfers?periode=2026-10")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Dit gaat naar het netwerk"), "{html}");
    assert!(
        html.contains(r#"data-label="Aantal">12</td>"#)
            && html.contains(r#"data-label="Wat verstuurd wordt">12</td>"#),
        "{html}"
    );
    let res = browser
        .submit(
            "/cijfers/instellingen",
            "/cijfers/instellingen",
            &[
                ("openbaar", "rides"),
                ("delen", "members"),
                ("uurtarief", "veertien"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = browser
        .submit(
            "/cijfers/instellingen",
            "/cijfers/instellingen",
            &[
                ("openbaar", "rides"),
                ("delen", "members"),
                ("uurtarief", "14,71"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let public = reqwest::get(a.url("/impact?jaar=2026")).await.unwrap();
    assert_eq!(public.status(), StatusCode::OK);
    let html = public.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("Ritten"), "{html}");
    assert!(
        !html.contains("Leden:"),
        "only the chosen figures are public"
    );

    // A period that has not ended goes only as provisional.
    let now = chrono::Utc::now();
    let running = format!("{}", now.format("%Y-%m"));
    let res = api
        .post("/api/v1/reports")
        .json(&json!({"period": running}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(res).await["field"], "period");
    let res = api
        .post("/api/v1/reports")
        .json(&json!({"period": "oktober"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = api
        .post("/api/v1/reports")
        .json(&json!({"period": running, "provisional": true}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert_eq!(status, StatusCode::CREATED, "{}", body(res).await);
    let fn_ = n.federation().await;
    eventually(20, "the provisional report arrives", || async {
        noaber_federation::reports::for_periods(&fn_, std::slice::from_ref(&running))
            .await
            .unwrap()
            .first()
            .is_some_and(|l| l.provisional)
    })
    .await;

    // Sent by itself when chosen: the month, quarter and year that ended
    // last, each once.
    let res = api
        .put("/api/v1/figures/settings")
        .json(&json!({
            "shared_metrics": ["members", "rides"], "public_metrics": [], "open_data_metrics": [],
            "round_to_five": true, "forwardable": true, "auto_send": true, "hour_rate_cents": 1471
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let db = noaber_node::db::Db::connect(&a.settings).await.unwrap();
    let fa = a.federation().await;
    assert_eq!(
        noaber_node::figures::sent::send_due(&db, &fa)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        noaber_node::figures::sent::send_due(&db, &fa)
            .await
            .unwrap(),
        0
    );
    db.close().await;
    let sent = body(api.get("/api/v1/reports").send().await.unwrap()).await;
    let periods: Vec<&str> = sent
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"].as_str().unwrap())
        .collect();
    let today = now.date_naive();
    for p in noaber_federation::figures::Period::last_ended(today) {
        assert!(
            periods.contains(&p.to_string().as_str()),
            "{p} in {periods:?}"
        );
    }
    let month = noaber_federation::figures::Period::last_ended(today)[0].to_string();
    eventually(20, "the month's report arrives", || async {
        noaber_federation::reports::for_periods(&fn_, std::slice::from_ref(&month))
            .await
            .unwrap()
            .first()
            .is_some_and(|l| !l.provisional)
    })
    .await;

    // Reports a careless or hostile server might send.
    let report = |from: &TestNode, figures: Value, period: &str| {
        let actor = actor_url(from);
        json!({
            "id": format!("{}/activities/bad-{}", from.base, rand_id()),
            "type": "Create",
            "actor": actor,
            "to": [format!("{actor}/followers")],
            "object": {
                "id": format!("{}/objects/bad-{}", from.base, rand_id()),
                "type": "ImpactReport",
                "attributedTo": actor,
                "to": [format!("{actor}/followers")],
                "period": period,
                "figures": figures,
                "forwardable": true,
                "published": "2026-01-05T09:00:00Z",
            }
        })
    };
    for (figures, period) in [
        (json!([{"metric": "members", "value": -3}]), "2025-05"),
        (json!([{"metric": "members", "value": 2.5}]), "2025-05"),
        (json!([{"metric": "names", "value": 12}]), "2025-05"),
        (
            json!([{"metric": "members", "value": 3, "suppressed": true}]),
            "2025-05",
        ),
        (json!([{"metric": "members", "value": 30}]), "2025-13"),
    ] {
        let doc = report(&a, figures, period);
        let bytes = serde_json::to_vec(&doc).unwrap();
        let res = post_signed(&a, &n, &bytes, None, None).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{doc}");
    }
    // Dated in the future, it would make every later correction look old.
    let mut future = report(&a, json!([{"metric": "members", "value": 30}]), "2025-05");
    future["object"]["published"] = json!("2030-01-01T00:00:00Z");
    let res = post_signed(&a, &n, &serde_json::to_vec(&future).unwrap(), None, None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // From a node the national node does not follow: ignored.
    let doc = report(
        &stranger,
        json!([{"metric": "members", "value": 30}]),
        "2025-05",
    );
    let res = post_signed(
        &stranger,
        &n,
        &serde_json::to_vec(&doc).unwrap(),
        None,
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    // A change to A's report by anyone but A: refused (on another host it
    // is stopped before it is read).
    let mut forged = report(&a, json!([{"metric": "members", "value": 999}]), "2025-05");
    forged["type"] = json!("Update");
    forged["actor"] = json!(actor_url(&stranger));
    forged["id"] = json!(format!("{}/activities/forged", stranger.base));
    let res = post_signed(
        &stranger,
        &n,
        &serde_json::to_vec(&forged).unwrap(),
        None,
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let stored =
        noaber_federation::reports::for_periods(&fn_, &["2025-05".into(), "2025-13".into()])
            .await
            .unwrap();
    assert!(stored.is_empty(), "{stored:?}");
}

fn rand_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
