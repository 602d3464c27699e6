//! Running a node in production: setup from the environment, the health
//! check, backups while it runs, refusing a newer schema, and several
//! processes on one PostgreSQL database.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use noaber_federation::entity::{delivery, outbox_activity};
use noaber_federation::{leases, outbox};
use noaber_tests::{TempDir, TestNode, fresh_settings, postgres_url, run_cli};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::federation::eventually;

async fn db_of(node: &TestNode) -> noaber_node::db::Db {
    noaber_node::db::Db::connect(&node.settings)
        .await
        .expect("connect")
}

#[tokio::test]
async fn first_start_sets_up_from_the_environment() {
    let node = TestNode::start().await;
    let db = db_of(&node).await;
    let secret = node.dir.0.join("admin_password");
    std::fs::write(&secret, "fiets langs de IJssel\n").unwrap();
    let secret = secret.display().to_string();
    let base = node.base.clone();
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("NOABER_SETUP_NAME", "Stadsdorp Zuid".to_owned()),
        ("NOABER_SETUP_PLACE", "Zwolle".to_owned()),
        ("NOABER_SETUP_BASE_URL", "niet een adres".to_owned()),
        ("NOABER_SETUP_ADMIN_USER", "annie".to_owned()),
        ("NOABER_SETUP_ADMIN_PASSWORD_FILE", secret),
        ("NOABER_SETUP_APPROVE_FOLLOWERS", "always".to_owned()),
    ]);
    // A bad value names its variable and leaves the node as it was.
    let env = |k: &str| vars.get(k).cloned();
    let err = noaber_node::setup::from_env::apply(&db, &node.fed, &env)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("NOABER_SETUP_BASE_URL:"), "{err}");
    assert!(noaber_node::setup::is_needed(&db).await.unwrap());

    vars.insert("NOABER_SETUP_BASE_URL", base);
    let env = |k: &str| vars.get(k).cloned();
    assert!(
        noaber_node::setup::from_env::apply(&db, &node.fed, &env)
            .await
            .unwrap()
    );
    let profile = noaber_node::profile::get(&db).await.unwrap().unwrap();
    assert_eq!(profile.name, "Stadsdorp Zuid");
    // The password came from the file, without its newline.
    node.browser().login("annie", "fiets langs de IJssel").await;
    let actor = noaber_federation::actor::load(&node.fed).await.unwrap();
    assert_eq!(
        actor.auto_approve(),
        noaber_federation::actor::AutoApprove::Always
    );
    // A restart with the same variables changes nothing.
    assert!(
        !noaber_node::setup::from_env::apply(&db, &node.fed, &env)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn healthcheck_asks_the_running_node() {
    let node = TestNode::set_up().await;
    let addr = node.addr.to_string();
    let out = node
        .cli(&["healthcheck", "--listen", &addr], "")
        .await
        .unwrap();
    assert!(out.contains("klaar"), "{out}");
    // Nothing listens on a port just given back.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let err = node
        .cli(&["healthcheck", "--listen", &closed], "")
        .await
        .unwrap_err();
    assert!(err.contains(&closed), "{err}");
}

#[tokio::test]
async fn an_older_binary_refuses_a_newer_database() {
    let node = TestNode::set_up().await;
    let db = db_of(&node).await;
    db.write()
        .execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) \
             VALUES ('m20991231_000001_from_the_future', 0)",
        )
        .await
        .unwrap();
    let err = node.cli(&["migrate"], "").await.unwrap_err();
    assert!(
        err.contains("nieuwere versie van Noaber") && err.contains("m20991231_000001"),
        "{err}"
    );
    let (_dir, settings) = node.stop().await;
    let start = noaber_node::app::Application::build(settings).await;
    let Err(err) = start else {
        panic!("a node started on a newer schema");
    };
    assert!(err.to_string().contains("nieuwere versie"), "{err}");
}

