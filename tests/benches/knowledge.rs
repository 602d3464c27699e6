//! Knowledge search benchmark: full-text search over 10,000 received
//! articles, asked through the JSON API of a running node, as a coordinator
//! would. The bare cost of an API request that searches nothing is
//! measured in the same run.
//!
//! Run: `scripts/bench`, or `cargo bench -p noaber-tests --bench knowledge`
//! (SQLite); with `NOABER_TEST_POSTGRES_URL` set, the node runs on that
//! PostgreSQL server instead. `BENCH_ITEMS` (default 10000) and
//! `BENCH_SEARCHES` (300) change the sizes.

use std::time::{Duration, Instant};

use activitypub_federation::traits::Object;
use noaber_federation::network_items::NetworkItem;
use noaber_tests::TestNode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Words the articles are written in: the themes of the movement, with
/// inflected forms, and common Dutch words around them.
const WORDS: &[&str] = &[
    "vrijwilliger",
    "vrijwilligers",
    "maaltijd",
    "maaltijden",
    "vervoer",
    "ritten",
    "rit",
    "eenzaamheid",
    "eenzame",
    "bewoners",
    "bewoner",
    "buurt",
    "buurthuis",
    "gemeente",
    "zorgverzekeraar",
    "financiering",
    "subsidie",
    "aanvraag",
    "aanvragen",
    "wonen",
    "woning",
    "dagbesteding",
    "mantelzorg",
    "mantelzorgers",
    "ouderen",
    "oudere",
    "hulp",
    "hulpvraag",
    "boodschappen",
    "koffie",
    "ochtend",
    "middag",
    "avond",
    "samenwerking",
    "afspraken",
    "coördinator",
    "coördinatoren",
    "wijk",
    "dorp",
    "stadsdorp",
    "zorgcoöperatie",
    "netwerk",
    "regelgeving",
    "wmo",
    "verzekering",
    "vog",
    "chauffeur",
    "chauffeurs",
    "auto",
    "rolstoel",
    "ziekenhuis",
    "huisarts",
    "apotheek",
    "tuin",
    "klussen",
    "klusjes",
    "computer",
    "telefoon",
    "digitaal",
    "bijeenkomst",
    "bijeenkomsten",
    "training",
    "cursus",
    "de",
    "het",
    "een",
    "en",
    "van",
    "voor",
    "met",
    "op",
    "in",
    "wij",
    "zij",
    "onze",
    "elke",
    "week",
    "maand",
    "jaar",
    "goed",
    "beter",
    "samen",
    "zelf",
    "thuis",
    "lang",
    "gezond",
    "veilig",
    "kosten",
    "geld",
    "tijd",
    "vaste",
    "groep",
    "groepen",
    "leden",
    "lid",
    "plan",
    "aanpak",
    "oplossing",
    "oplossingen",
    "knelpunt",
    "knelpunten",
    "ervaring",
    "ervaringen",
    "gemeenteraad",
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
    "oplossingen",
    "vrijwilligers vervoer",
    "maaltijden ouderen",
    "subsidie aanvragen",
    "digitaal",
    "bijeenkomsten",
    "knelpunt",
    "dagbesteding",
    "rolstoel",
    "klusjes",
    "stadsdorp",
];

fn sentence(rng: &mut StdRng, words: usize) -> String {
    (0..words)
        .map(|_| WORDS[rng.gen_range(0..WORDS.len())])
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
        let item = serde_json::from_value(json!({
            "type": "Article",
            "id": format!("https://init{}.example/objects/{i}", i % 50),
            "attributedTo": origin,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "name": sentence(&mut rng, 6),
            "summary": sentence(&mut rng, 20),
            "content": format!("<p>{}</p><p>{}</p>", sentence(&mut rng, 120), sentence(&mut rng, 80)),
            "tag": [{"type": "Hashtag", "name": "#vervoer"}],
        }))
        .expect("item");
        NetworkItem::from_json(item, &data)
            .await
            .expect("store item");
    }
    let filled = t.elapsed();

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
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    println!(
        "machine: {} cores, {cpu}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    println!(
        "node: in-process, {database}, {n_items} received articles of ~230 words (stored in {:.1} s)",
        filled.as_secs_f64()
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
    println!("({found} results found in all)");
}
