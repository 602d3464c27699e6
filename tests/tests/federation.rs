//! Federation between real nodes on distinct loopback addresses.

use std::future::Future;
use std::time::{Duration, SystemTime};

use axum::http::Method;
use noaber_federation::{Federation, actor, follows, inbox, objects, outbox, signature};
use noaber_tests::{TestNode, news};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Polls `check` until it returns true, for at most `secs` seconds.
pub(crate) async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn state_of(list: Vec<follows::FollowLine>, actor_url: &str) -> Option<String> {
    list.into_iter()
        .find(|f| f.actor_url == actor_url)
        .map(|f| f.state.to_string())
}

pub(crate) async fn follower_state(fed: &Federation, actor_url: &str) -> Option<String> {
    state_of(follows::followers(fed, None).await.unwrap(), actor_url).await
}

pub(crate) async fn following_state(fed: &Federation, actor_url: &str) -> Option<String> {
    state_of(follows::following(fed).await.unwrap(), actor_url).await
}

pub(crate) fn actor_url(node: &TestNode) -> String {
    format!("{}/actor", node.base)
}

/// `b` follows `a` and `a` approves; both sides agree.
pub(crate) async fn follow_and_approve(a: &TestNode, b: &TestNode) {
    let out = b
        .cli(&["follow", &format!("{}/", a.base)], "")
        .await
        .unwrap();
    assert!(out.starts_with("pending\t"), "{out}");
    let fa = a.federation().await;
    let fb = b.federation().await;
    let b_actor = actor_url(b);
    eventually(10, "the follow request arrives", || async {
        follower_state(&fa, &b_actor).await.as_deref() == Some("pending")
    })
    .await;
    a.cli(&["followers", "approve", &b_actor], "")
        .await
        .unwrap();
    let a_actor = actor_url(a);
    eventually(10, "the follower sees accepted", || async {
        following_state(&fb, &a_actor).await.as_deref() == Some("accepted")
    })
    .await;
}