#[tokio::test]
async fn backup_while_running_and_restore_into_an_empty_directory() {
    let node = TestNode::set_up().await;
    let token = node.user_with_token("cora", "coordinator").await;
    let scratch = TempDir::new();
    let file = scratch.0.join("noaber-backup.db");
    let file_arg = file.display().to_string();
    if postgres_url().is_some() {
        let err = node.cli(&["backup", &file_arg], "").await.unwrap_err();
        assert!(err.contains("pg_dump"), "{err}");
        return;
    }
    let created = node
        .api(&token)
        .post("/api/v1/members")
        .json(&json!({ "name": "Gerrit Hoekstra", "phone": "0612345678" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);

    let out = node.cli(&["backup", &file_arg], "").await.unwrap();
    assert!(out.contains("Back-up gemaakt"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the backup is readable by others");
    }
    // An existing backup is never overwritten.
    let again = node.cli(&["backup", &file_arg], "").await.unwrap_err();
    assert!(again.contains("bestaat al"), "{again}");
    // A change after the backup is not in it.
    node.api(&token)
        .post("/api/v1/members")
        .json(&json!({ "name": "Na de Back-up" }))
        .send()
        .await
        .unwrap();

    // Not into the running node's directory, nor from a file that is not one.
    let busy = node.cli(&["restore", &file_arg], "").await.unwrap_err();
    assert!(busy.contains("niet leeg"), "{busy}");
    let junk = scratch.0.join("boodschappen.txt");
    std::fs::write(&junk, "melk, brood").unwrap();
    let fresh = TempDir::new();
    let mut settings = fresh_settings(&fresh).await;
    let not_backup = run_cli(
        &settings,
        &fresh,
        &["restore", &junk.display().to_string()],
        "",
    )
    .await
    .unwrap_err();
    assert!(
        not_backup.contains("geen bruikbare back-up"),
        "{not_backup}"
    );

    let out = run_cli(&settings, &fresh, &["restore", &file_arg], "")
        .await
        .unwrap();
    assert!(out.contains("Teruggezet"), "{out}");
    settings.server.listen = "127.0.0.1:0".parse().unwrap();
    let restored = TestNode::start_in(fresh, settings).await;
    let token = restored.token_for("cora").await;
    let list: serde_json::Value = restored
        .api(&token)
        .get("/api/v1/members?q=Hoekstra")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list.to_string().contains("Gerrit Hoekstra"), "{list}");
    let later: serde_json::Value = restored
        .api(&token)
        .get("/api/v1/members?q=Back-up")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!later.to_string().contains("Na de Back-up"), "{later}");
}

#[tokio::test]
async fn a_periodic_job_is_run_by_one_process_at_a_time() {
    let node = TestNode::set_up().await;
    let db = db_of(&node).await;
    let now = Utc::now();
    let hour = chrono::Duration::hours(1);
    let turn = |who: &'static str, at| {
        let db = db.clone();
        async move {
            leases::take_turn(db.write(), "test-job", who, hour, at)
                .await
                .unwrap()
        }
    };
    assert!(turn("a", now).await);
    assert!(!turn("b", now).await, "b ran while a's turn held");
    assert!(!turn("a", now).await, "a ran twice in one turn");
    let (holder, _) = leases::holder(db.write(), "test-job")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(holder, "a");
    assert!(turn("b", now + hour + chrono::Duration::seconds(1)).await);
}

