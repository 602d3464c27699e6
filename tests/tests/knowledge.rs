//! Knowledge across a network of real nodes on loopback: one national,
//! two regional and four initiative nodes (one in both regions) and a
//! stranger; plus peers that send what a careless or hostile server might.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::federation::{actor_url, eventually, follower_state, following_state, signed_get};
use crate::peers::Peer;
use noaber_tests::{Api, TestNode, json as body};

/// `follower` follows `target`; an initiative approves by hand, a network
/// node approves by itself.
pub(crate) async fn follow(follower: &TestNode, target: &TestNode, target_is_initiative: bool) {
    follower
        .cli(&["follow", &format!("{}/", target.base)], "")
        .await
        .unwrap();
    let ft = target.federation().await;
    let ff = follower.federation().await;
    let who = actor_url(follower);
    if target_is_initiative {
        eventually(10, "the follow request arrives", || async {
            follower_state(&ft, &who).await.as_deref() == Some("pending")
        })
        .await;
        target
            .cli(&["followers", "approve", &who], "")
            .await
            .unwrap();
    }
    let whom = actor_url(target);
    eventually(10, "the follow is accepted", || async {
        following_state(&ff, &whom).await.as_deref() == Some("accepted")
    })
    .await;
}

pub(crate) async fn admin(node: &TestNode) -> Api {
    node.api(&node.token_for("beheerder").await)
}

