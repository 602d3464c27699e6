//! Benchmark of the care work on SQLite: 10,000 members and 100,000 help
//! requests, lists, searches and matching suggestions, over real HTTP.
//!
//! Run: `cargo bench -p noaber-tests --bench care` (release build). Options
//! through the environment: `BENCH_MEMBERS` (10000), `BENCH_REQUESTS`
//! (100000), `BENCH_SAMPLES` (200 per case).
//!
//! Every case is measured as latency of one request after another from one
//! client, with `/healthz` measured in the same run as the bare cost of an
//! HTTP round trip on this machine, so each figure is also a ratio.

use noaber_tests::bench::env_num;
use std::time::{Duration, Instant};

use noaber_node::Application;
use noaber_node::accounts::{self, NewAccount};
use noaber_node::auth::token;
use noaber_tests::{Browser, TempDir, fresh_settings};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

struct Stats {
    p50: Duration,
    p95: Duration,
    max: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        p50: at(0.5),
        p95: at(0.95),
        max: *samples.last().unwrap_or(&Duration::ZERO),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let members = env_num("BENCH_MEMBERS", 10_000);
    let requests = env_num("BENCH_REQUESTS", 100_000);
    let samples = env_num("BENCH_SAMPLES", 200);
    let dir = TempDir::new();
    let settings = fresh_settings(&dir).await;
    let app = Application::build(settings).await.expect("start");
    let addr = app.local_addr().expect("addr");
    let db = app.state().db.clone();
    let handle = app.shutdown_handle();
    let server = tokio::spawn(app.run_until_stopped());
    let base = format!("http://{addr}");

    let t = Instant::now();
    let mut last = 0;
    let made = noaber_node::care::demo::fill(&db, members, requests, &mut |done, total| {
        let tenth = done * 10 / total.max(1);
        if tenth > last {
            last = tenth;
            eprintln!("  demo data {}%", tenth * 10);
        }
    })
    .await
    .expect("demo data");
    let fill_time = t.elapsed();

    let coord = accounts::service::create(
        &db,
        &NewAccount {
            username: "bench".into(),
            display_name: "Bench".into(),
            role: "coordinator".into(),
            password: "een lang wachtwoord 42".into(),
        },
    )
    .await
    .expect("user");
    let tok = token::create(&db, coord.id, "bench", 1)
        .await
        .expect("token")
        .token;
    let api = noaber_tests::Api {
        base: base.clone(),
        token: tok,
        client: reqwest::Client::new(),
    };
    let browser = Browser::new(&base);
    browser.login("bench", "een lang wachtwoord 42").await;

    let new_ids: Vec<i64> = {
        let page: serde_json::Value = api
            .get("/api/v1/requests?status=new&per_page=100")
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        page["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["id"].as_i64()).collect())
            .unwrap_or_default()
    };
    assert!(!new_ids.is_empty(), "demo data has new requests");
    let names = [
        "jansen", "bakker", "de vries", "piet", "annie", "smit", "0612", "zuid",
    ];
    let mut rng = StdRng::seed_from_u64(7);
    let member_pages = (members as u64).div_ceil(25).max(1);
    let request_pages = (requests as u64).div_ceil(25).max(1);

    type Case<'a> = (&'a str, Box<dyn FnMut(&mut StdRng) -> (bool, String) + 'a>);
    let cases: Vec<Case> = vec![
        (
            "baseline: GET /healthz",
            Box::new(|_| (false, "/healthz".into())),
        ),
        (
            "API members, random page",
            Box::new(|r| {
                (
                    false,
                    format!("/api/v1/members?page={}", r.gen_range(1..=member_pages)),
                )
            }),
        ),
        (
            "API members, search",
            Box::new(|r| {
                (
                    false,
                    format!(
                        "/api/v1/members?q={}",
                        names[r.gen_range(0..names.len())].replace(' ', "%20")
                    ),
                )
            }),
        ),
        (
            "API requests, random page",
            Box::new(|r| {
                (
                    false,
                    format!(
                        "/api/v1/requests?page={}",
                        r.gen_range(1..=request_pages.min(400))
                    ),
                )
            }),
        ),
        (
            "API requests, status new",
            Box::new(|_| (false, "/api/v1/requests?status=new".into())),
        ),
        (
            "API requests, search",
            Box::new(|r| {
                (
                    false,
                    format!(
                        "/api/v1/requests?q={}",
                        names[r.gen_range(0..names.len())].replace(' ', "%20")
                    ),
                )
            }),
        ),
        (
            "API suggestions for a request",
            Box::new(|r| {
                (
                    false,
                    format!(
                        "/api/v1/requests/{}/suggestions",
                        new_ids[r.gen_range(0..new_ids.len())]
                    ),
                )
            }),
        ),
        (
            "page /leden, search",
            Box::new(|r| {
                (
                    true,
                    format!(
                        "/leden?q={}",
                        names[r.gen_range(0..names.len())].replace(' ', "%20")
                    ),
                )
            }),
        ),
        (
            "page /hulpvragen, random page",
            Box::new(|r| {
                (
                    true,
                    format!(
                        "/hulpvragen?page={}",
                        r.gen_range(1..=request_pages.min(400))
                    ),
                )
            }),
        ),
        (
            "page /hulpvragen/{id} with suggestions",
            Box::new(|r| {
                (
                    true,
                    format!("/hulpvragen/{}", new_ids[r.gen_range(0..new_ids.len())]),
                )
            }),
        ),
    ];

    let mut rows = Vec::new();
    let mut baseline = Duration::from_micros(1);
    for (name, mut make) in cases {
        // Warm up caches the way a running node has them warm.
        for _ in 0..10 {
            let (page, path) = make(&mut rng);
            let _ = if page {
                browser.get(&path).await
            } else {
                api.get(&path).send().await.expect("send")
            };
        }
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples {
            let (page, path) = make(&mut rng);
            let t = Instant::now();
            let res = if page {
                browser.get(&path).await
            } else {
                api.get(&path).send().await.expect("send")
            };
            let status = res.status();
            let _ = res.bytes().await;
            times.push(t.elapsed());
            assert!(status.is_success(), "{path}: {status}");
        }
        let s = stats(times);
        if name.starts_with("baseline") {
            baseline = s.p95;
        }
        rows.push((name, s));
    }

    noaber_tests::bench::print_machine();
    println!(
        "data: {} members ({} volunteers), {} requests, {} matches, {} hour entries; filled in {:.1} s",
        made.members,
        made.volunteers,
        made.requests,
        made.matches,
        made.hour_entries,
        fill_time.as_secs_f64()
    );
    println!("samples per case: {samples}, sequential, one client, SQLite (WAL)");
    println!();
    println!("| case | p50 ms | p95 ms | max ms | p95 / baseline p95 |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, s) in &rows {
        println!(
            "| {name} | {} | {} | {} | {:.1}x |",
            ms(s.p50),
            ms(s.p95),
            ms(s.max),
            s.p95.as_secs_f64() / baseline.as_secs_f64()
        );
    }
    handle.shutdown();
    let _ = server.await;
}
