//! Scale benchmark: a national node on PostgreSQL, as one `noaber serve`
//! process and as two on the same database, then the country at ten times
//! today's size.
//!
//! 1. Inbox: signed activities per second into one process, then into two
//!    (the requests split between them).
//! 2. Fan-out: one activity to 1,000 follower inboxes, sent by one process,
//!    then by two; the figure is the ratio.
//! 3. The country ×10: one process, 10,000 follower inboxes (1,000 hosts
//!    with 10 inboxes each); one update delivered to all, with the
//!    process's peak memory (`VmHWM`).
//!
//! The sinks verify every signature they receive. Bare costs (signing and
//! verifying one request) are measured in the same run.
//!
//! Run: `scripts/bench` (it starts a throwaway PostgreSQL cluster), or with
//! `NOABER_TEST_POSTGRES_URL` set and `target/release/noaber` built:
//! `cargo bench -p noaber-tests --bench scale`. Options: `BENCH_INBOX`
//! (3000), `BENCH_FANOUT` (1000), `BENCH_COUNTRY` (10000).

use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use noaber_federation::entity::{follower, remote_actor};
use noaber_federation::keys::{SigningKey, VerifyingKey};
use noaber_federation::{objects, signature};
use noaber_tests::bench::{env_num, free_port, noaber, node_public_key, rss_kb, serve_remote};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde_json::json;

/// One `noaber serve` process; stopped when dropped.
struct Serve {
    child: Child,
    base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(data: &std::path::Path, db_url: &str, listen: &str) -> Serve {
    let child = noaber(
        data,
        &["serve", "--listen", listen],
        &[("DATABASE_URL", db_url)],
    )
    .stdout(Stdio::null())
    .spawn()
    .expect("start noaber serve (build it first: cargo build --release -p noaber-node)");
    let node = Serve {
        child,
        base: format!("http://{listen}"),
    };
    if noaber_tests::bench::wait_ready(&node.base).await {
        return node;
    }
    panic!("node did not start");
}

/// Follower inboxes: `hosts` servers with `per_host` inboxes each; every
/// request's signature is verified, and arrivals are counted per inbox.
#[derive(Clone)]
struct Sinks {
    key: Arc<VerifyingKey>,
    per_inbox: Arc<Vec<AtomicUsize>>,
    received: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

async fn sink_inbox(
    State(s): State<Sinks>,
    Path(i): Path<usize>,
    method: Method,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let path = format!("/inbox/{i}");
    let ok = signature::check_request(&method, &path, &headers, Some(&body), SystemTime::now())
        .and_then(|(sig, text)| signature::verify(&sig, &text, &s.key))
        .is_ok();
    if ok && let Some(n) = s.per_inbox.get(i) {
        n.fetch_add(1, Ordering::SeqCst);
        s.received.fetch_add(1, Ordering::SeqCst);
        StatusCode::ACCEPTED
    } else {
        s.refused.fetch_add(1, Ordering::SeqCst);
        StatusCode::UNAUTHORIZED
    }
}

impl Sinks {
    fn reset(&self) {
        self.received.store(0, Ordering::SeqCst);
        self.refused.store(0, Ordering::SeqCst);
        for n in self.per_inbox.iter() {
            n.store(0, Ordering::SeqCst);
        }
    }

