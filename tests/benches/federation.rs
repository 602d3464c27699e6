//! Federation benchmark: signature cost, inbox throughput, fan-out to 1,000
//! follower inboxes, relaying one article from an initiative through a
//! national node to them, and the node's memory, against a real `noaber`
//! process.
//!
//! Run: `scripts/bench` (or build `target/release/noaber` first, then
//! `cargo bench -p noaber-tests --bench federation`). Options:
//! `BENCH_INBOX` (activities, default 5000), `BENCH_FOLLOWERS` (1000),
//! `NOABER_BIN` (path of the binary).
//!
//! The bare cost of signing and verifying is measured in the same run, so
//! every figure is also a ratio. The sinks that stand in for follower inboxes
//! verify every signature they receive.

use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::post;
use noaber_federation::entity::{follower, remote_actor};
use noaber_federation::keys::VerifyingKey;
use noaber_federation::{objects, signature};
use noaber_tests::bench::{env_num, free_port, noaber, node_public_key, rss_kb, serve_remote};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

struct Node {
    child: Child,
    base: String,
    data: noaber_tests::TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_node() -> Node {
    let data = noaber_tests::TempDir::new();
    let port = free_port("127.0.0.2");
    let base = format!("http://127.0.0.2:{port}");
    let status = noaber(
        &data.0,
        &[
            "setup",
            "--name",
            "Bench Node",
            "--place",
            "X",
            "--base-url",
            &base,
            "--admin-user",
            "beheer",
        ],
        &[("NOABER_ADMIN_PASSWORD", "een lang wachtwoord 42")],
    )
    .stdout(Stdio::null())
    .status()
    .expect("run noaber setup (build it first: cargo build --release -p noaber-node)");
    assert!(status.success(), "setup failed");
    let child = noaber(
        &data.0,
        &["serve", "--listen", &format!("127.0.0.2:{port}")],
        &[],
    )
    .stdout(Stdio::null())
    .spawn()
    .expect("start noaber serve");
    // Owned at once, so that the process is stopped on every path.
    let node = Node { child, base, data };
    if noaber_tests::bench::wait_ready(&node.base).await {
        return node;
    }
    panic!("node did not start");
}

#[derive(Clone)]
struct Sink {
    key: Arc<VerifyingKey>,
    received: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
    /// When the first delivery arrived.
    first: Arc<std::sync::Mutex<Option<Instant>>>,
    /// Sinks with an index below this never answer (black holes).
    dead_below: Arc<AtomicUsize>,
    /// When the `mark`-th delivery arrived.
    mark: Arc<AtomicUsize>,
    mark_at: Arc<std::sync::Mutex<Option<Instant>>>,
}

async fn sink_inbox(
    State(s): State<Sink>,
    Path(i): Path<usize>,
    method: Method,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    if i < s.dead_below.load(Ordering::SeqCst) {
        // Accept the connection, never answer.
        std::future::pending::<()>().await;
    }
    let path = format!("/inbox/{i}");
    let ok = signature::check_request(&method, &path, &headers, Some(&body), SystemTime::now())
        .and_then(|(sig, text)| signature::verify(&sig, &text, &s.key))
        .is_ok();
    if ok {
        if let Ok(mut first) = s.first.lock() {
            first.get_or_insert_with(Instant::now);
        }
        let n = s.received.fetch_add(1, Ordering::SeqCst) + 1;
        if n == s.mark.load(Ordering::SeqCst)
            && let Ok(mut at) = s.mark_at.lock()
        {
            *at = Some(Instant::now());
        }
        StatusCode::ACCEPTED
    } else {
        s.refused.fetch_add(1, Ordering::SeqCst);
        StatusCode::UNAUTHORIZED
    }
}

fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let inbox_n = env_num("BENCH_INBOX", 5000);
    let followers_n = env_num("BENCH_FOLLOWERS", 1000);

