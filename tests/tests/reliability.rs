//! Federation that keeps flowing: dead peers never hold live ones back, and
//! the servers people really run (GoToSocial's key ids, Mastodon's deletes
//! and RFC 9421 signatures, LitePub relays) can talk to a node.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use noaber_federation::{follows, inbox, objects, outbox};
use noaber_tests::{TestNode, news};
use serde_json::{Value, json};

use crate::federation::{actor_url, add_follower, eventually, follower_state};
use crate::peers::Peer;

/// Inboxes that count what they receive, each on its own port (its own
/// host, as far as delivery is concerned).
async fn live_sinks(ip: &str, n: usize, got: Arc<AtomicUsize>) -> Vec<String> {
    let mut inboxes = Vec::with_capacity(n);
    for _ in 0..n {
        let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let got = got.clone();
        let app = axum::Router::new().route(
            "/inbox",
            axum::routing::post(move || {
                let got = got.clone();
                async move {
                    got.fetch_add(1, Ordering::SeqCst);
                    StatusCode::ACCEPTED
                }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        inboxes.push(format!("http://{addr}/inbox"));
    }
    inboxes
}

/// Inboxes that accept the connection and never answer.
async fn black_holes(ip: &str, n: usize) -> Vec<String> {
    let mut inboxes = Vec::with_capacity(n);
    for _ in 0..n {
        let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        inboxes.push(format!("http://{addr}/inbox"));
    }
    inboxes
}

async fn publish_note(fed: &noaber_federation::Federation, text: &str) {
    objects::publish(fed, &news(text), objects::Visibility::Followers)
        .await
        .unwrap();
}

async fn wait_for(count: &AtomicUsize, target: usize, secs: u64) -> Duration {
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    while count.load(Ordering::SeqCst) < target {
        assert!(
            Instant::now() < deadline,
            "only {} of {target} live followers received it",
            count.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    start.elapsed()
}

/// 100 live followers and 40 whose inboxes never answer: the live ones
/// get every activity while the dead ones are still hanging, also an
/// activity published while earlier deliveries to the dead ones wait. The
/// times are printed for BENCHMARKS.md; the test asserts the order of
/// events, not a time.
#[tokio::test]
async fn black_hole_followers_do_not_hold_back_live_ones() {
    let a = TestNode::federated(40, "Landelijk Netwerk", "national").await;
    // Published in the node's own process, as the node will publish: the
    // outbox worker is woken at once, and the times measure delivery only.
    let fa = a.fed.clone();
    let db = noaber_node::db::Db::connect(&a.settings).await.unwrap();
    let got = Arc::new(AtomicUsize::new(0));
    // Dead inboxes sort before the live ones, so that work taken in order
    // starts with them.
    let dead = black_holes("127.0.0.41", 40).await;
    let live = live_sinks("127.0.0.42", 100, got.clone()).await;
    for (i, inbox) in live.iter().enumerate() {
        add_follower(&db, &format!("http://127.0.0.42/live/{i}"), inbox).await;
    }
    publish_note(&fa, "zonder dode volgers").await;
    let without = wait_for(&got, 100, 60).await;

    for (i, inbox) in dead.iter().enumerate() {
        add_follower(&db, &format!("http://127.0.0.41/dead/{i}"), inbox).await;
    }
    got.store(0, Ordering::SeqCst);
    publish_note(&fa, "met dode volgers").await;
    let first = wait_for(&got, 100, 60).await;
    // The next one, while the first still waits on the dead inboxes.
    got.store(0, Ordering::SeqCst);
    publish_note(&fa, "en nog een").await;
    let second = wait_for(&got, 100, 60).await;

    // Every dead delivery is still waiting for its answer: nothing about
    // them was settled before the live ones were served.
    let (list, _) = outbox::list(&fa, None, 1, 500).await.unwrap();
    let dead_hosts: Vec<String> = dead
        .iter()
        .map(|d| d.trim_end_matches("/inbox").to_owned())
        .collect();
    let to_dead: Vec<_> = list
        .iter()
        .filter(|d| dead_hosts.iter().any(|h| d.inbox.starts_with(h)))
        .collect();
    assert_eq!(to_dead.len(), 80, "two activities to 40 dead followers");
    let settled = to_dead.iter().filter(|d| d.attempts > 0).count();
    assert_eq!(
        settled, 0,
        "the live followers waited for dead ones to time out"
    );
    println!(
        "black-hole fan-out: 100 live followers in {:.3} s without dead ones; with 40 dead ones {:.3} s ({:.2}x), and {:.3} s ({:.2}x) for the next activity",
        without.as_secs_f64(),
        first.as_secs_f64(),
        first.as_secs_f64() / without.as_secs_f64().max(0.001),
        second.as_secs_f64(),
        second.as_secs_f64() / without.as_secs_f64().max(0.001),
    );
    db.close().await;
}

/// A server that keeps failing gets an open circuit: new deliveries to it
/// wait without costing a timeout each, and it is probed later.
#[tokio::test]
async fn a_host_that_keeps_failing_is_deferred_without_a_timeout_each() {
    let a = TestNode::federated_with(43, "Stadsdorp Stroom", "initiative", |s| {
        s.federation.request_timeout_seconds = 1;
    })
    .await;
    let fa = a.federation().await;
    let db = noaber_node::db::Db::connect(&a.settings).await.unwrap();
    let dead = black_holes("127.0.0.44", 1).await;
    add_follower(&db, "http://127.0.0.44/dead", &dead[0]).await;
    publish_note(&fa, "eerste").await;
    eventually(30, "three failed attempts", || async {
        let (list, _) = outbox::list(&fa, None, 1, 50).await.unwrap();
        list.iter().any(|d| d.kind == "Create" && d.attempts >= 3)
    })
    .await;
    publish_note(&fa, "tweede").await;
    // The second activity's delivery is deferred: no attempt was spent on
    // it, and it says why it waits.
    eventually(20, "the new delivery is deferred", || async {
        let (list, _) = outbox::list(&fa, None, 1, 50).await.unwrap();
        list.iter().any(|d| {
            d.kind == "Create"
                && d.attempts == 0
                && d.state == "pending"
                && d.last_error.as_deref() == Some(outbox::DEFERRED_MESSAGE)
                && d.next_attempt_at > chrono::Utc::now()
        })
    })
    .await;
    db.close().await;
}

/// `/actor` answers JSON to everything but a request that prefers a page;
/// `discoverable` is defined in the context.
#[tokio::test]
async fn the_actor_is_json_unless_a_page_is_preferred() {
    let a = TestNode::federated(45, "Stadsdorp Sleutel", "initiative").await;
    let client = reqwest::Client::new();
    for accept in [Some("application/json"), Some("*/*"), None] {
        let mut req = client.get(actor_url(&a));
        if let Some(v) = accept {
            req = req.header("accept", v);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let ctype = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            ctype.starts_with("application/activity+json"),
            "{accept:?}: {ctype}"
        );
        let doc: Value = res.json().await.unwrap();
        assert_eq!(doc["type"], "Organization");
        assert_eq!(doc["@context"][2]["discoverable"], "toot:discoverable");
    }
    let page = client
        .get(actor_url(&a))
        .header(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

/// GoToSocial keeps keys at `/users/name/main-key`: a follow signed with
/// such a key is accepted, and so is a signed fetch that names no actor.
#[tokio::test]
async fn keys_at_their_own_address_are_accepted_when_they_belong_to_the_actor() {
    let a = TestNode::federated(46, "Stadsdorp Pad", "initiative").await;
    let fa = a.federation().await;
    let peer = Peer::start("127.0.0.47").await;
    let key_id = peer.url("/users/gts/main-key");
    let gts = peer.serve_actor("/users/gts", "Person", &key_id);
    // What GoToSocial serves at the key's address: the actor, in short.
    peer.serve(
        "/users/gts/main-key",
        StatusCode::OK,
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": gts, "type": "Person", "preferredUsername": "gts",
            "publicKey": {"id": key_id, "owner": gts, "publicKeyPem": peer.public_pem},
        }),
    );
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.url("/users/gts/follow/1"), "type": "Follow",
        "actor": gts, "object": actor_url(&a),
    });
    assert_eq!(
        peer.post_cavage(&key_id, &a.url("/inbox"), &follow).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(follower_state(&fa, &gts).await.as_deref(), Some("pending"));

    // A signed fetch names no actor: the key document names the owner.
    let private = objects::publish(
        &fa,
        &news("Alleen voor volgers"),
        objects::Visibility::Followers,
    )
    .await
    .unwrap();
    assert_eq!(
        peer.get_cavage(&key_id, &private).await,
        StatusCode::FORBIDDEN,
        "verified, but not yet approved"
    );
    follows::approve(&fa, &gts).await.unwrap();
    assert_eq!(peer.get_cavage(&key_id, &private).await, StatusCode::OK);

    // A key document on the actor's host that names the actor, while the
    // actor names another key: anyone who can place a file on that host
    // could serve such a document, so it proves nothing.
    let intruder = Peer::start("127.0.0.48").await;
    let planted = peer.url("/uploads/key.json");
    peer.serve(
        "/uploads/key.json",
        StatusCode::OK,
        json!({"id": planted, "owner": gts, "publicKeyPem": intruder.public_pem}),
    );
    let forged = json!({
        "id": peer.url("/users/gts/follow/3"), "type": "Undo", "actor": gts,
        "object": {"type": "Follow", "actor": gts, "object": actor_url(&a)},
    });
    assert_eq!(
        intruder
            .post_cavage(&planted, &a.url("/inbox"), &forged)
            .await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(follower_state(&fa, &gts).await.as_deref(), Some("accepted"));
    assert_ne!(
        intruder.get_cavage(&planted, &private).await,
        StatusCode::OK,
        "a planted key reads nothing"
    );

    // A key on another host is not the actor's.
    let other = Peer::start("127.0.0.48").await;
    let foreign_key = other.url("/keys/1");
    other.serve(
        "/keys/1",
        StatusCode::OK,
        json!({"id": foreign_key, "owner": gts, "publicKeyPem": other.public_pem}),
    );
    let follow2 = json!({
        "id": peer.url("/users/gts/follow/2"), "type": "Follow",
        "actor": gts, "object": actor_url(&a),
    });
    assert_eq!(
        other
            .post_cavage(&foreign_key, &a.url("/inbox"), &follow2)
            .await,
        StatusCode::BAD_REQUEST
    );
    // A key document on the actor's host that names another owner.
    peer.serve(
        "/keys/stolen",
        StatusCode::OK,
        json!({"id": peer.url("/keys/stolen"), "owner": peer.url("/users/else"), "publicKeyPem": peer.public_pem}),
    );
    assert_eq!(
        peer.post_cavage(&peer.url("/keys/stolen"), &a.url("/inbox"), &follow2)
            .await,
        StatusCode::BAD_REQUEST
    );
}

/// Mastodon sends the Delete of a removed account to every inbox it knows;
/// by then the account answers 410. It is acknowledged, not retried.
#[tokio::test]
async fn a_delete_from_an_actor_that_is_gone_is_acknowledged() {
    let a = TestNode::federated(49, "Stadsdorp Weg", "initiative").await;
    let peer = Peer::start("127.0.0.50").await;
    let gone = peer.url("/users/gone");
    peer.serve(
        "/users/gone",
        StatusCode::GONE,
        json!({"type": "Tombstone", "id": gone}),
    );
    let delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{gone}#delete"), "type": "Delete", "actor": gone, "object": gone,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    assert_eq!(
        peer.post_cavage(&format!("{gone}#main-key"), &a.url("/inbox"), &delete)
            .await,
        StatusCode::ACCEPTED
    );
    // Any other activity from an actor that cannot be fetched still fails.
    let follow = json!({
        "id": format!("{gone}#follow"), "type": "Follow", "actor": gone, "object": actor_url(&a),
    });
    assert_ne!(
        peer.post_cavage(&format!("{gone}#main-key"), &a.url("/inbox"), &follow)
            .await,
        StatusCode::ACCEPTED
    );
}

/// RFC 9421 signatures with an RFC 9530 Content-Digest are accepted, with
/// the same checks; the node records which form the server used.
#[tokio::test]
async fn rfc9421_signed_requests_are_verified_and_recorded() {
    let a = TestNode::federated(51, "Stadsdorp Norm", "initiative").await;
    let fa = a.federation().await;
    let peer = Peer::start("127.0.0.52").await;
    let key_id = peer.url("/users/masto#main-key");
    let masto = peer.serve_actor("/users/masto", "Person", &key_id);
    let follow = serde_json::to_vec(&json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{masto}#follows/1"), "type": "Follow", "actor": masto, "object": actor_url(&a),
    }))
    .unwrap();
    // The body altered after signing.
    let altered = serde_json::to_vec(&json!({
        "id": format!("{masto}#follows/2"), "type": "Follow", "actor": masto, "object": actor_url(&a),
    }))
    .unwrap();
    assert_eq!(
        peer.post_rfc9421(&key_id, &a.url("/inbox"), &altered, &follow)
            .await,
        StatusCode::UNAUTHORIZED
    );
    // Signed with another key.
    let stranger = Peer::start("127.0.0.52").await;
    assert_eq!(
        stranger
            .post_rfc9421(&key_id, &a.url("/inbox"), &follow, &follow)
            .await,
        StatusCode::UNAUTHORIZED
    );
    assert!(follows::followers(&fa, None).await.unwrap().is_empty());
    assert_eq!(
        peer.post_rfc9421(&key_id, &a.url("/inbox"), &follow, &follow)
            .await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        follower_state(&fa, &masto).await.as_deref(),
        Some("pending")
    );
    let servers = a.cli(&["servers"], "").await.unwrap();
    let host = peer.base.trim_start_matches("http://");
    assert!(servers.contains(&format!("{host}\trfc9421")), "{servers}");
}

/// Deduplication is per id and actor: another actor of the same server
/// cannot spend an id that a real activity will use, and ids under another
/// actor's path are refused.
#[tokio::test]
async fn an_activity_id_spent_by_another_actor_does_not_block_the_real_one() {
    let a = TestNode::federated(53, "Stadsdorp Echt", "initiative").await;
    let fa = a.federation().await;
    let peer = Peer::start("127.0.0.54").await;
    let alice = peer.serve_actor("/users/alice", "Person", &peer.url("/users/alice#main-key"));
    let mallory = peer.serve_actor(
        "/users/mallory",
        "Person",
        &peer.url("/users/mallory#main-key"),
    );
    // Mallory sends first, with the id Alice's server will use next.
    let shared_id = peer.url("/activities/follow-7");
    let by_mallory = json!({
        "id": shared_id, "type": "Like", "actor": mallory, "object": actor_url(&a),
    });
    assert_eq!(
        peer.post_cavage(
            &format!("{mallory}#main-key"),
            &a.url("/inbox"),
            &by_mallory
        )
        .await,
        StatusCode::ACCEPTED
    );
    // An id under Alice's own path is not Mallory's to use.
    let under_alice = json!({
        "id": format!("{alice}/statuses/1/activity"), "type": "Like",
        "actor": mallory, "object": actor_url(&a),
    });
    assert_eq!(
        peer.post_cavage(
            &format!("{mallory}#main-key"),
            &a.url("/inbox"),
            &under_alice
        )
        .await,
        StatusCode::BAD_REQUEST
    );
    // Alice's real follow with that id is applied.
    let follow = json!({
        "id": shared_id, "type": "Follow", "actor": alice, "object": actor_url(&a),
    });
    assert_eq!(
        peer.post_cavage(&format!("{alice}#main-key"), &a.url("/inbox"), &follow)
            .await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        follower_state(&fa, &alice).await.as_deref(),
        Some("pending")
    );
    let mut senders = inbox::received_from(&fa, &shared_id).await.unwrap();
    senders.sort();
    assert_eq!(senders, vec![alice.clone(), mallory.clone()]);
    // Alice's replay is still a replay.
    assert_eq!(
        peer.post_cavage(&format!("{alice}#main-key"), &a.url("/inbox"), &follow)
            .await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        inbox::received_from(&fa, &shared_id).await.unwrap().len(),
        2
    );
}

/// A LitePub relay accepts only `Application` actors: the instance actor
/// subscribes, the relay accepts, and what it relays is received.
#[tokio::test]
async fn the_instance_actor_subscribes_to_a_relay_that_takes_only_applications() {
    let a = TestNode::federated(55, "Stadsdorp Relay", "initiative").await;
    let fa = a.federation().await;
    let relay = Peer::relay("127.0.0.56").await;
    let relay_actor = relay.serve_actor("/actor", "Application", &relay.url("/actor#main-key"));
    let err = a
        .cli(&["relays", "add", "relay.example"], "")
        .await
        .unwrap_err();
    assert!(err.contains("geen adres van een relay"), "{err}");
    let out = a
        .cli(&["relays", "add", &relay.url("/inbox")], "")
        .await
        .unwrap();
    assert!(out.starts_with("pending\t"), "{out}");
    assert!(out.contains(&relay_actor), "{out}");

    // The relay checked who follows it, and took the Follow.
    eventually(15, "the relay receives the follow", || async {
        relay.received().iter().any(|(_, a)| a["type"] == "Follow")
    })
    .await;
    let checks = relay.follow_checks();
    assert_eq!(checks.len(), 1, "{checks:?}");
    assert_eq!(checks[0].0, a.url("/instance"));
    assert_eq!(checks[0].1, "Application");
    assert_eq!(checks[0].2, 202);
    let follow = relay
        .received()
        .into_iter()
        .find(|(_, a)| a["type"] == "Follow")
        .unwrap()
        .1;
    assert_eq!(
        follow["object"],
        "https://www.w3.org/ns/activitystreams#Public"
    );

    // The organisation itself would have been turned away.
    let org_follow = json!({
        "id": a.url("/activities/org-follow"), "type": "Follow",
        "actor": actor_url(&a), "object": relay_actor,
    });
    let status = reqwest::Client::new()
        .post(relay.url("/inbox"))
        .json(&org_follow)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The relay accepts, as ActivityRelay writes it (the Follow embedded),
    // to the shared inbox; then it follows back and relays a post.
    let accept = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": relay.url("/activities/accept-1"), "type": "Accept",
        "actor": relay_actor, "to": [a.url("/instance")],
        "object": {"id": follow["id"], "type": "Follow", "object": relay_actor, "actor": a.url("/instance")},
    });
    assert_eq!(
        relay
            .post_cavage(&relay.url("/actor#main-key"), &a.url("/inbox"), &accept)
            .await,
        StatusCode::ACCEPTED
    );
    let follow_back = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": relay.url("/activities/follow-back-1"), "type": "Follow",
        "actor": relay_actor, "object": a.url("/instance"), "to": [a.url("/instance")],
    });
    assert_eq!(
        relay
            .post_cavage(
                &relay.url("/actor#main-key"),
                &a.url("/instance/inbox"),
                &follow_back
            )
            .await,
        StatusCode::ACCEPTED
    );
    eventually(
        15,
        "the instance actor accepts the relay's follow",
        || async {
            relay.received().iter().any(|(_, x)| {
                x["type"] == "Accept"
                    && x["actor"] == a.url("/instance")
                    && x["object"]["id"] == relay.url("/activities/follow-back-1")
            })
        },
    )
    .await;
    // Nobody else may follow the instance actor.
    let stranger = Peer::start("127.0.0.58").await;
    let someone = stranger.serve_actor("/users/x", "Person", &stranger.url("/users/x#main-key"));
    let follow_instance = json!({
        "id": stranger.url("/users/x/follow/1"), "type": "Follow",
        "actor": someone, "object": a.url("/instance"),
    });
    assert_eq!(
        stranger
            .post_cavage(
                &stranger.url("/users/x#main-key"),
                &a.url("/inbox"),
                &follow_instance
            )
            .await,
        StatusCode::ACCEPTED
    );
    assert!(follows::followers(&fa, None).await.unwrap().is_empty());
    let listed = a.cli(&["relays", "list"], "").await.unwrap();
    assert!(
        listed.starts_with(&format!("accepted\t{relay_actor}")),
        "{listed}"
    );
    let api = a.api(&a.token_for("beheerder").await);
    let relays = noaber_tests::json(api.get("/api/v1/relays").send().await.unwrap()).await;
    assert_eq!(relays[0]["state"], "accepted");
    assert_eq!(relays[0]["actor_url"], relay_actor);
    let bad = api
        .post("/api/v1/relays")
        .json(&json!({"url": "geen adres"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let servers = noaber_tests::json(api.get("/api/v1/servers").send().await.unwrap()).await;
    let host = relay.base.trim_start_matches("http://");
    assert!(
        servers
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["host"] == host && s["signature"] == "draft-cavage"),
        "{servers}"
    );
    // A volunteer's or coordinator's token gets no relay list.
    let coordinator = a.api(&a.user_with_token("cora", "coordinator").await);
    assert_eq!(
        coordinator
            .get("/api/v1/relays")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let announce = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": relay.url("/activities/announce-1"), "type": "Announce",
        "actor": relay_actor, "object": "http://127.0.0.57/notes/1",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    assert_eq!(
        relay
            .post_cavage(&relay.url("/actor#main-key"), &a.url("/inbox"), &announce)
            .await,
        StatusCode::ACCEPTED
    );
    assert!(
        inbox::was_received(&fa, relay.url("/activities/announce-1").as_str())
            .await
            .unwrap()
    );

    // Unsubscribing sends Undo, signed by the instance actor.
    a.cli(&["relays", "remove", &relay_actor], "")
        .await
        .unwrap();
    eventually(15, "the relay receives the undo", || async {
        relay
            .received()
            .iter()
            .any(|(_, x)| x["type"] == "Undo" && x["actor"] == a.url("/instance"))
    })
    .await;
}