    /// Inboxes among the first `n` that got the activity more than once.
    fn doubles(&self, n: usize) -> usize {
        self.per_inbox
            .iter()
            .take(n)
            .filter(|c| c.load(Ordering::SeqCst) > 1)
            .count()
    }
}

/// Starts the sink servers; returns each inbox's URL, index-aligned.
async fn start_sinks(sinks: &Sinks, hosts: usize, per_host: usize) -> Vec<String> {
    let app = axum::Router::new()
        .route("/inbox/{i}", axum::routing::post(sink_inbox))
        .with_state(sinks.clone());
    let mut inboxes = Vec::with_capacity(hosts * per_host);
    for h in 0..hosts {
        let listener = tokio::net::TcpListener::bind("127.0.0.4:0")
            .await
            .expect("sink bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let app = app.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        for k in 0..per_host {
            inboxes.push(format!("{base}/inbox/{}", h * per_host + k));
        }
    }
    inboxes
}

/// Makes `inboxes[from..to]` approved followers of the node.
async fn add_followers(db: &noaber_node::db::Db, inboxes: &[String], from: usize, to: usize) {
    let now = chrono::Utc::now();
    let public = "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----".to_owned();
    for chunk in (from..to).collect::<Vec<_>>().chunks(500) {
        let actors = chunk.iter().map(|&i| remote_actor::ActiveModel {
            actor_url: Set(format!("{}#actor", inboxes[i])),
            inbox: Set(inboxes[i].clone()),
            shared_inbox: Set(None),
            name: Set(Some(format!("Initiatief {i}"))),
            username: Set(None),
            node_kind: Set(Some("initiative".into())),
            actor_type: Set("Organization".into()),
            public_key_pem: Set(public.clone()),
            fetched_at: Set(now),
            ..Default::default()
        });
        remote_actor::Entity::insert_many(actors)
            .exec(db.write())
            .await
            .expect("remote actors");
        let follows = chunk.iter().map(|&i| follower::ActiveModel {
            actor_url: Set(format!("{}#actor", inboxes[i])),
            state: Set(noaber_federation::follows::ACCEPTED),
            follow_activity_id: Set(format!("{}#follow", inboxes[i])),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        follower::Entity::insert_many(follows)
            .exec(db.write())
            .await
            .expect("followers");
    }
}

/// Publishes one activity to the followers through a handle on the shared
/// database (it queues; the serving processes send) and waits until `n`
/// inboxes have it. Returns the time, and the peak memory of `watch`.
async fn fan_out(
    fed: &noaber_federation::Federation,
    sinks: &Sinks,
    n: usize,
    title: &str,
    watch: &[u32],
) -> (Duration, u64) {
    sinks.reset();
    let t = Instant::now();
    objects::publish(
        fed,
        &noaber_tests::news(title),
        objects::Visibility::Followers,
    )
    .await
    .expect("publish");
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut peak = 0;
    while sinks.received.load(Ordering::SeqCst) < n && Instant::now() < deadline {
        for pid in watch {
            peak = peak.max(rss_kb(*pid, "VmRSS:"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = t.elapsed();
    assert!(
        sinks.received.load(Ordering::SeqCst) >= n,
        "fan-out of '{title}' incomplete: {} of {n}",
        sinks.received.load(Ordering::SeqCst)
    );
    (took, peak)
}

/// Sends `n` signed Likes to the node's inbox, connecting to the given
/// processes in turn (as a load balancer would: the `Host` is the node's
/// own), 32 at a time; returns how many were accepted per second.
async fn inbox_rate(
    sk: &SigningKey,
    actor: &str,
    remote_base: &str,
    node_base: &str,
    targets: &[String],
    n: usize,
) -> f64 {
    let key_id = format!("{actor}#main-key");
    let inbox = url::Url::parse(&format!("{node_base}/inbox")).expect("inbox");
    let mut requests = Vec::with_capacity(n);
    for i in 0..n {
        let target = format!("{}/inbox", targets[i % targets.len()]);
        let body = serde_json::to_vec(&json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{remote_base}/activities/{}/{i}", targets.len()),
            "type": "Like", "actor": actor, "object": format!("{node_base}/actor"),
        }))
        .expect("json");
        let headers = signature::sign(
            sk,
            &key_id,
            &Method::POST,
            &inbox,
            Some(&body),
            "application/activity+json",
            SystemTime::now(),
        )
        .expect("sign");
        requests.push((target, (headers, body)));
    }
    let (took, accepted) = noaber_tests::bench::post_all(requests).await;
    assert_eq!(accepted, n, "activities refused by the inbox");
    accepted as f64 / took.as_secs_f64()
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let inbox_n = env_num("BENCH_INBOX", 3000);
    let fanout_n = env_num("BENCH_FANOUT", 1000);
    let country_n = env_num("BENCH_COUNTRY", 10_000).max(fanout_n);
    let admin_url = noaber_tests::postgres_url()
        .expect("NOABER_TEST_POSTGRES_URL: this benchmark runs on PostgreSQL");

    // A database of its own on the server.
    let name = format!("noaber_scale_{}", std::process::id());
    let db_url = noaber_tests::create_postgres_database(&admin_url, &name).await;

    // Bare costs, one core.
    let noaber_tests::bench::BareSigning {
        public_pem: public,
        key: sk,
        sign,
        verify,
        ..
    } = noaber_tests::bench::bare_signing(500, 5000);

    // The national node: set up once, served by one process, then two.
    let data_a = noaber_tests::TempDir::new();
    let data_b = noaber_tests::TempDir::new();
    let listen_a = format!("127.0.0.2:{}", free_port("127.0.0.2"));
    let base = format!("http://{listen_a}");
    let status = noaber(
        &data_a.0,
        &[
            "setup",
            "--name",
            "Landelijk",
            "--kind",
            "national",
            "--place",
            "Utrecht",
            "--base-url",
            &base,
            "--admin-user",
            "beheer",
        ],
        &[
            ("NOABER_ADMIN_PASSWORD", "een lang wachtwoord 42"),
            ("DATABASE_URL", &db_url),
        ],
    )
    .stdout(Stdio::null())
    .status()
    .expect("run noaber setup (build it first: cargo build --release -p noaber-node)");
    assert!(status.success(), "setup failed");
    let a = serve(&data_a.0, &db_url, &listen_a).await;
    let settings = {
        let mut s = noaber_node::Settings::with_data_dir(data_a.0.clone());
        s.database.url = Some(db_url.clone());
        s.federation.allow_http = true;
        s
    };
    let db = noaber_node::db::Db::connect(&settings).await.expect("db");
    let fed = noaber_node::fed::handle(&db, &settings).expect("federation handle");

    let sinks = Sinks {
        key: Arc::new(VerifyingKey::from_pem(&node_public_key(&a.base).await).expect("key")),
        per_inbox: Arc::new((0..country_n).map(|_| AtomicUsize::new(0)).collect()),
        received: Arc::new(AtomicUsize::new(0)),
        refused: Arc::new(AtomicUsize::new(0)),
    };
    // 1,000 hosts; 10 inboxes each at country size.
    let hosts = fanout_n.min(1000);
    let inboxes = start_sinks(&sinks, hosts, country_n.div_ceil(hosts)).await;
    // The first `fanout_n` followers spread over every host.
    let order: Vec<String> = {
        let per = country_n.div_ceil(hosts);
        let mut v = Vec::with_capacity(country_n);
        for k in 0..per {
            for h in 0..hosts {
                if let Some(i) = inboxes.get(h * per + k) {
                    v.push(i.clone());
                }
            }
        }
        v
    };
    add_followers(&db, &order, 0, fanout_n).await;
    let remote = serve_remote(public.clone()).await;
    let actor = remote.doc["id"].as_str().expect("id").to_owned();

    // One process.
    let inbox_one = inbox_rate(
        &sk,
        &actor,
        &remote.base,
        &base,
        std::slice::from_ref(&a.base),
        inbox_n,
    )
    .await;
    let (fan_one, _) = fan_out(&fed, &sinks, fanout_n, "Een proces", &[]).await;
    let doubles_one = sinks.doubles(country_n);

    // Two processes on the same database, behind two addresses.
    let listen_b = format!("127.0.0.3:{}", free_port("127.0.0.3"));
    let b = serve(&data_b.0, &db_url, &listen_b).await;
    let inbox_two = inbox_rate(
        &sk,
        &actor,
        &remote.base,
        &base,
        &[a.base.clone(), b.base.clone()],
        inbox_n,
    )
    .await;
    let (fan_two, _) = fan_out(&fed, &sinks, fanout_n, "Twee processen", &[]).await;
    let doubles_two = sinks.doubles(country_n);
    drop(b);
    drop(a);

    // The country at ten times today's size, one fresh process.
    add_followers(&db, &order, fanout_n, country_n).await;
    let c = serve(&data_a.0, &db_url, &listen_a).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = c.child.id();
    let idle = rss_kb(pid, "VmRSS:");
    let (fan_country, peak_seen) = fan_out(&fed, &sinks, country_n, "Het hele land", &[pid]).await;
    let hwm = rss_kb(pid, "VmHWM:");
    let doubles_country = sinks.doubles(country_n);
    let refused = sinks.refused.load(Ordering::SeqCst);
    drop(c);
    db.close().await;
    if let Ok(admin) = sea_orm::Database::connect(admin_url.as_str()).await {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }

    noaber_tests::bench::print_machine();
    println!("| measure | result | bare cost in this run | ratio |");
    println!("| --- | ---: | ---: | ---: |");
    println!("| RSA-2048 sign, ring | {} µs | | |", sign.as_micros());
    println!("| RSA-2048 verify, ring | {} µs | | |", verify.as_micros());
    let verify_rate = 1.0 / verify.as_secs_f64();
    println!(
        "| inbox, one process: {inbox_n} signed activities | {inbox_one:.0} /s | {verify_rate:.0} verifications/s (1 core) | {:.3} of bare |",
        inbox_one / verify_rate
    );
    println!(
        "| inbox, two processes (requests split) | {inbox_two:.0} /s | | {:.2}x one process |",
        inbox_two / inbox_one
    );
    let bare_fan = sign * u32::try_from(fanout_n).unwrap_or(u32::MAX);
    println!(
        "| fan-out to {fanout_n} inboxes, one process | {:.2} s | {:.2} s to sign {fanout_n} requests (1 core) | {:.2}x bare |",
        fan_one.as_secs_f64(),
        bare_fan.as_secs_f64(),
        fan_one.as_secs_f64() / bare_fan.as_secs_f64()
    );
    println!(
        "| fan-out to {fanout_n} inboxes, two processes | {:.2} s | | {:.2}x one process |",
        fan_two.as_secs_f64(),
        fan_two.as_secs_f64() / fan_one.as_secs_f64()
    );
    let bare_country = sign * u32::try_from(country_n).unwrap_or(u32::MAX);
    println!(
        "| fan-out to {country_n} inboxes ({hosts} hosts), one process | {:.1} s | {:.1} s to sign {country_n} requests (1 core) | {:.2}x bare |",
        fan_country.as_secs_f64(),
        bare_country.as_secs_f64(),
        fan_country.as_secs_f64() / bare_country.as_secs_f64()
    );
    println!(
        "| memory of that process: idle / peak RSS seen / VmHWM | {:.1} / {:.1} / {:.1} MB | | |",
        mb(idle),
        mb(peak_seen),
        mb(hwm)
    );
    println!(
        "| inboxes that got an activity twice (one, two processes, country) | {doubles_one}, {doubles_two}, {doubles_country} | | |"
    );
    println!("| deliveries refused by the sinks (bad signature) | {refused} | | |");
}
