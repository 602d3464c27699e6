//! Knowledge search benchmark: full-text search over 10,000 received
//! articles, asked through the JSON API of a running node, as a coordinator
//! would. The bare cost of an API request that searches nothing is
//! measured in the same run.
//!
//! Run: `scripts/bench`, or `cargo bench -p noaber-tests --bench knowledge`
//! (SQLite); with `NOABER_TEST_POSTGRES_URL` set, the node runs on that
//! PostgreSQL server instead. `BENCH_ITEMS` (default 10000) and
//! `BENCH_SEARCHES` (300) change the sizes.

use noaber_tests::bench::env_num;
use std::time::{Duration, Instant};

use activitypub_federation::traits::Object;
use noaber_federation::network_items::NetworkItem;
use noaber_tests::TestNode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// Each article is about one theme: its words come mostly from that
/// theme's list (with inflected forms), a few from another theme, and the
/// rest from a large vocabulary of other words, so that a search word is
/// in a realistic share of the articles, not in all of them.
const THEMES: &[&[&str]] = &[
    &[
        "vrijwilliger",
        "vrijwilligers",
        "inzet",
        "werving",
        "vrijwilligerswerk",
    ],
    &[
        "maaltijd",
        "maaltijden",
        "koken",
        "eettafel",
        "boodschappen",
    ],
    &[
        "vervoer",
        "ritten",
        "rit",
        "chauffeur",
        "chauffeurs",
        "rolstoelbus",
    ],
    &[
        "eenzaamheid",
        "eenzame",
        "ontmoeting",
        "koffieochtend",
        "bezoek",
    ],
    &[
        "gemeente",
        "gemeenteraad",
        "wethouder",
        "beleid",
        "subsidie",
    ],
    &[
        "zorgverzekeraar",
        "zorgverzekering",
        "contract",
        "declaratie",
        "vergoeding",
    ],
    &["wonen", "woning", "woningen", "verhuizen", "aanpassing"],
    &[
        "dagbesteding",
        "activiteit",
        "activiteiten",
        "groep",
        "programma",
    ],
    &[
        "mantelzorg",
        "mantelzorger",
        "mantelzorgers",
        "ontlasten",
        "respijt",
    ],
    &[
        "regelgeving",
        "wmo",
        "indicatie",
        "aanbesteding",
        "wetgeving",
    ],
    &["financiering", "begroting", "fonds", "fondsen", "donatie"],
    &["digitaal", "computer", "tablet", "telefoon", "internet"],
    &["tuin", "klussen", "klusjes", "reparatie", "gereedschap"],
    &[
        "huisarts",
        "wijkverpleging",
        "apotheek",
        "ziekenhuis",
        "thuiszorg",
    ],
];

const QUERIES: &[&str] = &[
    "vrijwilligers",
    "vrijwilliger",
    "maaltijden",
    "vervoer",
    "eenzaamheid",
    "gemeente",
    "zorgverzekeraar",
    "chauffeurs",
    "mantelzorg",
    "woningen",
    "vrijwilligers vervoer",
    "maaltijden boodschappen",
    "subsidie",
    "digitaal",
    "activiteiten",
    "aanbesteding",
    "dagbesteding",
    "klusjes",
    "fondsen",
    "thuiszorg",
];

/// A word of the general vocabulary: 3 000 made-up Dutch-looking words.
fn filler(rng: &mut StdRng) -> String {
    const ONSETS: &[&str] = &[
        "b", "d", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "st", "br", "sch",
        "gr", "kl", "tr",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "aa", "ee", "oo", "ij", "ou"];
    const CODAS: &[&str] = &["", "n", "r", "l", "k", "t", "s", "ng", "rt", "nd"];
    let n = rng.gen_range(0..3000u32);
    let pick = |i: u32, list: &[&str]| list[(i as usize) % list.len()].to_owned();
    format!(
        "{}{}{}{}{}",
        pick(n, ONSETS),
        pick(n / 20, VOWELS),
        pick(n / 200, CODAS),
        pick(n / 7, VOWELS),
        pick(n / 3, CODAS)
    )
}

