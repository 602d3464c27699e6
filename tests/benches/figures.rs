//! Figures benchmark: a national node's inbox taking signed ImpactReports
//! from 1,000 followed initiatives (12 months × 20 figures each), against
//! the bare inbox rate (signed `Like`s) in the same run; then the national
//! totals, the trend, the directory and the whole dashboard page over
//! those 12,000 reports, against a bare request in the same run.
//!
//! Run: `scripts/bench` (or `cargo bench -p noaber-tests --bench figures`).
//! Options: `BENCH_INITIATIVES` (default 1000), `BENCH_MONTHS` (12),
//! `BENCH_LIKES` (bare inbox activities, 5000), `BENCH_REQUESTS` (timed
//! requests per measure, 40).

use noaber_tests::bench::env_num;
use std::time::{Duration, Instant, SystemTime};

use axum::http::{Method, StatusCode};
use noaber_federation::entity::{following, remote_actor};
use noaber_federation::keys::SigningKey;
use noaber_federation::signature;
use noaber_tests::TestNode;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

const REGIONS: [&str; 12] = [
    "Groningen",
    "Friesland",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
];
const KINDS: [&str; 5] = [
    "stadsdorp",
    "zorgcooperatie",
    "noaberzorgpunt",
    "dorpscooperatie",
    "buurtinitiatief",
];
const SCALARS: [&str; 15] = [
    "members",
    "volunteers",
    "active_volunteers",
    "requests_received",
    "requests_matched",
    "requests_completed",
    "requests_not_worked_out",
    "hours",
    "activities",
    "participants",
    "rides",
    "meals",
    "visits",
    "odd_jobs",
    "social_value_eur",
];

/// Twenty figures: fifteen metrics and five bottleneck cells; about one in
/// eight suppressed.
fn figures(i: usize, m: usize) -> Value {
    let mut out: Vec<Value> = SCALARS
        .iter()
        .enumerate()
        .map(|(k, metric)| {
            let v = (i * 7 + m * 13 + k * 31) % 400;
            if v % 8 == 1 {
                json!({"metric": metric, "suppressed": true})
            } else {
                json!({"metric": metric, "value": v + 5})
            }
        })
        .collect();
    for (metric, category) in [
        ("bottlenecks_open", "vog"),
        ("bottlenecks_open", "vervoer"),
        ("bottlenecks_open", "financiering"),
        ("bottlenecks_solved", "vog"),
        ("bottlenecks_solved", "huisvesting"),
    ] {
        out.push(json!({"metric": metric, "category": category, "value": (i + m) % 3}));
    }
    Value::Array(out)
}

use noaber_tests::bench::Signed;

fn sign_all(key: &SigningKey, inbox: &url::Url, bodies: Vec<(String, Vec<u8>)>) -> Vec<Signed> {
    bodies
        .into_iter()
        .map(|(actor, body)| {
            let headers = signature::sign(
                key,
                &format!("{actor}#main-key"),
                &Method::POST,
                inbox,
                Some(&body),
                "application/activity+json",
                SystemTime::now(),
            )
            .expect("sign");
            (headers, body)
        })
        .collect()
}

/// Posts everything to the one inbox; returns the time and how many were
/// accepted.
async fn post_all(inbox: &url::Url, requests: Vec<Signed>) -> (Duration, usize) {
    noaber_tests::bench::post_all(
        requests
            .into_iter()
            .map(|r| (inbox.to_string(), r))
            .collect(),
    )
    .await
}