#[tokio::test]
async fn discovery_documents_have_what_mastodon_and_mobilizon_need() {
    let a = TestNode::federated(2, "Stadsdorp Zuid", "initiative").await;
    let fed = a.federation().await;
    let local = actor::load(&fed).await.unwrap();
    let host = a.addr.to_string();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let wf = client
        .get(a.url(&format!(
            "/.well-known/webfinger?resource=acct:{}@{host}",
            local.row.username
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(wf.status(), StatusCode::OK);
    assert!(
        wf.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/jrd+json")
    );
    let wf: Value = wf.json().await.unwrap();
    assert_eq!(wf["subject"], format!("acct:stadsdorp_zuid@{host}"));
    let link = wf["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap();
    assert_eq!(link["type"], "application/activity+json");
    assert_eq!(link["href"], actor_url(&a));
    let unknown = client
        .get(a.url(&format!(
            "/.well-known/webfinger?resource=acct:iemand@{host}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    for accept in [
        "application/activity+json",
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    ] {
        let res = client
            .get(actor_url(&a))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/activity+json")
        );
        let doc: Value = res.json().await.unwrap();
        assert_eq!(doc["id"], actor_url(&a));
        assert_eq!(doc["type"], "Organization");
        assert_eq!(doc["preferredUsername"], "stadsdorp_zuid");
        assert_eq!(doc["name"], "Stadsdorp Zuid");
        assert_eq!(doc["nodeKind"], "initiative");
        for field in ["inbox", "outbox", "followers", "following"] {
            assert!(doc[field].as_str().unwrap().starts_with(&a.base), "{field}");
        }
        assert_eq!(doc["endpoints"]["sharedInbox"], a.url("/inbox"));
        assert_eq!(doc["publicKey"]["owner"], actor_url(&a));
        assert_eq!(
            doc["publicKey"]["id"],
            format!("{}#main-key", actor_url(&a))
        );
        assert!(
            doc["publicKey"]["publicKeyPem"]
                .as_str()
                .unwrap()
                .contains("BEGIN PUBLIC KEY")
        );
        assert!(doc["@context"][0] == "https://www.w3.org/ns/activitystreams");
    }
    // People get a page; the home URL asked for ActivityPub gives the actor.
    let page = client
        .get(actor_url(&a))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    // People get a profile page at the same address.
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("<h1>Stadsdorp Zuid</h1>"), "{html}");
    assert!(html.contains(&format!("@stadsdorp_zuid@{host}")), "{html}");
    let home = client
        .get(a.url("/"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(home.headers()["location"], "/actor");

    let links: Value = client
        .get(a.url("/.well-known/nodeinfo"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        links["links"][0]["rel"],
        "http://nodeinfo.diaspora.software/ns/schema/2.1"
    );
    let ni = client
        .get(links["links"][0]["href"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(
        ni.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("nodeinfo.diaspora.software/ns/schema/2.1")
    );
    let ni: Value = ni.json().await.unwrap();
    assert_eq!(ni["version"], "2.1");
    assert_eq!(ni["software"]["name"], "noaber");
    assert_eq!(ni["protocols"], json!(["activitypub"]));
    assert_eq!(ni["metadata"]["nodeKind"], "initiative");
    assert_eq!(
        ni["usage"]["users"]["total"], 0,
        "zeros unless the admin chooses real counts"
    );
    assert_eq!(ni["openRegistrations"], false);
    // The admin chooses real counts: only the allowed fields appear.
    actor::set_policies(&fed, None, Some(actor::UsagePolicy::Real))
        .await
        .unwrap();
    let ni: Value = client
        .get(a.url("/nodeinfo/2.1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ni["usage"]["users"]["total"], 1);
    let keys: Vec<&String> = ni["usage"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["users"]);
}

#[tokio::test]
async fn follow_request_pending_then_approved() {
    let a = TestNode::federated(2, "Stadsdorp Noord", "initiative").await;
    let b = TestNode::federated(3, "Netwerk Drenthe", "regional").await;
    // Follow by handle this time.
    let fa = a.federation().await;
    let handle = format!(
        "{}@{}",
        actor::load(&fa).await.unwrap().row.username,
        a.addr
    );
    let out = b.cli(&["follow", &handle], "").await.unwrap();
    assert!(out.starts_with("pending\t"), "{out}");
    let b_actor = actor_url(&b);
    eventually(10, "request at A", || async {
        follower_state(&fa, &b_actor).await.as_deref() == Some("pending")
    })
    .await;
    // The admin sees who asks and what kind of node it is.
    let listed = a.cli(&["followers", "list"], "").await.unwrap();
    assert_eq!(
        listed.trim(),
        format!("pending\t{b_actor}\tNetwerk Drenthe")
    );
    let json_list = a.cli(&["followers", "list", "--json"], "").await.unwrap();
    let parsed: Value = serde_json::from_str(json_list.trim()).unwrap();
    assert_eq!(parsed[0]["node_kind"], "regional");

    a.cli(&["followers", "approve", &b_actor], "")
        .await
        .unwrap();
    let fb = b.federation().await;
    let a_actor = actor_url(&a);
    eventually(10, "B sees accepted", || async {
        following_state(&fb, &a_actor).await.as_deref() == Some("accepted")
    })
    .await;
    assert!(
        b.cli(&["following", "list"], "")
            .await
            .unwrap()
            .starts_with("accepted\t")
    );
    let followers: Value = reqwest::Client::new()
        .get(format!("{a_actor}/followers"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(followers["totalItems"], 1);
}

#[tokio::test]
async fn rejection_and_removal_stop_deliveries() {
    let a = TestNode::federated(4, "Zorgcoöperatie Oost", "initiative").await;
    let b = TestNode::federated(5, "Netwerk Twente", "regional").await;
    let c = TestNode::federated(6, "Landelijk Netwerk", "national").await;
    let fa = a.federation().await;

    // B asks and is rejected.
    b.cli(&["follow", &format!("{}/", a.base)], "")
        .await
        .unwrap();
    let b_actor = actor_url(&b);
    eventually(10, "request at A", || async {
        follower_state(&fa, &b_actor).await.as_deref() == Some("pending")
    })
    .await;
    a.cli(&["followers", "reject", &b_actor], "").await.unwrap();
    let fb = b.federation().await;
    let a_actor = actor_url(&a);
    eventually(10, "B sees rejected", || async {
        following_state(&fb, &a_actor).await.as_deref() == Some("rejected")
    })
    .await;

    // C is approved, then removed.
    follow_and_approve(&a, &c).await;
    let c_actor = actor_url(&c);
    a.cli(&["followers", "remove", &c_actor], "").await.unwrap();
    let fc = c.federation().await;
    eventually(10, "C sees removal", || async {
        following_state(&fc, &a_actor).await.as_deref() == Some("rejected")
    })
    .await;

    // Nothing published afterwards goes to B or C.
    objects::publish(&fa, &news("Nieuws"), objects::Visibility::Followers)
        .await
        .unwrap();
    let (deliveries, _) = outbox::list(&fa, None, 1, 100).await.unwrap();
    let creates: Vec<_> = deliveries.iter().filter(|d| d.kind == "Create").collect();
    assert!(
        creates.is_empty(),
        "no followers, no deliveries: {creates:?}"
    );
}

/// Signs and posts an activity to `to`'s shared inbox as `from`.
pub(crate) async fn post_signed(
    from: &TestNode,
    to: &TestNode,
    body: &[u8],
    signed_body: Option<&[u8]>,
    key_pem: Option<&str>,
) -> reqwest::Response {
    let ff = from.federation().await;
    let local = actor::load(&ff).await.unwrap();
    let pem = key_pem
        .map(str::to_owned)
        .unwrap_or(local.row.private_key_pem.clone());
    let key = noaber_federation::keys::SigningKey::from_pkcs8_pem(&pem).unwrap();
    let inbox = url::Url::parse(&to.url("/inbox")).unwrap();
    let headers = signature::sign(
        &key,
        &local.key_id(),
        &Method::POST,
        &inbox,
        Some(signed_body.unwrap_or(body)),
        "application/activity+json",
        SystemTime::now(),
    )
    .unwrap();
    let mut req = reqwest::Client::new().post(inbox.as_str());
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.body(body.to_vec()).send().await.unwrap()
}

#[tokio::test]
async fn forged_and_replayed_activities_are_refused_or_ignored() {
    let a = TestNode::federated(7, "Stadsdorp West", "initiative").await;
    let b = TestNode::federated(8, "Stadsdorp Oost", "initiative").await;
    let fa = a.federation().await;
    let b_actor = actor_url(&b);
    let follow_id = format!("{}/activities/test-follow-1", b.base);
    let follow = serde_json::to_vec(&json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": follow_id, "type": "Follow", "actor": b_actor, "object": actor_url(&a),
    }))
    .unwrap();

    // Unsigned.
    let res = reqwest::Client::new()
        .post(a.url("/inbox"))
        .header("content-type", "application/activity+json")
        .body(follow.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Signed with a key that is not B's.
    let (_, stranger) = noaber_federation::keys::generate().unwrap();
    let res = post_signed(&b, &a, &follow, None, Some(&stranger)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Validly signed headers, altered body.
    let undo = serde_json::to_vec(&json!({"id": format!("{}/activities/x", b.base), "type": "Delete", "actor": b_actor, "object": b_actor})).unwrap();
    let res = post_signed(&b, &a, &undo, Some(&follow), None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("Digest"),
        "{body}"
    );

    // Spoofed origin: B signs an activity whose id is on another host.
    let spoof = serde_json::to_vec(&json!({"id": "http://127.0.0.99/activities/1", "type": "Follow", "actor": b_actor, "object": actor_url(&a)})).unwrap();
    let res = post_signed(&b, &a, &spoof, None, None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Claiming to be someone else than the key's owner.
    let other_actor = serde_json::to_vec(&json!({"id": format!("{}/activities/2", a.base), "type": "Follow", "actor": actor_url(&a), "object": actor_url(&a)})).unwrap();
    let res = post_signed(&b, &a, &other_actor, None, None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        follows::followers(&fa, None).await.unwrap().is_empty(),
        "nothing was applied"
    );

    // The real thing is accepted once; the replay is acknowledged and ignored.
    let res = post_signed(&b, &a, &follow, None, None).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(
        follower_state(&fa, &b_actor).await.as_deref(),
        Some("pending")
    );
    let undo = serde_json::to_vec(&json!({
        "id": format!("{}/activities/test-undo-1", b.base), "type": "Undo", "actor": b_actor,
        "object": {"id": follow_id, "type": "Follow", "actor": b_actor, "object": actor_url(&a)},
    }))
    .unwrap();
    assert_eq!(
        post_signed(&b, &a, &undo, None, None).await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        follower_state(&fa, &b_actor).await.as_deref(),
        Some("withdrawn")
    );
    let replay = post_signed(&b, &a, &follow, None, None).await;
    assert_eq!(replay.status(), StatusCode::ACCEPTED);
    assert_eq!(
        follower_state(&fa, &b_actor).await.as_deref(),
        Some("withdrawn"),
        "the replay changed nothing"
    );
    assert!(inbox::was_received(&fa, &follow_id).await.unwrap());

    // A blocked domain is refused outright.
    a.cli(&["block", "127.0.0.8"], "").await.unwrap();
    let again = serde_json::to_vec(&json!({"id": format!("{}/activities/3", b.base), "type": "Follow", "actor": b_actor, "object": actor_url(&a)})).unwrap();
    assert_eq!(
        post_signed(&b, &a, &again, None, None).await.status(),
        StatusCode::FORBIDDEN
    );

    // An oversized body is refused before it is read.
    let huge = vec![b' '; 300 * 1024];
    let res = reqwest::Client::new()
        .post(a.url("/inbox"))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// A signed GET of `url` as `from`.
pub(crate) async fn signed_get(from: &TestNode, url: &str) -> reqwest::Response {
    let ff = from.federation().await;
    let local = actor::load(&ff).await.unwrap();
    let key =
        noaber_federation::keys::SigningKey::from_pkcs8_pem(&local.row.private_key_pem).unwrap();
    let u = url::Url::parse(url).unwrap();
    let headers = signature::sign(
        &key,
        &local.key_id(),
        &Method::GET,
        &u,
        None,
        "",
        SystemTime::now(),
    )
    .unwrap();
    let mut req = reqwest::Client::new()
        .get(url)
        .header("accept", "application/activity+json");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn followers_only_objects_need_a_signed_fetch_by_an_approved_follower() {
    let a = TestNode::federated(9, "Stadsdorp Centrum", "initiative").await;
    let b = TestNode::federated(10, "Netwerk Utrecht", "regional").await;
    let fa = a.federation().await;
    let private = objects::publish(
        &fa,
        &news("Alleen voor volgers"),
        objects::Visibility::Followers,
    )
    .await
    .unwrap();
    let public = objects::publish(&fa, &news("Voor iedereen"), objects::Visibility::Public)
        .await
        .unwrap();

    let anon = reqwest::Client::new();
    let res = anon
        .get(&public)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/activity+json")
    );
    assert_eq!(
        anon.get(&private).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        signed_get(&b, &private).await.status(),
        StatusCode::FORBIDDEN,
        "a stranger"
    );

    follow_and_approve(&a, &b).await;
    let res = signed_get(&b, &private).await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["content"], "Alleen voor volgers");
    assert_eq!(doc["attributedTo"], actor_url(&a));

    objects::delete(&fa, &public).await.unwrap();
    let gone = anon.get(&public).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::GONE);
    let tomb: Value = gone.json().await.unwrap();
    assert_eq!(tomb["type"], "Tombstone");
    assert_eq!(tomb["id"], public);
}

#[tokio::test]
async fn a_receiver_that_was_down_gets_its_delivery_once_back() {
    let a = TestNode::federated(11, "Stadsdorp Buiten", "initiative").await;
    let b = TestNode::federated(12, "Netwerk Friesland", "regional").await;
    follow_and_approve(&a, &b).await;
    let fa = a.federation().await;
    let b_addr = b.addr;
    let (b_dir, b_settings) = b.stop().await;

    let id = objects::publish(&fa, &news("Bericht"), objects::Visibility::Followers)
        .await
        .unwrap();
    eventually(15, "a failed attempt", || async {
        let (list, _) = outbox::list(&fa, None, 1, 50).await.unwrap();
        list.iter()
            .any(|d| d.kind == "Create" && d.attempts >= 1 && d.state == "pending")
    })
    .await;

    let b = TestNode::start_again(b_dir, b_settings, b_addr).await;
    eventually(20, "delivered after B is back", || async {
        let (list, _) = outbox::list(&fa, Some("delivered"), 1, 50).await.unwrap();
        list.iter().any(|d| d.kind == "Create")
    })
    .await;
    let (list, _) = outbox::list(&fa, None, 1, 50).await.unwrap();
    let create = list.iter().find(|d| d.kind == "Create").unwrap();
    assert_eq!(create.state, "delivered");
    let fb = b.federation().await;
    assert!(inbox::was_received(&fb, &create.activity_id).await.unwrap());
    let _ = id;
}

#[tokio::test]
async fn a_sender_stopped_with_queued_deliveries_sends_them_after_restart_exactly_once() {
    let a = TestNode::federated(13, "Noaberzorgpunt Hoogeveen", "initiative").await;
    let b = TestNode::federated(14, "Netwerk Overijssel", "regional").await;
    let c = TestNode::federated(15, "Netwerk Gelderland", "regional").await;
    follow_and_approve(&a, &b).await;
    follow_and_approve(&a, &c).await;
    let (b_dir, b_settings) = {
        let addr = b.addr;
        let (d, s) = b.stop().await;
        (d, (s, addr))
    };
    let fa = a.federation().await;
    objects::publish(&fa, &news("Twee keer niet"), objects::Visibility::Followers)
        .await
        .unwrap();
    // C gets it; B is down. Then the sender itself stops.
    eventually(15, "C delivered, B waiting", || async {
        let (list, _) = outbox::list(&fa, None, 1, 50).await.unwrap();
        let creates: Vec<_> = list.iter().filter(|d| d.kind == "Create").collect();
        creates.len() == 2
            && creates.iter().any(|d| d.state == "delivered")
            && creates
                .iter()
                .any(|d| d.state == "pending" && d.attempts >= 1)
    })
    .await;
    let a_addr = a.addr;
    let (a_dir, a_settings) = a.stop().await;
    let b = TestNode::start_again(b_dir, b_settings.0, b_settings.1).await;
    let a = TestNode::start_again(a_dir, a_settings, a_addr).await;
    let fa = a.federation().await;
    eventually(20, "both delivered", || async {
        let (list, _) = outbox::list(&fa, None, 1, 50).await.unwrap();
        list.iter()
            .filter(|d| d.kind == "Create" && d.state == "delivered")
            .count()
            == 2
    })
    .await;
    let (list, _) = outbox::list(&fa, None, 1, 50).await.unwrap();
    let create_id = list
        .iter()
        .find(|d| d.kind == "Create")
        .unwrap()
        .activity_id
        .clone();
    for node in [&b, &c] {
        assert!(
            inbox::was_received(&node.federation().await, &create_id)
                .await
                .unwrap()
        );
    }
    // Exactly once: every delivery row of this activity was sent until it
    // succeeded and never after (delivered rows are final).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after, _) = outbox::list(&fa, None, 1, 50).await.unwrap();
    let attempts_b: Vec<i32> = after
        .iter()
        .filter(|d| d.activity_id == create_id)
        .map(|d| d.attempts)
        .collect();
    let before: Vec<i32> = list
        .iter()
        .filter(|d| d.activity_id == create_id)
        .map(|d| d.attempts)
        .collect();
    assert_eq!(attempts_b, before, "no sends after delivery");
}

#[tokio::test]
async fn documents_claiming_another_id_and_private_addresses_are_refused() {
    use axum::routing::get;
    let a = TestNode::federated(16, "Stadsdorp Zee", "initiative").await;
    // A server that serves an actor claiming to live elsewhere.
    let listener = tokio::net::TcpListener::bind("127.0.0.17:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/actor",
        get(|| async {
            (
                [("content-type", "application/activity+json")],
                r#"{"id":"http://127.0.0.18/actor","type":"Organization","inbox":"http://127.0.0.18/inbox","publicKey":{"id":"http://127.0.0.18/actor#main-key","owner":"http://127.0.0.18/actor","publicKeyPem":"x"}}"#,
            )
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let err = a
        .cli(&["follow", &format!("http://{addr}/actor")], "")
        .await
        .unwrap_err();
    assert!(err.contains("claims the id"), "{err}");

    // A node without allow_private may not reach loopback at all.
    let dir = noaber_tests::TempDir::new();
    let mut settings = noaber_tests::fresh_settings(&dir).await;
    settings.federation.allow_http = true;
    settings.server.listen = "127.0.0.19:0".parse().unwrap();
    let strict = TestNode::start_in(dir, settings).await;
    strict
        .cli(
            &[
                "setup",
                "--name",
                "Strikt",
                "--place",
                "X",
                "--base-url",
                &strict.base.clone(),
                "--admin-user",
                "beheer",
            ],
            noaber_tests::ADMIN_PASSWORD,
        )
        .await
        .unwrap();
    let err = strict
        .cli(&["follow", &format!("{}/actor", a.base)], "")
        .await
        .unwrap_err();
    assert!(err.contains("address refused"), "{err}");
    // And plain http needs allow_http.
    let err = a.cli(&["follow", "http://example.org/actor"], "").await;
    assert!(err.is_err());
}

#[tokio::test]
async fn the_network_page_and_api_for_admins() {
    let a = TestNode::federated(20, "Stadsdorp Dorp", "initiative").await;
    let b = TestNode::federated(21, "Netwerk Noord", "regional").await;
    let api_b = b.api(&b.token_for("beheerder").await);
    let res = api_b
        .post("/api/v1/following")
        .json(&json!({"target": format!("{}/", a.base)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let api_a = a.api(&a.token_for("beheerder").await);
    let b_actor = actor_url(&b);
    eventually(10, "request listed", || async {
        let list: Value = api_a
            .get("/api/v1/follow-requests")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list.as_array()
            .is_some_and(|l| l.iter().any(|f| f["actor_url"] == b_actor))
    })
    .await;
    let browser = a.browser();
    browser
        .login("beheerder", noaber_tests::ADMIN_PASSWORD)
        .await;
    let page = browser.get("/netwerk").await.text().await.unwrap();
    assert!(
        page.contains("Netwerk Noord")
            && page.contains("Regionaal netwerk")
            && page.contains("Goedkeuren")
    );
    let res = browser
        .submit(
            "/netwerk",
            "/netwerk/goedkeuren",
            &[("actor_url", &b_actor)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list: Value = api_a
        .get("/api/v1/followers")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["state"], "accepted");
    let bad = api_b
        .post("/api/v1/following")
        .json(&json!({"target": "geen adres"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let deliveries: Value = api_a
        .get("/api/v1/deliveries")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(deliveries["total"].as_u64().unwrap() >= 1);
    // Volunteers and coordinators have no business here.
    let coord = a.api(&a.user_with_token("co", "coordinator").await);
    assert_eq!(
        coord
            .get("/api/v1/followers")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// Makes `sink` an approved follower of the node behind `fed`, with the
/// given inbox, as if it had followed.
pub(crate) async fn add_follower(fed_db: &noaber_node::db::Db, actor_url: &str, inbox_url: &str) {
    use noaber_federation::entity::{follower, remote_actor};
    use sea_orm::{ActiveModelTrait, Set};
    let now = chrono::Utc::now();
    let (public, _) = noaber_federation::keys::generate().unwrap();
    remote_actor::ActiveModel {
        actor_url: Set(actor_url.to_owned()),
        inbox: Set(inbox_url.to_owned()),
        shared_inbox: Set(None),
        name: Set(Some("Sink".into())),
        username: Set(None),
        node_kind: Set(None),
        actor_type: Set("Service".into()),
        public_key_pem: Set(public),
        fetched_at: Set(now),
        ..Default::default()
    }
    .insert(fed_db.write())
    .await
    .unwrap();
    follower::ActiveModel {
        actor_url: Set(actor_url.to_owned()),
        state: Set(follows::ACCEPTED),
        follow_activity_id: Set(format!("{actor_url}/follow")),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(fed_db.write())
    .await
    .unwrap();
}

#[tokio::test]
async fn permanent_refusals_fail_and_long_failing_inboxes_are_probed_rarely() {
    use axum::routing::post;
    let a = TestNode::federated(22, "Stadsdorp Weigering", "initiative").await;
    // One inbox that refuses for good (410), one that is down (closed port).
    let listener = tokio::net::TcpListener::bind("127.0.0.23:0").await.unwrap();
    let gone = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let app = axum::Router::new().route("/inbox", post(|| async { StatusCode::GONE }));
        let _ = axum::serve(listener, app).await;
    });
    let down = {
        let l = std::net::TcpListener::bind("127.0.0.24:0").unwrap();
        l.local_addr().unwrap()
    };
    let db = noaber_node::db::Db::connect(&a.settings).await.unwrap();
    add_follower(
        &db,
        &format!("http://{gone}/actor"),
        &format!("http://{gone}/inbox"),
    )
    .await;
    add_follower(
        &db,
        &format!("http://{down}/actor"),
        &format!("http://{down}/inbox"),
    )
    .await;
    // The down inbox has failed for two days already.
    {
        use noaber_federation::entity::inbox_health;
        use sea_orm::{ActiveModelTrait, Set};
        inbox_health::ActiveModel {
            inbox: Set(format!("http://{down}/inbox")),
            failing_since: Set(Some(chrono::Utc::now() - chrono::Duration::days(2))),
            last_success_at: Set(None),
        }
        .insert(db.write())
        .await
        .unwrap();
    }
    let fa = a.federation().await;
    objects::publish(&fa, &news("x"), objects::Visibility::Followers)
        .await
        .unwrap();
    eventually(15, "both attempted", || async {
        let (list, _) = outbox::list(&fa, None, 1, 50).await.unwrap();
        list.iter()
            .filter(|d| d.kind == "Create" && d.attempts >= 1)
            .count()
            == 2
    })
    .await;
    let (list, _) = outbox::list(&fa, None, 1, 50).await.unwrap();
    let refused = list
        .iter()
        .find(|d| d.inbox.contains(&gone.to_string()))
        .unwrap();
    assert_eq!(refused.state, "failed", "a 410 is not retried");
    assert_eq!(refused.last_status, Some(410));
    let unreachable = list
        .iter()
        .find(|d| d.inbox.contains(&down.to_string()))
        .unwrap();
    assert_eq!(unreachable.state, "pending");
    assert!(unreachable.unreachable);
    assert!(
        unreachable.next_attempt_at > chrono::Utc::now() + chrono::Duration::hours(11),
        "probed rarely: next at {}",
        unreachable.next_attempt_at
    );
    // Both are shown to the admin.
    let listed = a.cli(&["deliveries", "list"], "").await.unwrap();
    assert!(
        listed.contains("failed\t") && listed.contains("(onbereikbaar)"),
        "{listed}"
    );
    // Retry makes them due again at once.
    let out = a.cli(&["deliveries", "retry"], "").await.unwrap();
    assert!(out.starts_with("2 "), "{out}");
    db.close().await;
}

#[tokio::test]
async fn requests_signed_for_another_server_or_about_others_follows_change_nothing() {
    let a = TestNode::federated(25, "Stadsdorp Host", "initiative").await;
    let b = TestNode::federated(26, "Stadsdorp Gast", "initiative").await;
    let fa = a.federation().await;
    let b_actor = actor_url(&b);
    follow_and_approve(&a, &b).await;

    // A request B signed for another server, replayed to A.
    let fb = b.federation().await;
    let local_b = actor::load(&fb).await.unwrap();
    let key =
        noaber_federation::keys::SigningKey::from_pkcs8_pem(&local_b.row.private_key_pem).unwrap();
    let undo = serde_json::to_vec(&json!({
        "id": format!("{}/activities/undo-elsewhere", b.base), "type": "Undo", "actor": b_actor,
        "object": {"type": "Follow", "actor": b_actor, "object": actor_url(&a)},
    }))
    .unwrap();
    let elsewhere = url::Url::parse("http://other.example/inbox").unwrap();
    let headers = signature::sign(
        &key,
        &local_b.key_id(),
        &Method::POST,
        &elsewhere,
        Some(&undo),
        "application/activity+json",
        SystemTime::now(),
    )
    .unwrap();
    let mut req = reqwest::Client::new().post(a.url("/inbox"));
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let res = req.body(undo).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        follower_state(&fa, &b_actor).await.as_deref(),
        Some("accepted")
    );

    // An Undo of B's follow of somebody else is not an unfollow of A.
    let other = serde_json::to_vec(&json!({
        "id": format!("{}/activities/undo-other", b.base), "type": "Undo", "actor": b_actor,
        "object": {"type": "Follow", "actor": b_actor, "object": "http://127.0.0.99/actor"},
    }))
    .unwrap();
    assert_eq!(
        post_signed(&b, &a, &other, None, None).await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        follower_state(&fa, &b_actor).await.as_deref(),
        Some("accepted")
    );

    // An Accept that does not name our follow is refused.
    let fake_accept = serde_json::to_vec(&json!({
        "id": format!("{}/activities/accept-x", b.base), "type": "Accept", "actor": b_actor,
        "object": "http://127.0.0.99/activities/not-ours",
    }))
    .unwrap();
    assert_eq!(
        post_signed(&b, &a, &fake_accept, None, None).await.status(),
        StatusCode::BAD_REQUEST
    );

    // Removed under a policy of automatic approval: asking again waits for a person.
    actor::set_policies(&fa, Some(actor::AutoApprove::Always), None)
        .await
        .unwrap();
    a.cli(&["followers", "remove", &b_actor], "").await.unwrap();
    let again = serde_json::to_vec(&json!({
        "id": format!("{}/activities/follow-again", b.base), "type": "Follow", "actor": b_actor, "object": actor_url(&a),
    }))
    .unwrap();
    assert_eq!(
        post_signed(&b, &a, &again, None, None).await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        follower_state(&fa, &b_actor).await.as_deref(),
        Some("pending")
    );
}