fn text(rng: &mut StdRng, theme: usize, words: usize) -> String {
    let own = THEMES[theme];
    let other = THEMES[(theme + 1 + rng.gen_range(0..THEMES.len() - 1)) % THEMES.len()];
    (0..words)
        .map(|_| match rng.gen_range(0..100) {
            0..=11 => own[rng.gen_range(0..own.len())].to_owned(),
            12..=13 => other[rng.gen_range(0..other.len())].to_owned(),
            _ => filler(rng),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn timed(client: &reqwest::Client, url: &str, token: &str) -> (Duration, u64) {
    let t = Instant::now();
    let res = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("search request");
    assert!(
        res.status().is_success(),
        "search answered {}",
        res.status()
    );
    let body: serde_json::Value = res.json().await.expect("json");
    (t.elapsed(), body["total"].as_u64().unwrap_or(0))
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let n_items = env_num("BENCH_ITEMS", 10_000);
    let n_searches = env_num("BENCH_SEARCHES", 300);
    let database = if noaber_tests::postgres_url().is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let node = TestNode::set_up().await;
    let fed = node.federation().await;
    let data = fed.data().await.expect("library context");
    let mut rng = StdRng::seed_from_u64(7);
    let t = Instant::now();
    for i in 0..n_items {
        let origin = format!("https://init{}.example/actor", i % 50);
        let theme = rng.gen_range(0..THEMES.len());
        let item = serde_json::from_value(json!({
            "type": "Article",
            "id": format!("https://init{}.example/objects/{i}", i % 50),
            "attributedTo": origin,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "name": text(&mut rng, theme, 6),
            "summary": text(&mut rng, theme, 20),
            "content": format!("<p>{}</p><p>{}</p>", text(&mut rng, theme, 120), text(&mut rng, theme, 80)),
            "tag": [{"type": "Hashtag", "name": "#vervoer"}],
        }))
        .expect("item");
        NetworkItem::from_json(item, &data)
            .await
            .expect("store item");
    }
    let filled = t.elapsed();

    // A node that received its articles over months has had its tables
    // analysed by autovacuum; right after a bulk load it has not.
    if noaber_tests::postgres_url().is_some() {
        use sea_orm::ConnectionTrait;
        let db = noaber_node::db::Db::connect(&node.settings)
            .await
            .expect("db");
        db.write()
            .connection()
            .execute_unprepared("ANALYZE network_items")
            .await
            .expect("analyze");
    }
    let token = node.token_for("beheerder").await;
    let client = reqwest::Client::new();
    let list_url = node.url("/api/v1/network/items");
    // Warm up the connection and the caches.
    for _ in 0..20 {
        timed(&client, &list_url, &token).await;
    }
    let mut bare = Vec::with_capacity(n_searches);
    for _ in 0..n_searches {
        bare.push(timed(&client, &list_url, &token).await.0);
    }
    bare.sort();
    let mut times = Vec::with_capacity(n_searches);
    let mut found = 0;
    for i in 0..n_searches {
        let q = QUERIES[i % QUERIES.len()];
        let url = format!("{list_url}?q={}", q.replace(' ', "+"));
        let (d, total) = timed(&client, &url, &token).await;
        found += total;
        times.push(d);
    }
    times.sort();
    assert!(found > 0, "the searches found nothing");
    let (p50, p95, max) = (
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 1.0),
    );
    let (b50, b95) = (percentile(&bare, 0.5), percentile(&bare, 0.95));
    noaber_tests::bench::print_machine();
    println!(
        "node: in-process, {database}, {n_items} received articles of ~230 words (stored in {:.1} s){}",
        filled.as_secs_f64(),
        if database == "PostgreSQL" {
            ", table analysed after loading"
        } else {
            ""
        }
    );
    println!();
    println!(
        "| measure ({database}) | p50 | p95 | max | bare cost in this run (p50 / p95) | p95 ratio |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    println!(
        "| full-text search, {n_searches} queries over {n_items} articles, first page of 25, via the API | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} / {:.1} ms (the same request without a search) | {:.2}x |",
        p50.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        b50.as_secs_f64() * 1e3,
        b95.as_secs_f64() * 1e3,
        p95.as_secs_f64() / b95.as_secs_f64().max(1e-9)
    );
    println!(
        "(on average {} of the {n_items} articles matched a search)",
        found / n_searches as u64
    );
}