async fn timed(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    n: usize,
) -> Vec<Duration> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n + 3 {
        let t = Instant::now();
        let mut r = client.get(url);
        if let Some(token) = token {
            r = r.bearer_auth(token);
        }
        let res = r.send().await.expect("request");
        assert!(res.status().is_success(), "{url} answered {}", res.status());
        let _ = res.bytes().await.expect("body");
        times.push(t.elapsed());
    }
    // The first requests warm the connection and the caches.
    times.drain(..3);
    times.sort();
    times
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let n_init = env_num("BENCH_INITIATIVES", 1000);
    let months = env_num("BENCH_MONTHS", 12).clamp(1, 12);
    let n_likes = env_num("BENCH_LIKES", 5000);
    let n_req = env_num("BENCH_REQUESTS", 40);

    let node = TestNode::federated(60, "Netwerk Nederland", "national").await;
    let (public, private) = noaber_federation::keys::generate().expect("key");
    let key = SigningKey::from_pkcs8_pem(&private).expect("key");
    // The initiatives live on one server the bench stands in for; the
    // national node follows each and knows its key, so nothing is fetched.
    let remote = "http://127.0.0.61:9";
    let db = noaber_node::db::Db::connect(&node.settings)
        .await
        .expect("db");
    let now = chrono::Utc::now();
    let actors: Vec<String> = (0..n_init)
        .map(|i| format!("{remote}/actors/{i}"))
        .collect();
    for (i, actor) in actors.iter().enumerate() {
        remote_actor::ActiveModel {
            actor_url: Set(actor.clone()),
            inbox: Set(format!("{actor}/inbox")),
            name: Set(Some(format!("Initiatief {i:04}"))),
            node_kind: Set(Some("initiative".into())),
            actor_type: Set("Organization".into()),
            public_key_pem: Set(public.clone()),
            key_id: Set(Some(format!("{actor}#main-key"))),
            region: Set(Some(REGIONS[i % REGIONS.len()].into())),
            initiative_type: Set(Some(KINDS[i % KINDS.len()].into())),
            place: Set(Some(format!("Plaats {}", i % 300))),
            fetched_at: Set(now),
            ..Default::default()
        }
        .insert(db.write())
        .await
        .expect("remote actor");
        following::ActiveModel {
            actor_url: Set(actor.clone()),
            state: Set(noaber_federation::follows::ACCEPTED),
            follow_activity_id: Set(format!("{}/follows/{i}", node.base)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db.write())
        .await
        .expect("following");
    }
    db.close().await;

    let inbox = url::Url::parse(&node.url("/inbox")).expect("inbox");
    let node_actor = node.url("/actor");
    // Bare: signed Likes of the node, verified, recorded, acknowledged.
    let likes: Vec<(String, Vec<u8>)> = (0..n_likes)
        .map(|i| {
            let actor = &actors[i % n_init];
            let body = json!({
                "id": format!("{actor}/likes/{i}"), "type": "Like", "actor": actor, "object": node_actor,
            });
            (actor.clone(), serde_json::to_vec(&body).expect("json"))
        })
        .collect();
    let likes = sign_all(&key, &inbox, likes);
    let (like_time, like_ok) = post_all(&inbox, likes).await;
    assert_eq!(like_ok, n_likes, "every Like acknowledged");

    let mut reports = Vec::with_capacity(n_init * months);
    for m in 1..=months {
        for (i, actor) in actors.iter().enumerate() {
            let period = format!("2025-{m:02}");
            let body = json!({
                "id": format!("{actor}/activities/report-{period}"),
                "type": "Create",
                "actor": actor,
                "to": [format!("{actor}/followers")],
                "object": {
                    "id": format!("{actor}/reports/{period}"),
                    "type": "ImpactReport",
                    "attributedTo": actor,
                    "to": [format!("{actor}/followers")],
                    "period": period,
                    "figures": figures(i, m),
                    "forwardable": true,
                    "published": "2026-01-05T09:00:00Z",
                },
            });
            reports.push((actor.clone(), serde_json::to_vec(&body).expect("json")));
        }
    }
    let n_reports = reports.len();
    let t = Instant::now();
    let reports = sign_all(&key, &inbox, reports);
    let signing = t.elapsed();
    let (report_time, report_ok) = post_all(&inbox, reports).await;
    assert_eq!(report_ok, n_reports, "every report acknowledged");
    let fed = node.federation().await;
    let periods: Vec<String> = (1..=months).map(|m| format!("2025-{m:02}")).collect();
    let stored = noaber_federation::reports::for_periods(&fed, &periods)
        .await
        .expect("stored");
    assert_eq!(
        stored.len(),
        n_reports,
        "one stored report per initiative and month"
    );

    // Rollup.
    let last = format!("2025-{months:02}");
    let token = node.token_for("beheerder").await;
    let client = reqwest::Client::new();
    let bare = timed(&client, &node.url("/api/v1/node"), Some(&token), n_req).await;
    let totals = timed(
        &client,
        &node.url(&format!("/api/v1/network/totals?period={last}")),
        Some(&token),
        n_req,
    )
    .await;
    let check: Value = client
        .get(node.url(&format!("/api/v1/network/totals?period={last}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("totals")
        .json()
        .await
        .expect("json");
    assert_eq!(check["coverage"]["reported"].as_u64(), Some(n_init as u64));
    let by_region = timed(
        &client,
        &node.url(&format!("/api/v1/network/totals?period={last}&by=region")),
        Some(&token),
        n_req,
    )
    .await;
    let trend = timed(
        &client,
        &node.url(&format!("/api/v1/network/trend?metric=hours&period={last}")),
        Some(&token),
        n_req,
    )
    .await;
    let directory = timed(
        &client,
        &node.url("/api/v1/network/initiatives"),
        Some(&token),
        n_req,
    )
    .await;
    let browser = node.browser();
    browser
        .login("beheerder", noaber_tests::ADMIN_PASSWORD)
        .await;
    let mut page = Vec::with_capacity(n_req);
    for i in 0..n_req + 3 {
        let t = Instant::now();
        let res = browser
            .get(&format!("/cijfers/netwerk?periode={last}"))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let _ = res.text().await.expect("page");
        if i >= 3 {
            page.push(t.elapsed());
        }
    }
    page.sort();

    noaber_tests::bench::print_machine();
    println!(
        "node: in-process national node, SQLite; {n_init} followed initiatives in {} regions and {} kinds; {n_reports} reports ({months} months × {n_init}), 20 figures each",
        REGIONS.len(),
        KINDS.len()
    );
    println!();
    let like_rate = like_ok as f64 / like_time.as_secs_f64();
    let report_rate = report_ok as f64 / report_time.as_secs_f64();
    println!("| ingest (32 connections) | count | time | per second | ratio to bare |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    println!(
        "| bare: signed `Like`s, verified and recorded | {like_ok} | {:.1} s | {like_rate:.0} | 1.00 |",
        like_time.as_secs_f64()
    );
    println!(
        "| signed `Create(ImpactReport)`, checked and stored | {report_ok} | {:.1} s | {report_rate:.0} | {:.2} |",
        report_time.as_secs_f64(),
        report_rate / like_rate
    );
    println!(
        "(signing the reports beforehand took {:.1} s and is not counted)",
        signing.as_secs_f64()
    );
    println!();
    println!(
        "| rollup over {n_init} initiatives ({n_req} requests each) | p50 | p95 | max | p95 ratio to bare |"
    );
    println!("| --- | ---: | ---: | ---: | ---: |");
    let row = |name: &str, t: &[Duration]| {
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1}x |",
            ms(percentile(t, 0.5)),
            ms(percentile(t, 0.95)),
            ms(percentile(t, 1.0)),
            ms(percentile(t, 0.95)) / ms(percentile(&bare, 0.95)).max(1e-6)
        );
    };
    row("bare: `GET /api/v1/node`", &bare);
    row(
        &format!("`GET /api/v1/network/totals?period={last}`"),
        &totals,
    );
    row("the same `&by=region`", &by_region);
    row("`GET /api/v1/network/trend` (12 months)", &trend);
    row("`GET /api/v1/network/initiatives` (directory)", &directory);
    row(
        "dashboard page `/cijfers/netwerk` (totals, by region, by kind, trend chart, directory)",
        &page,
    );
}