    // Bare costs, single thread.
    let noaber_tests::bench::BareSigning {
        public_pem: public,
        private_pem: private,
        key: sk,
        sign: ring_sign,
        verify: ring_verify,
    } = noaber_tests::bench::bare_signing(1000, 5000);
    let msg = noaber_tests::bench::SIGNING_STRING;
    let (rsa_sign, rsa_verify) = {
        use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
        use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
        use sha2::{Digest, Sha256};
        let k = RsaPrivateKey::from_pkcs8_pem(&private).expect("rsa key");
        let p = RsaPublicKey::from_public_key_pem(&public).expect("rsa pub");
        let t = Instant::now();
        let mut s = Vec::new();
        for _ in 0..50 {
            s = k
                .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg))
                .expect("sign");
        }
        let sign = t.elapsed() / 50;
        let t = Instant::now();
        for _ in 0..1000 {
            p.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), &s)
                .expect("verify");
        }
        (sign, t.elapsed() / 1000)
    };

    let node = start_node().await;
    let pid = node.child.id();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss = rss_kb(pid, "VmRSS:");

    // Inbox: signed activities verified, deduplicated and stored per second.
    let remote = serve_remote(public.clone()).await;
    let actor = remote.doc["id"].as_str().expect("id").to_owned();
    let node_actor = format!("{}/actor", node.base);
    let inbox = url::Url::parse(&format!("{}/inbox", node.base)).expect("inbox");
    let key_id = format!("{actor}#main-key");
    let mut requests = Vec::with_capacity(inbox_n);
    for i in 0..inbox_n {
        let body = serde_json::to_vec(&json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/{i}", remote.base), "type": "Like", "actor": actor, "object": node_actor,
        }))
        .expect("json");
        let headers = signature::sign(
            &sk,
            &key_id,
            &Method::POST,
            &inbox,
            Some(&body),
            "application/activity+json",
            SystemTime::now(),
        )
        .expect("sign");
        requests.push((headers, body));
    }
    // One request first, so the sender's actor is fetched and cached.
    let client = reqwest::Client::new();
    let warm = {
        let (h, b) = requests.remove(0);
        let mut r = client.post(inbox.as_str());
        for (k, v) in h {
            r = r.header(k, v);
        }
        r.body(b).send().await.expect("warm").status()
    };
    assert_eq!(warm, StatusCode::ACCEPTED, "warm-up activity accepted");
    let (inbox_time, inbox_done) = noaber_tests::bench::post_all(
        requests
            .into_iter()
            .map(|r| (inbox.to_string(), r))
            .collect(),
    )
    .await;
    let mut peak_rss = 0;
    peak_rss = peak_rss.max(rss_kb(pid, "VmRSS:"));

    // Fan-out: 1,000 approved followers, each its own server (its own
    // port, so its own host as far as delivery limits go).
    let live_n = followers_n - followers_n / 10;
    let sink = Sink {
        key: Arc::new(
            VerifyingKey::from_pem(&node_public_key(&node.base).await).expect("node key"),
        ),
        received: Arc::new(AtomicUsize::new(0)),
        refused: Arc::new(AtomicUsize::new(0)),
        first: Arc::new(std::sync::Mutex::new(None)),
        dead_below: Arc::new(AtomicUsize::new(0)),
        mark: Arc::new(AtomicUsize::new(live_n)),
        mark_at: Arc::new(std::sync::Mutex::new(None)),
    };
    let app = Router::new()
        .route("/inbox/{i}", post(sink_inbox))
        .with_state(sink.clone());
    let mut sink_bases = Vec::with_capacity(followers_n);
    for _ in 0..followers_n {
        let listener = tokio::net::TcpListener::bind("127.0.0.4:0")
            .await
            .expect("sink bind");
        sink_bases.push(format!("http://{}", listener.local_addr().expect("addr")));
        let app = app.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
    }
    let settings = {
        let mut s = noaber_node::Settings::with_data_dir(node.data.0.clone());
        s.federation.allow_http = true;
        s
    };
    let db = noaber_node::db::Db::connect(&settings).await.expect("db");
    let fed = noaber_node::fed::handle(&db, &settings).expect("federation handle");
    let now = chrono::Utc::now();
    for (i, sink_base) in sink_bases.iter().enumerate() {
        let actor_url = format!("{sink_base}/actors/{i}");
        remote_actor::ActiveModel {
            actor_url: Set(actor_url.clone()),
            inbox: Set(format!("{sink_base}/inbox/{i}")),
            shared_inbox: Set(None),
            name: Set(Some(format!("Follower {i}"))),
            username: Set(None),
            node_kind: Set(Some("initiative".into())),
            actor_type: Set("Organization".into()),
            public_key_pem: Set(public.clone()),
            fetched_at: Set(now),
            ..Default::default()
        }
        .insert(db.write())
        .await
        .expect("remote actor");
        follower::ActiveModel {
            actor_url: Set(actor_url),
            state: Set(noaber_federation::follows::ACCEPTED),
            follow_activity_id: Set(format!("{sink_base}/follows/{i}")),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db.write())
        .await
        .expect("follower");
    }
    let bare_sign_1000 = {
        let t = Instant::now();
        for (i, sink_base) in sink_bases.iter().enumerate() {
            let u = url::Url::parse(&format!("{sink_base}/inbox/{i}")).expect("url");
            let _ = signature::sign(
                &sk,
                &key_id,
                &Method::POST,
                &u,
                Some(b"{}"),
                "application/activity+json",
                SystemTime::now(),
            );
        }
        t.elapsed()
    };
    let t = Instant::now();
    objects::publish(
        &fed,
        &noaber_tests::news("Voor alle volgers"),
        objects::Visibility::Followers,
    )
    .await
    .expect("publish");
    let deadline = Instant::now() + Duration::from_secs(120);
    while sink.received.load(Ordering::SeqCst) < followers_n && Instant::now() < deadline {
        peak_rss = peak_rss.max(rss_kb(pid, "VmRSS:"));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let fanout = t.elapsed();
    let done_at = Instant::now();
    let delivered = sink.received.load(Ordering::SeqCst);
    let sending = sink
        .first
        .lock()
        .ok()
        .and_then(|f| *f)
        .map(|first| done_at.duration_since(first))
        .unwrap_or(fanout);
    let live_part = mark_span(&sink);

    // Relay: the node becomes a national node that follows one initiative
    // (the remote actor); one article from it goes through the node to
    // every sink, as an Announce that each sink verifies. Timed from the
    // moment the article is posted to the node's inbox.
    sink.received.store(0, Ordering::SeqCst);
    sink.dead_below.store(0, Ordering::SeqCst);
    sink.mark.store(followers_n, Ordering::SeqCst);
    if let Ok(mut f) = sink.first.lock() {
        *f = None;
    }
    if let Ok(mut m) = sink.mark_at.lock() {
        *m = None;
    }
    {
        use noaber_federation::entity::{following, local_actor};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        local_actor::Entity::update_many()
            .col_expr(
                local_actor::Column::Kind,
                sea_orm::sea_query::Expr::value("national"),
            )
            .col_expr(
                local_actor::Column::Relaying,
                sea_orm::sea_query::Expr::value(true),
            )
            .filter(local_actor::Column::Id.eq(1))
            .exec(db.write())
            .await
            .expect("make the node national");
        following::ActiveModel {
            actor_url: Set(actor.clone()),
            state: Set(noaber_federation::follows::ACCEPTED),
            follow_activity_id: Set(format!("{}/follows/bench", node.base)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db.write())
        .await
        .expect("follow the initiative");
    }
    let article = serde_json::to_vec(&json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/relay-1", remote.base),
        "type": "Create",
        "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": format!("{}/objects/relay-1", remote.base),
            "type": "Article",
            "attributedTo": actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "name": "Vervoer met vaste vrijwilligers",
            "summary": "Hoe wij de ritten regelen",
            "content": "<p>Elke rit rijdt een vaste vrijwilliger.</p>",
            "itemKind": "article",
        },
    }))
    .expect("json");
    let headers = signature::sign(
        &sk,
        &key_id,
        &Method::POST,
        &inbox,
        Some(&article),
        "application/activity+json",
        SystemTime::now(),
    )
    .expect("sign");
    let t = Instant::now();
    let mut r = client.post(inbox.as_str());
    for (k, v) in headers {
        r = r.header(k, v);
    }
    let status = r.body(article).send().await.expect("post article").status();
    assert_eq!(status, StatusCode::ACCEPTED, "the article is accepted");
    let deadline = Instant::now() + Duration::from_secs(120);
    while sink.received.load(Ordering::SeqCst) < followers_n && Instant::now() < deadline {
        peak_rss = peak_rss.max(rss_kb(pid, "VmRSS:"));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let relay = t.elapsed();
    let relayed = sink.received.load(Ordering::SeqCst);
    sink.mark.store(live_n, Ordering::SeqCst);

    // The same again with 10% of the inboxes never answering: the time
    // until the other 90% have it, from the first arrival.
    sink.received.store(0, Ordering::SeqCst);
    sink.dead_below.store(followers_n / 10, Ordering::SeqCst);
    if let Ok(mut f) = sink.first.lock() {
        *f = None;
    }
    if let Ok(mut m) = sink.mark_at.lock() {
        *m = None;
    }
    objects::publish(
        &fed,
        &noaber_tests::news("Voor alle volgers, met dode"),
        objects::Visibility::Followers,
    )
    .await
    .expect("publish");
    let deadline = Instant::now() + Duration::from_secs(120);
    while sink.received.load(Ordering::SeqCst) < live_n && Instant::now() < deadline {
        peak_rss = peak_rss.max(rss_kb(pid, "VmRSS:"));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let live_delivered = sink.received.load(Ordering::SeqCst);
    let with_dead = mark_span(&sink);

    let hwm = rss_kb(pid, "VmHWM:");

    noaber_tests::bench::print_machine();
    println!("node: release build, separate process, SQLite (WAL), 256 delivery slots, 4 per host");
    println!();
    println!("| measure | result | bare cost in this run | ratio |");
    println!("| --- | ---: | ---: | ---: |");
    println!(
        "| RSA-2048 sign, ring | {:.0} µs | | |",
        ring_sign.as_secs_f64() * 1e6
    );
    println!(
        "| RSA-2048 verify, ring | {:.0} µs | | |",
        ring_verify.as_secs_f64() * 1e6
    );
    println!(
        "| RSA-2048 sign, rsa crate (the library's path) | {:.0} µs | | {:.1}x ring |",
        rsa_sign.as_secs_f64() * 1e6,
        rsa_sign.as_secs_f64() / ring_sign.as_secs_f64()
    );
    println!(
        "| RSA-2048 verify, rsa crate | {:.0} µs | | {:.1}x ring |",
        rsa_verify.as_secs_f64() * 1e6,
        rsa_verify.as_secs_f64() / ring_verify.as_secs_f64()
    );
    let bare_verify_rate = 1.0 / ring_verify.as_secs_f64();
    let inbox_rate = per_sec(inbox_done, inbox_time);
    println!(
        "| inbox: {inbox_done} signed activities verified, deduplicated, stored | {inbox_rate:.0} /s | {bare_verify_rate:.0} verifications/s (1 core) | {:.2} of bare |",
        inbox_rate / bare_verify_rate
    );
    println!(
        "| fan-out: one activity to {delivered}/{followers_n} inboxes, verified by sinks | {:.2} s | {:.2} s to sign {followers_n} requests (1 core) | {:.2}x bare |",
        fanout.as_secs_f64(),
        bare_sign_1000.as_secs_f64(),
        fanout.as_secs_f64() / bare_sign_1000.as_secs_f64()
    );
    println!(
        "| fan-out: first to last delivery (without the pick-up delay, see note) | {:.2} s | {:.2} s | {:.2}x bare |",
        sending.as_secs_f64(),
        bare_sign_1000.as_secs_f64(),
        sending.as_secs_f64() / bare_sign_1000.as_secs_f64()
    );
    println!(
        "| fan-out: first to {live_n}th delivery, all {followers_n} answering | {:.2} s | | |",
        live_part.as_secs_f64(),
    );
    println!(
        "| fan-out: first to last of {live_delivered}/{live_n} answering inboxes while {} never answer | {:.2} s | {:.2} s (all answering) | {:.2}x |",
        followers_n / 10,
        with_dead.as_secs_f64(),
        live_part.as_secs_f64(),
        with_dead.as_secs_f64() / live_part.as_secs_f64().max(1e-6)
    );
    println!(
        "| relay: one article from an initiative, posted to this node (national), to {relayed}/{followers_n} follower sinks that verify every signature, end to end | {:.2} s | {:.2} s to sign {followers_n} requests (1 core) | {:.2}x bare |",
        relay.as_secs_f64(),
        bare_sign_1000.as_secs_f64(),
        relay.as_secs_f64() / bare_sign_1000.as_secs_f64()
    );
    println!(
        "| memory: idle node (RSS) | {:.1} MB | | |",
        idle_rss as f64 / 1024.0
    );
    println!(
        "| memory: during inbox load and fan-out (peak RSS) | {:.1} MB | | |",
        peak_rss.max(hwm) as f64 / 1024.0
    );
    if sink.refused.load(Ordering::SeqCst) > 0 {
        println!(
            "sinks refused {} deliveries (bad signature)",
            sink.refused.load(Ordering::SeqCst)
        );
    }
    db.close().await;
    drop(node);
}

/// From the first arrival to the `mark`-th.
fn mark_span(sink: &Sink) -> Duration {
    let first = sink.first.lock().ok().and_then(|f| *f);
    let at = sink.mark_at.lock().ok().and_then(|m| *m);
    match (first, at) {
        (Some(f), Some(a)) => a.duration_since(f),
        _ => Duration::ZERO,
    }
}