/// One inbox host that counts what each inbox path receives, taking
/// `delay` per request so that a fan-out is spread over time.
async fn counting_inboxes(
    ip: &str,
    delay: Duration,
) -> (String, Arc<Mutex<HashMap<String, usize>>>) {
    let got: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = got.clone();
    let app = axum::Router::new().route(
        "/inbox/{n}",
        axum::routing::post(move |axum::extract::Path(n): axum::extract::Path<String>| {
            let seen = seen.clone();
            async move {
                tokio::time::sleep(delay).await;
                if let Ok(mut g) = seen.lock() {
                    *g.entry(n).or_default() += 1;
                }
                axum::http::StatusCode::ACCEPTED
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/inbox"), got)
}

fn count(got: &Arc<Mutex<HashMap<String, usize>>>, key: &str) -> usize {
    got.lock()
        .map(|g| g.get(key).copied().unwrap_or(0))
        .unwrap_or(0)
}

/// A delivery row as a process holding it would leave it.
async fn claimed_row(db: &noaber_node::db::Db, inbox: &str, by: &str, at: chrono::DateTime<Utc>) {
    let activity = json!({ "id": format!("{inbox}#activity"), "type": "Create" });
    let row = outbox_activity::ActiveModel {
        activity_id: Set(format!("{inbox}#activity")),
        kind: Set("Create".into()),
        json: Set(activity.to_string()),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db.write())
    .await
    .unwrap();
    delivery::ActiveModel {
        outbox_id: Set(row.id),
        inbox: Set(inbox.to_owned()),
        host: Set(Some(noaber_federation::hosts::host_of(inbox))),
        state: Set(outbox::SENDING),
        attempts: Set(0),
        next_attempt_at: Set(at),
        created_at: Set(at),
        claimed_by: Set(Some(by.to_owned())),
        ..Default::default()
    }
    .insert(db.write())
    .await
    .unwrap();
}

#[tokio::test]
async fn two_processes_share_one_postgresql_database() {
    let a = TestNode::federated(110, "Landelijk Netwerk", "national").await;
    if postgres_url().is_none() {
        // SQLite is one process: a second server on the same data is refused.
        let second = noaber_node::app::Application::build(a.settings.clone()).await;
        let Err(err) = second else {
            panic!("a second server started on the same SQLite data");
        };
        assert!(err.to_string().contains("er draait al"), "{err}");
        return;
    }
    let (base, got) = counting_inboxes("127.0.0.111", Duration::from_millis(20)).await;
    let db = db_of(&a).await;
    // A claim a live process holds right now, and one a dead process left.
    let live = format!("{base}/live");
    let dead = format!("{base}/dead");
    claimed_row(&db, &live, "elsewhere:1:live", Utc::now()).await;
    claimed_row(
        &db,
        &dead,
        "elsewhere:2:dead",
        Utc::now() - chrono::Duration::minutes(10),
    )
    .await;

    // The second process starts on the same database.
    let mut settings = a.settings.clone();
    settings.server.listen = "127.0.0.112:0".parse().unwrap();
    let b = TestNode::start_in(TempDir::new(), settings).await;
    assert_ne!(a.fed.process_id(), b.fed.process_id());

    eventually(30, "the dead process's claim is taken over", || async {
        count(&got, "dead") == 1
    })
    .await;
    let held = delivery::Entity::find()
        .filter(delivery::Column::Inbox.eq(live.as_str()))
        .one(db.read())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.state, outbox::SENDING, "a live claim was reset");
    assert_eq!(held.claimed_by.as_deref(), Some("elsewhere:1:live"));
    assert_eq!(count(&got, "live"), 0);

    // The same activity, sent to both processes at once (a retry racing
    // the first try), is applied once.
    let r = TestNode::federated(115, "Stadsdorp Noord", "initiative").await;
    let fr = r.federation().await;
    let sender = noaber_federation::actor::load(&fr).await.unwrap();
    let key =
        noaber_federation::keys::SigningKey::from_pkcs8_pem(&sender.row.private_key_pem).unwrap();
    let follow = serde_json::to_vec(&json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/follow-twice", r.base),
        "type": "Follow",
        "actor": sender.id(),
        "object": format!("{}/actor", a.base),
    }))
    .unwrap();
    // Signed for the node's own address; delivered to each process, as a
    // load balancer would, with the node's Host.
    let inbox = url::Url::parse(&a.url("/inbox")).unwrap();
    let headers = noaber_federation::signature::sign(
        &key,
        &sender.key_id(),
        &axum::http::Method::POST,
        &inbox,
        Some(&follow),
        "application/activity+json",
        std::time::SystemTime::now(),
    )
    .unwrap();
    let send = |to: String| {
        let mut req = reqwest::Client::new().post(format!("{to}/inbox"));
        for (k, v) in &headers {
            req = req.header(*k, v.clone());
        }
        req.body(follow.clone()).send()
    };
    let (first, second) = tokio::join!(send(a.base.clone()), send(b.base.clone()));
    assert_eq!(first.unwrap().status(), reqwest::StatusCode::ACCEPTED);
    assert_eq!(second.unwrap().status(), reqwest::StatusCode::ACCEPTED);
    let sender_id = sender.id();
    eventually(10, "the follower is approved", || async {
        noaber_federation::follows::followers(&a.fed, None)
            .await
            .unwrap()
            .iter()
            .any(|f| f.actor_url == sender_id && f.state == noaber_federation::follows::ACCEPTED)
    })
    .await;
    assert!(
        noaber_federation::inbox::was_received(
            &a.fed,
            &format!("{}/activities/follow-twice", r.base)
        )
        .await
        .unwrap()
    );
    let accepts = outbox_activity::Entity::find()
        .filter(outbox_activity::Column::Kind.eq("Accept"))
        .all(db.read())
        .await
        .unwrap();
    assert_eq!(accepts.len(), 1, "the follow was applied more than once");

    // A fan-out queued by one process is sent by both, each inbox once.
    let inboxes: Vec<String> = (0..300).map(|n| format!("{base}/{n}")).collect();
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/fan-out", a.base),
        "type": "Update",
        "actor": format!("{}/actor", a.base),
        "object": { "id": format!("{}/items/1", a.base), "type": "Note" },
    });
    outbox::enqueue(&a.fed, &activity, &inboxes).await.unwrap();
    let mut claimers = HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let sending = delivery::Entity::find()
            .filter(delivery::Column::State.eq(outbox::SENDING))
            .all(db.read())
            .await
            .unwrap();
        claimers.extend(sending.into_iter().filter_map(|d| d.claimed_by));
        let done = (0..300).all(|n| count(&got, &n.to_string()) >= 1);
        if done {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "fan-out not done");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for n in 0..300 {
        assert_eq!(count(&got, &n.to_string()), 1, "inbox {n}");
    }
    assert!(
        claimers.contains(a.fed.process_id()) && claimers.contains(b.fed.process_id()),
        "both processes should have sent part of the fan-out: {claimers:?}"
    );
}