async fn items(api: &Api, query: &str) -> Value {
    body(
        api.get(&format!("/api/v1/network/items{query}"))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// What a node's database holds: on SQLite every byte of its files (with
/// the log, so overwritten pages count too); on PostgreSQL every row of
/// every table, as text.
pub(crate) async fn database_bytes(node: &TestNode) -> Vec<u8> {
    use sea_orm::{ConnectionTrait, Statement};
    if let Some(url) = &node.settings.database.url {
        let db = sea_orm::Database::connect(url.as_str()).await.unwrap();
        let tables: Vec<String> = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT table_name::text AS t FROM information_schema.tables \
                 WHERE table_schema = 'public'",
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "t").unwrap())
            .collect();
        let mut all = Vec::new();
        for t in tables {
            let rows = db
                .query_all_raw(Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT x::text AS row FROM \"{t}\" x"),
                ))
                .await
                .unwrap();
            for r in rows {
                all.extend(r.try_get::<String>("", "row").unwrap().into_bytes());
            }
        }
        let _ = db.close().await;
        return all;
    }
    let mut all = Vec::new();
    let mut dirs = vec![node.dir.0.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.to_string_lossy().contains(".db") {
                all.extend(std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    all
}

pub(crate) fn contains_ignoring_case(haystack: &[u8], needle: &str) -> bool {
    let lower: Vec<u8> = haystack.iter().map(u8::to_ascii_lowercase).collect();
    let n = needle.to_ascii_lowercase().into_bytes();
    lower.windows(n.len()).any(|w| w == n.as_slice())
}

#[tokio::test]
async fn knowledge_reaches_the_whole_network_once_and_only_its_origin_changes_it() {
    let n = TestNode::federated(80, "Netwerk Nederland", "national").await;
    let r1 = TestNode::federated(81, "Netwerk Drenthe", "regional").await;
    let r2 = TestNode::federated(82, "Netwerk Overijssel", "regional").await;
    let a = TestNode::federated(83, "Stadsdorp Grensland", "initiative").await;
    let b = TestNode::federated(84, "Noaberzorgpunt Beilen", "initiative").await;
    let c = TestNode::federated(85, "Zorgcoöperatie Ommen", "initiative").await;
    let d = TestNode::federated(86, "Stadsdorp Zuid", "initiative").await;
    let stranger = TestNode::federated(87, "Buurtkracht Elders", "initiative").await;

    // A is a member of both regions; the regions follow their members and
    // the national node follows the regions; everyone follows the national
    // node, and B and C their own region too.
    follow(&r1, &a, true).await;
    follow(&r2, &a, true).await;
    follow(&r1, &b, true).await;
    follow(&r2, &c, true).await;
    follow(&n, &r1, false).await;
    follow(&n, &r2, false).await;
    for x in [&a, &b, &c, &d] {
        follow(x, &n, false).await;
    }
    follow(&b, &r1, false).await;
    follow(&c, &r2, false).await;

    let api_a = admin(&a).await;
    // A member whose name must not leave the node.
    let res = api_a
        .post("/api/v1/members")
        .json(&json!({"name": "Renée de Vries"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.text().await);

    // The privacy check stops a text with her name, and says where.
    let article = json!({
        "title": "Vervoer met een vaste vrijwilliger",
        "summary": "Hoe wij ritten naar het ziekenhuis regelen.",
        "body": "Elke rit rijdt een vrijwilliger. Renée de Vries plant de ritten.\n\nWoord: zwaluwstaartverbinding.",
        "themes": ["vervoer", "vrijwilligers"],
        "visibility": "public",
    });
    let res = api_a
        .post("/api/v1/articles")
        .json(&article)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err = body(res).await;
    assert_eq!(err["error"], "privacy_check");
    assert_eq!(err["hits"][0]["kind"], "member_name");
    assert_eq!(err["hits"][0]["field"], "body");
    assert_eq!(err["hits"][0]["text"], "Renée de Vries");
    assert!(err["message"].as_str().unwrap().contains("Renée de Vries"));

    let mut clean = article.clone();
    clean["body"] = json!(
        "Elke rit rijdt een vrijwilliger. Een coördinator plant de ritten.\n\nWoord: zwaluwstaartverbinding."
    );
    let res = api_a
        .post("/api/v1/articles")
        .json(&clean)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created = body(res).await;
    let local_id = created["id"].as_i64().unwrap();
    let object_id = created["object_id"].as_str().unwrap().to_owned();
    assert!(object_id.starts_with(&a.base));

    // Every other node that follows someone gets it exactly once, with its
    // origin; search finds it by an inflected word.
    let receivers = [&n, &r1, &r2, &b, &c, &d];
    let mut apis = Vec::new();
    for x in receivers {
        apis.push(admin(x).await);
    }
    for (x, api) in receivers.iter().zip(&apis) {
        eventually(30, &format!("{} receives the article", x.base), || async {
            items(api, "?q=vrijwilligers").await["total"] == 1
        })
        .await;
    }
    // Let every relay path finish before counting copies.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    for api in &apis {
        let page = items(api, "").await;
        assert_eq!(page["total"], 1, "{page}");
        let item = &page["items"][0];
        assert_eq!(item["object_id"], object_id.as_str());
        assert_eq!(item["origin"]["actor_url"], actor_url(&a));
        assert_eq!(item["origin"]["name"], "Stadsdorp Grensland");
        assert_eq!(item["origin"]["node_kind"], "initiative");
        assert_eq!(item["kind"], "article");
        assert_eq!(item["themes"], json!(["vervoer", "vrijwilligers"]));
    }
    let on_d = items(&apis[5], "").await;
    assert_eq!(on_d["items"][0]["via"], actor_url(&n), "D heard it from N");
    // The origin keeps no copy of its own; the stranger got nothing.
    let api_s = admin(&stranger).await;
    assert_eq!(items(&api_a, "").await["total"], 0);
    assert_eq!(items(&api_s, "").await["total"], 0);

    // Filters: by theme, by kind of origin, by kind.
    assert_eq!(items(&apis[3], "?theme=vervoer").await["total"], 1);
    assert_eq!(items(&apis[3], "?theme=wonen").await["total"], 0);
    assert_eq!(items(&apis[3], "?origin_kind=initiative").await["total"], 1);
    assert_eq!(items(&apis[3], "?origin_kind=national").await["total"], 0);
    assert_eq!(items(&apis[3], "?kind=event").await["total"], 0);
    let res = apis[3]
        .get("/api/v1/network/items?kind=poster")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(res).await["field"], "kind");
    let cli = b
        .cli(&["network", "items", "--search", "vrijwilligers"], "")
        .await
        .unwrap();
    assert!(cli.contains("Vervoer met een vaste vrijwilliger"), "{cli}");
    assert!(cli.contains("Stadsdorp Grensland"), "{cli}");

    // A like and a question from B reach A, beside its article.
    let b_item = items(&apis[3], "").await["items"][0]["id"]
        .as_i64()
        .unwrap();
    let res = apis[3]
        .post(&format!("/api/v1/network/items/{b_item}/like"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let res = apis[3]
        .post(&format!("/api/v1/network/items/{b_item}/questions"))
        .json(&json!({"text": "Hoe vinden jullie genoeg chauffeurs?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    // A question with a phone number is held back.
    let res = apis[3]
        .post(&format!("/api/v1/network/items/{b_item}/questions"))
        .json(&json!({"text": "Bel me op 06-12345678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(res).await["hits"][0]["kind"], "phone");
    eventually(20, "A sees the like and the question", || async {
        let r = body(
            api_a
                .get(&format!("/api/v1/articles/{local_id}/reactions"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        r["likes"] == 1 && r["questions"] == 1
    })
    .await;
    let r = body(
        api_a
            .get(&format!("/api/v1/articles/{local_id}/reactions"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let question = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "question")
        .unwrap();
    assert_eq!(question["content"], "Hoe vinden jullie genoeg chauffeurs?");
    assert_eq!(question["name"], "Noaberzorgpunt Beilen");
    // A answers; the answer reaches B beside its question, and nobody else.
    let rid = question["id"].as_i64().unwrap();
    let res = api_a
        .post(&format!(
            "/api/v1/articles/{local_id}/reactions/{rid}/answer"
        ))
        .json(&json!({"text": "Via de krant en de kerk."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    eventually(20, "B sees the answer", || async {
        let q = body(
            apis[3]
                .get(&format!("/api/v1/network/items/{b_item}/questions"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        q[0]["answer"] == "Via de krant en de kerk."
    })
    .await;
    let c_item = items(&apis[4], "").await["items"][0]["id"]
        .as_i64()
        .unwrap();
    let on_c = body(
        apis[4]
            .get(&format!("/api/v1/network/items/{c_item}/questions"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(on_c, json!([]));

    // An edit reaches everyone.
    let res = api_a
        .patch(&format!("/api/v1/articles/{local_id}"))
        .json(&json!({"title": "Vervoer met vaste vrijwilligers, bijgewerkt"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    for api in &apis {
        eventually(30, "the edit arrives", || async {
            items(api, "").await["items"][0]["title"]
                == "Vervoer met vaste vrijwilligers, bijgewerkt"
        })
        .await;
    }

    // A network-only article reaches the followers and the relays'
    // followers; neither the stranger nor an unsigned request can fetch it.
    let res = api_a
        .post("/api/v1/articles")
        .json(&json!({
            "title": "Onze afspraken met de gemeente",
            "body": "Alleen voor het netwerk.",
            "visibility": "network",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let network_id = body(res).await["object_id"].as_str().unwrap().to_owned();
    for api in &apis {
        eventually(30, "the network article arrives", || async {
            items(api, "?q=afspraken").await["total"] == 1
        })
        .await;
    }
    assert_eq!(items(&api_s, "").await["total"], 0);
    assert_eq!(
        reqwest::Client::new()
            .get(&network_id)
            .header("accept", "application/activity+json")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        signed_get(&stranger, &network_id).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(signed_get(&r1, &network_id).await.status(), StatusCode::OK);

    // A deletion leaves a tombstone everywhere and no copy of the text.
    // (The scan below does see the text while it is there.)
    assert!(contains_ignoring_case(
        &database_bytes(&b).await,
        "zwaluwstaartverbinding"
    ));
    let res = api_a
        .delete(&format!("/api/v1/articles/{local_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for api in &apis {
        eventually(30, "the deletion arrives", || async {
            items(api, "?q=vrijwilligers").await["total"] == 0
        })
        .await;
    }
    let gone = reqwest::Client::new()
        .get(&object_id)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::GONE);
    assert_eq!(body(gone).await["type"], "Tombstone");
    // Deliveries still under way settle before the files are read.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    for x in [&a, &n, &r1, &r2, &b, &c, &d] {
        let f = x.federation().await;
        f.checkpoint().await.unwrap();
        assert!(
            !contains_ignoring_case(&database_bytes(x).await, "zwaluwstaartverbinding"),
            "the deleted text is still in the database of {}",
            x.base
        );
    }
}

#[tokio::test]
async fn the_privacy_check_finds_each_kind_of_personal_detail_and_passes_clean_text() {
    let node = TestNode::federated(88, "Stadsdorp Noord", "initiative").await;
    let api = admin(&node).await;
    for (text, kind, found) in [
        ("Bel 06-12345678 voor een rit", "phone", "06-12345678"),
        ("of 020 123 45 67", "phone", "020 123 45 67"),
        (
            "Mail naar j.jansen@example.nl",
            "email",
            "j.jansen@example.nl",
        ),
        ("Adres 7941 AB 12", "postcode_house_number", "7941 AB 12"),
        ("IBAN NL91ABNA0417164300", "iban", "NL91ABNA0417164300"),
        ("BSN 111222333", "bsn", "111222333"),
    ] {
        let res = api
            .post("/api/v1/updates")
            .json(&json!({"title": "Oproep", "body": text, "visibility": "public"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        let err = body(res).await;
        assert_eq!(err["hits"][0]["kind"], kind, "{text}");
        assert_eq!(err["hits"][0]["text"], found, "{text}");
        // Confirmed on purpose, it goes.
        let res = api
            .post("/api/v1/updates")
            .json(&json!({"title": "Oproep", "body": text, "visibility": "draft"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "a draft is not checked");
    }
    let res = api
        .post("/api/v1/updates")
        .json(&json!({
            "title": "Oproep",
            "body": "Bel 06-12345678 voor een rit",
            "visibility": "public",
            "confirm_privacy_check": true,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = api
        .post("/api/v1/events")
        .json(&json!({
            "title": "Regiodag",
            "body": "Wij zoeken 12 vrijwilligers voor 340 ritten per jaar, sinds 2021.",
            "visibility": "public",
            "starts_at": "2026-12-01T19:30",
            "location": "Buurthuis De Linde",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "clean text passes");
    let event = body(res).await;
    assert_eq!(event["starts_at"], "2026-12-01T18:30:00Z");

    // Bad input names the field.
    for (payload, field) in [
        (json!({"body": "x", "visibility": "public"}), "title"),
        (
            json!({"title": "x", "body": "x", "visibility": "iedereen"}),
            "visibility",
        ),
        (
            json!({"title": "x", "body": "x", "links": ["javascript:alert(1)"]}),
            "links",
        ),
        (
            json!({"title": "x", "body": "x", "themes": ["<b>"]}),
            "themes",
        ),
        (
            json!({"title": "x", "body": "x", "starts_at": "2026-12-01T19:30"}),
            "starts_at",
        ),
    ] {
        let res = api
            .post("/api/v1/articles")
            .json(&payload)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{payload}");
        assert_eq!(body(res).await["field"], field, "{payload}");
    }
    let res = api
        .post("/api/v1/events")
        .json(&json!({"title": "x", "body": "x", "starts_at": "morgen"}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(res).await["field"], "starts_at");
    // A volunteer may read but not write.
    let volunteer = node.api(&node.user_with_token("vera", "volunteer").await);
    let res = volunteer
        .post("/api/v1/articles")
        .json(&json!({"title": "x", "body": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        volunteer
            .get("/api/v1/articles")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let list = node.cli(&["articles", "list"], "").await.unwrap();
    assert!(list.contains("event\tpublic"), "{list}");
}

/// A peer that `node` follows, with an actor and a key.
async fn followed_peer(node: &TestNode, ip: &str) -> (Peer, String, String) {
    let peer = Peer::start(ip).await;
    let actor = peer.serve_actor("/actor", "Organization", &peer.url("/actor#main-key"));
    let key_id = peer.url("/actor#main-key");
    node.cli(&["follow", &actor], "").await.unwrap();
    let follow = {
        let mut found = None;
        for _ in 0..100 {
            if let Some((_, f)) = peer
                .received()
                .into_iter()
                .find(|(_, a)| a["type"] == "Follow")
            {
                found = Some(f);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        found.expect("the follow reaches the peer")
    };
    let accept = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.url("/accepts/1"),
        "type": "Accept",
        "actor": actor,
        "object": follow,
    });
    let inbox = format!("{}/inbox", node.base);
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &accept).await,
        StatusCode::ACCEPTED
    );
    (peer, actor, key_id)
}

#[tokio::test]
async fn hostile_or_careless_servers_get_client_errors_and_change_nothing() {
    let origin = TestNode::federated(89, "Stadsdorp Oost", "initiative").await;
    let node = TestNode::federated(90, "Netwerk Friesland", "regional").await;
    follow(&node, &origin, true).await;
    let api = admin(&node).await;
    let res = admin(&origin)
        .await
        .post("/api/v1/articles")
        .json(&json!({"title": "Maaltijden aan huis", "body": "Zo koken wij.", "visibility": "public"}))
        .send()
        .await
        .unwrap();
    let object_id = body(res).await["object_id"].as_str().unwrap().to_owned();
    eventually(20, "the article arrives", || async {
        items(&api, "").await["total"] == 1
    })
    .await;

    let (peer, peer_actor, key_id) = followed_peer(&node, "127.0.0.91").await;
    let inbox = format!("{}/inbox", node.base);
    let id = |n: &str| peer.url(&format!("/activities/{n}"));

    // Another server may not delete or change the origin's item.
    let delete = json!({
        "id": id("del"), "type": "Delete", "actor": peer_actor,
        "object": object_id,
    });
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &delete).await,
        StatusCode::FORBIDDEN
    );
    let forged_update = json!({
        "id": id("upd"), "type": "Announce", "actor": peer_actor,
        "object": {
            "id": id("inner"), "type": "Update", "actor": peer_actor,
            "object": {"id": object_id, "type": "Article", "attributedTo": actor_url(&origin),
                       "name": "Overgenomen", "content": "weg ermee"},
        },
    });
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &forged_update).await,
        StatusCode::FORBIDDEN
    );
    // Even naming the origin as the actor of what it wraps, a relay's word
    // is not taken: the origin is asked, and it still serves its own text.
    let origin_actor = actor_url(&origin);
    let posing = json!({
        "id": id("upd2"), "type": "Announce", "actor": peer_actor,
        "object": {
            "id": format!("{}/activities/forged", origin.base), "type": "Update", "actor": origin_actor,
            "object": {"id": object_id, "type": "Article", "attributedTo": origin_actor,
                       "to": ["https://www.w3.org/ns/activitystreams#Public"],
                       "name": "Overgenomen", "content": "weg ermee"},
        },
    });
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &posing).await,
        StatusCode::ACCEPTED
    );
    let posing_delete = json!({
        "id": id("del2"), "type": "Announce", "actor": peer_actor,
        "object": {"id": format!("{}/activities/forged-delete", origin.base), "type": "Delete",
                   "actor": origin_actor, "object": object_id},
    });
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &posing_delete).await,
        StatusCode::ACCEPTED
    );
    let invented = json!({
        "id": id("inv"), "type": "Announce", "actor": peer_actor,
        "object": {"id": format!("{}/activities/invented", origin.base), "type": "Create",
                   "actor": origin_actor,
                   "object": {"id": format!("{}/objects/invented", origin.base), "type": "Article",
                              "attributedTo": origin_actor,
                              "to": ["https://www.w3.org/ns/activitystreams#Public"],
                              "name": "Verzonnen", "content": "nooit geschreven"}},
    });
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &invented).await,
        StatusCode::ACCEPTED
    );
    let page = items(&api, "").await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["title"], "Maaltijden aan huis");

    // A message addressed to someone in particular is not knowledge.
    let direct = json!({
        "id": id("dm"), "type": "Create", "actor": peer_actor,
        "to": ["https://elders.example/users/jan"],
        "object": {
            "id": peer.url("/objects/dm"), "type": "Note", "attributedTo": peer_actor,
            "to": ["https://elders.example/users/jan"], "content": "Persoonlijk bericht",
        },
    });
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &direct).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(items(&api, "").await["total"], 1);

    // Received HTML loses scripts, styles, handlers, javascript: links and
    // remote images.
    let create = json!({
        "id": id("c1"), "type": "Create", "actor": peer_actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": peer.url("/objects/1"), "type": "Article", "attributedTo": peer_actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "name": "Gevaarlijk\u{0} <script>alert(1)</script>",
            "content": "<p onclick=\"x()\">Tekst<script>alert(2)</script><style>p{}</style><img src=\"https://tracker.example/p.png\"><a href=\"javascript:alert(3)\">klik</a></p>",
        },
    });
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &create).await,
        StatusCode::ACCEPTED
    );
    let page = items(&api, "?q=tekst").await;
    assert_eq!(page["total"], 1, "{page}");
    let html = page["items"][0]["content_html"].as_str().unwrap();
    for bad in ["script", "style", "onclick", "img", "javascript", "alert"] {
        assert!(!html.contains(bad), "{bad} in {html}");
        assert!(
            !page["items"][0]["title"]
                .as_str()
                .unwrap()
                .contains("<script")
        );
    }

    // An unknown type is acknowledged and ignored; so is a like of an
    // object that is not ours.
    let odd = json!({"id": id("m"), "type": "Move", "actor": peer_actor, "object": peer_actor});
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &odd).await,
        StatusCode::ACCEPTED
    );
    let like = json!({"id": id("l"), "type": "Like", "actor": peer_actor, "object": "https://elders.example/objects/9"});
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &like).await,
        StatusCode::ACCEPTED
    );

    // An announced object that cannot be fetched, or whose id is not where
    // it was fetched from, is dropped.
    let missing = json!({"id": id("a1"), "type": "Announce", "actor": peer_actor, "object": peer.url("/objects/missing")});
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &missing).await,
        StatusCode::ACCEPTED
    );
    peer.serve(
        "/objects/elsewhere",
        StatusCode::OK,
        json!({"id": peer.url("/objects/other"), "type": "Article", "attributedTo": peer_actor, "name": "Verplaatst", "content": "x"}),
    );
    let moved = json!({"id": id("a2"), "type": "Announce", "actor": peer_actor, "object": peer.url("/objects/elsewhere")});
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &moved).await,
        StatusCode::ACCEPTED
    );
    // One that can be fetched is kept, with the peer as its origin.
    peer.serve(
        "/objects/fine",
        StatusCode::OK,
        json!({"id": peer.url("/objects/fine"), "type": "Note", "attributedTo": peer_actor, "content": "<p>Opgehaald bericht</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"]}),
    );
    let fine = json!({"id": id("a3"), "type": "Announce", "actor": peer_actor, "object": peer.url("/objects/fine")});
    assert_eq!(
        peer.post_cavage(&key_id, &inbox, &fine).await,
        StatusCode::ACCEPTED
    );
    let page = items(&api, "").await;
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Opgehaald bericht"), "{titles:?}");
    assert!(!titles.contains(&"Verplaatst"), "{titles:?}");
    assert_eq!(page["total"], 3, "{titles:?}");

    // A body of 5 MB is refused before it is read.
    let big = vec![b' '; 5 * 1024 * 1024];
    assert_eq!(
        peer.post_cavage_bytes(&key_id, &inbox, big).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn mastodon_followers_of_a_national_node_get_posts_with_a_title_and_a_link() {
    let n = TestNode::federated(92, "Netwerk Nederland", "national").await;
    let peer = Peer::start("127.0.0.93").await;
    let actor = peer.serve_actor("/users/jan", "Person", &peer.url("/users/jan#main-key"));
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.url("/users/jan#follows/1"), "type": "Follow",
        "actor": actor, "object": actor_url(&n),
    });
    let inbox = format!("{}/inbox", n.base);
    assert_eq!(
        peer.post_cavage(&peer.url("/users/jan#main-key"), &inbox, &follow)
            .await,
        StatusCode::ACCEPTED
    );
    let fed = n.federation().await;
    eventually(10, "the national node approves by itself", || async {
        follower_state(&fed, &actor).await.as_deref() == Some("accepted")
    })
    .await;
    let res = admin(&n)
        .await
        .post("/api/v1/updates")
        .json(&json!({"title": "Landelijke dag op 12 maart", "body": "Iedereen is welkom.", "visibility": "public"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let local_id = body(res).await["id"].as_i64().unwrap();
    let mut create = None;
    for _ in 0..100 {
        create = peer
            .received()
            .into_iter()
            .find(|(_, a)| a["type"] == "Create")
            .map(|(_, a)| a);
        if create.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let create = create.expect("the Create reaches the follower");
    let object = &create["object"];
    // Mastodon shows an Article or Page as its name, summary and a link to
    // its url: all must be there, addressed to the public.
    assert!(matches!(object["type"].as_str(), Some("Article" | "Page")));
    assert_eq!(object["name"], "Landelijke dag op 12 maart");
    let url = object["url"].as_str().unwrap();
    assert_eq!(url, format!("{}/kennis/{local_id}", n.base));
    assert!(
        create["to"]
            .as_array()
            .unwrap()
            .contains(&json!("https://www.w3.org/ns/activitystreams#Public"))
    );
    // The link opens a page for anyone.
    let page = reqwest::get(url).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Iedereen is welkom."));
    // Fields of the wire form come only from the allow-list.
    for key in object.as_object().unwrap().keys() {
        assert!(
            [
                "id",
                "type",
                "attributedTo",
                "to",
                "cc",
                "name",
                "summary",
                "content",
                "mediaType",
                "source",
                "url",
                "published",
                "updated",
                "tag",
                "itemKind",
            ]
            .contains(&key.as_str()),
            "{key}"
        );
    }
}

#[tokio::test]
async fn bottlenecks_are_registered_counted_and_shared_with_their_category() {
    let a = TestNode::federated(94, "Stadsdorp West", "initiative").await;
    let r = TestNode::federated(95, "Netwerk Utrecht", "regional").await;
    follow(&r, &a, true).await;
    let api = admin(&a).await;
    let res = api
        .post("/api/v1/articles")
        .json(&json!({
            "title": "Zo kregen wij de VOG vergoed",
            "body": "Via de gemeente.",
            "visibility": "public",
            "bottleneck_categories": ["vog"],
        }))
        .send()
        .await
        .unwrap();
    let article = body(res).await["id"].as_i64().unwrap();

    for (payload, field) in [
        (
            json!({"title": "x", "description": "x", "category": "weer"}),
            "category",
        ),
        (
            json!({"title": "x", "description": "x", "category": "vog", "status": "half"}),
            "status",
        ),
        (
            json!({"title": "x", "description": "x", "category": "vog", "since": "ooit"}),
            "since",
        ),
        (
            json!({"title": "x", "description": "x", "category": "vog", "solved_by": 999}),
            "solved_by",
        ),
        (json!({"description": "x", "category": "vog"}), "title"),
    ] {
        let res = api
            .post("/api/v1/bottlenecks")
            .json(&payload)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{payload}");
        assert_eq!(body(res).await["field"], field, "{payload}");
    }
    let res = api
        .post("/api/v1/bottlenecks")
        .json(&json!({
            "title": "VOG voor chauffeurs kost geld",
            "category": "vog",
            "description": "Elke vrijwillige chauffeur heeft een VOG nodig.",
            "since": "1-3-2026",
            "visibility": "public",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let b = body(res).await;
    assert_eq!(b["status"], "open");
    assert_eq!(b["since"], "2026-03-01");
    let id = b["id"].as_i64().unwrap();
    let res = api
        .post("/api/v1/bottlenecks")
        .json(&json!({"title": "Geen ruimte", "category": "huisvesting", "description": "Geen buurthuis.", "status": "in_behandeling"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let counts = body(api.get("/api/v1/bottlenecks/counts").send().await.unwrap()).await;
    assert_eq!(
        counts,
        json!([
            {"category": "vog", "open": 1, "in_behandeling": 0, "opgelost": 0},
            {"category": "huisvesting", "open": 0, "in_behandeling": 1, "opgelost": 0},
        ])
    );

    // The region receives it with its category, and can filter on it.
    let api_r = admin(&r).await;
    eventually(20, "the bottleneck arrives", || async {
        items(&api_r, "?kind=bottleneck&category=vog").await["total"] == 1
    })
    .await;
    // The article that helps with VOG bottlenecks is found with them.
    eventually(20, "the article arrives too", || async {
        items(&api_r, "?category=vog").await["total"] == 2
    })
    .await;
    let bad = api
        .post("/api/v1/articles")
        .json(&json!({"title": "x", "body": "x", "bottleneck_categories": ["weer"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(bad).await["field"], "bottleneck_categories");
    let item = &items(&api_r, "?kind=bottleneck").await["items"][0];
    assert_eq!(item["status"], "open");
    assert_eq!(item["title"], "VOG voor chauffeurs kost geld");
    assert_eq!(items(&api_r, "?category=vervoer").await["total"], 0);

    // Solved by an article: the region sees the new status.
    let res = api
        .patch(&format!("/api/v1/bottlenecks/{id}"))
        .json(&json!({"status": "opgelost", "solved_by": article}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        body(res).await["solved_by_title"],
        "Zo kregen wij de VOG vergoed"
    );
    eventually(20, "the new status arrives", || async {
        items(&api_r, "?kind=bottleneck").await["items"][0]["status"] == "opgelost"
    })
    .await;
    let counts = body(api.get("/api/v1/bottlenecks/counts").send().await.unwrap()).await;
    assert_eq!(counts[0]["opgelost"], 1);
    let list = body(
        api.get("/api/v1/bottlenecks?status=in_behandeling")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list["total"], 1);
    // The public page is open to anyone; the pages for coordinators list it.
    let page = reqwest::get(format!("{}/knelpunten/{id}", a.base))
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("VOG voor chauffeurs kost geld")
    );
}

#[tokio::test]
async fn a_coordinator_writes_previews_and_publishes_in_the_browser_without_javascript() {
    let a = TestNode::federated(96, "Stadsdorp Centrum", "initiative").await;
    let r = TestNode::federated(97, "Netwerk Gelderland", "regional").await;
    follow(&r, &a, true).await;
    let browser = a.browser();
    browser
        .login("beheerder", noaber_tests::ADMIN_PASSWORD)
        .await;
    let form = browser.get("/kennis/nieuw?soort=article").await;
    assert_eq!(form.status(), StatusCode::OK);
    let fields = [
        ("title", "Boodschappenhulp in de winter"),
        ("summary", "Wat werkte bij ons."),
        (
            "body",
            "Wij zetten **twee** vrijwilligers in. Bel 06-12345678.",
        ),
        ("themes", "vrijwilligers"),
        ("themes", "maaltijden"),
        ("visibility", "public"),
    ];
    // A preview shows the rendered text and the hit in place.
    let mut with_action = fields.to_vec();
    with_action.push(("action", "preview"));
    let page = browser
        .submit(
            "/kennis/nieuw?soort=article",
            "/kennis/nieuw?soort=article",
            &with_action,
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<strong>twee</strong>"),
        "the preview renders"
    );
    assert!(
        html.contains("<mark>06-12345678</mark>"),
        "the hit is shown in place"
    );
    assert!(html.contains("Een telefoonnummer"));
    // Saving without confirming stops at the same check.
    let mut save = fields.to_vec();
    save.push(("action", "save"));
    let page = browser
        .submit(
            "/kennis/nieuw?soort=article",
            "/kennis/nieuw?soort=article",
            &save,
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("confirm_privacy_check"));
    // Fixed, it is published.
    let mut fixed: Vec<(&str, &str)> = save
        .iter()
        .map(|(k, v)| {
            if *k == "body" {
                (*k, "Wij zetten **twee** vrijwilligers in.")
            } else {
                (*k, *v)
            }
        })
        .collect();
    fixed.push(("own_theme", "winter"));
    let res = browser
        .submit(
            "/kennis/nieuw?soort=article",
            "/kennis/nieuw?soort=article",
            &fixed,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let shown = browser.get(&location).await.text().await.unwrap();
    assert!(shown.contains("Boodschappenhulp in de winter"));
    assert!(
        shown.contains("vrijwilligers, maaltijden, winter"),
        "themes"
    );

    // The region finds it on its Kennis page, by an inflected word.
    let rb = r.browser();
    rb.login("beheerder", noaber_tests::ADMIN_PASSWORD).await;
    eventually(20, "the region shows it", || async {
        rb.get("/kennis?q=vrijwilliger")
            .await
            .text()
            .await
            .unwrap()
            .contains("Boodschappenhulp in de winter")
    })
    .await;
    let list = rb
        .get("/kennis?q=vrijwilliger&theme=winter")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Stadsdorp Centrum"), "the origin is named");
    assert!(
        !rb.get("/kennis?q=fietsenstalling")
            .await
            .text()
            .await
            .unwrap()
            .contains("Boodschappenhulp")
    );
}

#[tokio::test]
async fn each_node_keeps_its_own_list_of_themes() {
    let node = TestNode::federated(98, "Stadsdorp Oud-Zuid", "initiative").await;
    let api = admin(&node).await;
    let default = body(api.get("/api/v1/themes").send().await.unwrap()).await;
    assert!(
        default["themes"]
            .as_array()
            .unwrap()
            .contains(&json!("vervoer"))
    );
    let res = api
        .put("/api/v1/themes")
        .json(&json!({"themes": ["Wonen", "  Buurt   tuinen ", "wonen"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await["themes"], json!(["wonen", "buurt tuinen"]));
    let res = api
        .put("/api/v1/themes")
        .json(&json!({"themes": ["<script>"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(res).await["field"], "themes");
    // The writing form offers the node's own list.
    let browser = node.browser();
    browser
        .login("beheerder", noaber_tests::ADMIN_PASSWORD)
        .await;
    let form = browser.get("/kennis/nieuw").await.text().await.unwrap();
    assert!(form.contains("buurt tuinen"));
    assert!(
        !form.contains("name=\"themes\" value=\"vervoer\""),
        "the default list is replaced"
    );
    // Emptied, the default list is back.
    let res = browser
        .submit("/kennis/themas", "/kennis/themas", &[("themes", "")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let back = body(api.get("/api/v1/themes").send().await.unwrap()).await;
    assert!(
        back["themes"]
            .as_array()
            .unwrap()
            .contains(&json!("vervoer"))
    );
}