#[tokio::test]
async fn an_outcome_never_overwrites_a_claim_taken_over_meanwhile() {
    let a = TestNode::federated(113, "Stadsdorp Oost", "initiative").await;
    // An inbox that answers after a while, so the claim can be taken over
    // while the request is under way.
    let (base, got) = counting_inboxes("127.0.0.114", Duration::from_millis(1500)).await;
    let inbox = format!("{base}/slow");
    let db = db_of(&a).await;
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/slow", a.base),
        "type": "Create",
        "actor": format!("{}/actor", a.base),
        "object": { "id": format!("{}/items/slow", a.base), "type": "Note" },
    });
    outbox::enqueue(&a.fed, &activity, std::slice::from_ref(&inbox))
        .await
        .unwrap();
    let row = || async {
        delivery::Entity::find()
            .filter(delivery::Column::Inbox.eq(inbox.as_str()))
            .one(db.read())
            .await
            .unwrap()
            .unwrap()
    };
    eventually(10, "the node claims the delivery", || async {
        row().await.claimed_by.as_deref() == Some(a.fed.process_id())
    })
    .await;
    // Another process takes the claim over (as after a lease ran out).
    let mut taken: delivery::ActiveModel = row().await.into();
    taken.claimed_by = Set(Some("elsewhere:9:took-over".into()));
    taken.next_attempt_at = Set(Utc::now());
    taken.update(db.write()).await.unwrap();

    eventually(10, "the first request is answered", || async {
        count(&got, "slow") == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = row().await;
    assert_eq!(after.state, outbox::SENDING, "the old outcome was recorded");
    assert_eq!(after.claimed_by.as_deref(), Some("elsewhere:9:took-over"));
    assert_eq!(after.attempts, 0);
}
