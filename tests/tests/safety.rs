//! Data safety: what the node acknowledges is stored, what it erases is
//! gone, and it keeps its files to itself.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use noaber_tests::*;
use reqwest::StatusCode;

/// Whether the suite may mount a tmpfs. In CI it must (the suite runs as
/// root there); elsewhere the test says why it did not run.
fn can_mount(what: &str) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{what}: needs root to mount a tmpfs, and CI allows no skips"
        );
        eprintln!("SKIPPED {what}: not root, cannot mount a tmpfs");
    }
    root
}

/// A tmpfs of `mib` MiB mounted on `dir`, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, mib: u32) -> Self {
        std::fs::create_dir_all(dir).expect("mount point");
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mib}m,mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .status()
            .expect("run mount");
        assert!(status.success(), "mount tmpfs on {}", dir.display());
        Self(dir.to_owned())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes to `path` until the file system has no byte left.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("filler");
    for chunk in [1 << 20, 64 << 10, 4 << 10, 512, 1] {
        let buf = vec![0x5a_u8; chunk];
        while file.write_all(&buf).and_then(|()| file.flush()).is_ok() {}
    }
    let _ = file.sync_all();
}

#[tokio::test]
async fn a_full_disk_never_loses_an_acknowledged_write() {
    if postgres_url().is_some() || !can_mount("disk-full test") {
        // On PostgreSQL the database is not in the data directory.
        return;
    }
    let dir = TempDir::new();
    let data = dir.0.join("data");
    let _mount = Tmpfs::mount(&data, 24);
    let settings = fresh_settings(&dir).await;
    let node = TestNode::start_in(dir, settings).await;
    node.run_setup(
        "Stadsdorp Vol",
        "initiative",
        "Zwolle",
        "http://vol.example.nl",
    )
    .await;
    let token = node.token_for("beheerder").await;
    let api = node.api(&token);

    let filler = data.join("filler");
    fill(&filler);

    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    // The write-ahead log may still have room in blocks it already holds;
    // writes that fit there are really stored. Go on until the disk has
    // refused a run of writes in a row.
    let mut refused_in_a_row = 0;
    for i in 0..3000 {
        if refused_in_a_row == 50 {
            break;
        }
        let label = format!("vol-{i}");
        let res = api
            .post("/api/v1/tokens")
            .json(&serde_json::json!({ "label": label }))
            .send()
            .await
            .expect("POST");
        match res.status() {
            StatusCode::CREATED => {
                refused_in_a_row = 0;
                acknowledged.push(label);
            }
            status => {
                refused_in_a_row += 1;
                let body = json(res).await;
                assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
                assert_eq!(body["error"], "storage", "{body}");
                refused.push(label);
            }
        }
    }
    eprintln!(
        "disk full: {} writes acknowledged, {} refused",
        acknowledged.len(),
        refused.len()
    );
    assert!(
        !refused.is_empty(),
        "the disk was full, yet every write was acknowledged"
    );
    // Whether the log still has room is chance; once writes were refused,
    // the readiness check (which commits a write) must say so too.
    let ready = node.browser().get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);

    std::fs::remove_file(&filler).expect("free space");
    let res = api
        .post("/api/v1/tokens")
        .json(&serde_json::json!({ "label": "na-ruimte" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "writes work again after space is freed"
    );
    assert_eq!(node.browser().get("/readyz").await.status(), StatusCode::OK);
    acknowledged.push("na-ruimte".to_owned());

    let node = node.restart().await;
    let list = json(
        node.api(&token)
            .get("/api/v1/tokens")
            .send()
            .await
            .expect("GET"),
    )
    .await;
    let stored: Vec<String> = list
        .as_array()
        .or_else(|| list["items"].as_array())
        .expect("token list")
        .iter()
        .filter_map(|t| t["label"].as_str().map(str::to_owned))
        .collect();
    for label in &acknowledged {
        assert!(stored.contains(label), "acknowledged {label} was lost");
    }
    for label in &refused {
        assert!(
            !stored.contains(label),
            "refused {label} was stored after all"
        );
    }
    node.stop().await;
}

#[tokio::test]
async fn a_second_node_on_the_same_data_directory_refuses_to_start() {
    if postgres_url().is_some() {
        // Several processes on one PostgreSQL database are allowed.
        return;
    }
    let node = TestNode::set_up().await;
    let mut second = node.settings.clone();
    second.server.listen = "127.0.0.1:0".parse().expect("addr");
    let err = match noaber_node::Application::build(second.clone()).await {
        Ok(_) => panic!("a second node started on the same data directory"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("er draait al een Noaber-node"), "{err}");
    // The first node is unharmed, and once it stops the data is free.
    assert_eq!(
        node.browser().get("/healthz").await.status(),
        StatusCode::OK
    );
    let (dir, _) = node.stop().await;
    let again = noaber_node::Application::build(second)
        .await
        .expect("starts once the first node stopped");
    drop(again);
    drop(dir);
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    if postgres_url().is_some() {
        return;
    }
    let node = TestNode::set_up().await;
    let data = node.settings.storage.data_dir.clone();
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&data), 0o700, "data directory");
    for name in ["noaber.db", "noaber.db-wal", "noaber.db-shm"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
    node.stop().await;

    // A node made before this rule has its files tightened at start.
    let dir = TempDir::new();
    let settings = fresh_settings(&dir).await;
    let old = settings.storage.data_dir.clone();
    std::fs::create_dir_all(&old).expect("dir");
    std::fs::write(old.join("noaber.db"), b"").expect("file");
    std::fs::set_permissions(
        old.join("noaber.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    let node = TestNode::start_in(dir, settings).await;
    assert_eq!(mode(&old.join("noaber.db")), 0o600);
    node.stop().await;
}

/// Every distinct value of one person, as they would be typed in.
const TRACES: &[&str] = &[
    "Wubbolt Zeegersma",
    "06-97531864",
    "wubbolt.zeegersma@voorbeeld.nl",
    "Klaproosstraat 917",
    "Zeegersma-notitie-kanarie",
    "Kanariegele boodschappenlijst",
    "Fietsherstel-kanarie-aanbod",
    "Urennotitie-kanarie",
    "wubboltz",
    "Trijntje Oosterbroek-Kwak",
    "trijntje.kwak@voorbeeld.nl",
    "Kwak-kanarie-vraag",
];

/// Which of `TRACES` (or their lower-case forms, as search columns keep
/// them) occur in `haystack`.
fn traces_in(haystack: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for t in TRACES {
        for form in [t.to_string(), t.to_lowercase()] {
            if haystack.windows(form.len()).any(|w| w == form.as_bytes()) {
                found.push(form);
            }
        }
    }
    found
}

/// Every trace in every byte of every file under `dir`.
fn scan_dir(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut files = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read dir") {
                stack.push(entry.expect("entry").path());
            }
        } else {
            files += 1;
            let bytes = std::fs::read(&path).expect("read file");
            for t in traces_in(&bytes) {
                found.push(format!("{t} in {}", path.display()));
            }
        }
    }
    assert!(files >= 2, "only {files} files scanned");
    found
}

#[tokio::test]
async fn an_erased_person_leaves_no_trace_in_the_data_directory() {
    use serde_json::json;
    let node = TestNode::set_up().await;
    let coord = node.api(&node.user_with_token("cora", "coordinator").await);
    node.cli(
        &[
            "user",
            "add",
            "wubboltz",
            "--role",
            "volunteer",
            "--name",
            "Wubbolt Zeegersma",
        ],
        "een lang wachtwoord 42",
    )
    .await
    .expect("login for the volunteer");

    let res = coord
        .post("/api/v1/members")
        .json(&json!({
            "name": "Wubbolt Zeegersma",
            "phone": "06-97531864",
            "email": "wubbolt.zeegersma@voorbeeld.nl",
            "address": "Klaproosstraat 917",
            "notes": "Zeegersma-notitie-kanarie",
        }))
        .send()
        .await
        .expect("POST");
    let member = json(res).await;
    let id = member["id"].as_i64().expect("member id");
    let cats = json(coord.get("/api/v1/categories").send().await.expect("GET")).await;
    let cat = cats[0]["id"].as_i64().expect("category").to_string();
    let res = coord
        .client
        .put(format!("{}/api/v1/members/{id}/volunteer", coord.base))
        .bearer_auth(&coord.token)
        .json(&json!({"skills": [cat], "areas": "", "availability": [],
                      "max_tasks_per_week": "2", "username": "wubboltz"}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap_or_default()
    );
    for (path, body) in [
        (
            "/api/v1/requests",
            json!({"member_id": id.to_string(), "category_id": cat,
            "description": "Kanariegele boodschappenlijst"}),
        ),
        (
            "/api/v1/offers",
            json!({"volunteer_id": id.to_string(), "category_id": cat,
            "area": "Zuid", "times": "dinsdagmiddag", "note": "Fietsherstel-kanarie-aanbod"}),
        ),
        (
            "/api/v1/hours",
            json!({"volunteer_id": id.to_string(), "date": "2026-11-02",
            "hours": "2", "note": "Urennotitie-kanarie"}),
        ),
    ] {
        let res = coord.post(path).json(&body).send().await.expect("POST");
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{path}: {}",
            res.text().await.unwrap_or_default()
        );
    }
    // Their own login: a session, a token and a failed attempt.
    node.browser()
        .login("wubboltz", "een lang wachtwoord 42")
        .await;
    let _ = node.token_for("wubboltz").await;
    let res = node
        .browser()
        .submit(
            "/inloggen",
            "/inloggen",
            &[("username", "wubboltz"), ("password", "fout fout fout")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // An import checked through the API (not kept), and one uploaded in
    // the browser, waiting for the coordinator's decision.
    let csv = "naam;telefoon;adres\nWubbolt Zeegersma;06-97531864;Klaproosstraat 917\n";
    let res = coord
        .post("/api/v1/members/import")
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("dry run");
    assert_eq!(res.status(), StatusCode::OK);
    let desk = node.browser();
    desk.login("cora", "een lang wachtwoord 42").await;
    let token = desk.form_token("/leden/importeren").await;
    let upload = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("leden.csv"),
        );
    let res = desk
        .client
        .post(node.url("/leden/importeren"))
        .multipart(upload)
        .send()
        .await
        .expect("upload");
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the upload waits for a decision"
    );
    // Someone else, through the public form.
    let res = node
        .browser()
        .submit(
            "/hulp-vragen",
            "/hulp-vragen",
            &[
                ("name", "Trijntje Oosterbroek-Kwak"),
                ("contact", "trijntje.kwak@voorbeeld.nl"),
                ("description", "Kwak-kanarie-vraag"),
                ("website", ""),
            ],
        )
        .await;
    assert!(res.status().is_redirection() || res.status().is_success());
    let list = json(
        coord
            .get("/api/v1/requests?per_page=100")
            .send()
            .await
            .expect("GET"),
    )
    .await;
    let public = list["items"]
        .as_array()
        .expect("requests")
        .iter()
        .find(|r| r["requester"] == "Trijntje Oosterbroek-Kwak")
        .expect("the public request")["id"]
        .as_i64()
        .expect("id");

    let res = coord
        .delete(&format!("/api/v1/members/{id}"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = coord
        .delete(&format!("/api/v1/requests/{public}/requester"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // The erased volunteer's login is disabled and nameless. (Trying to log
    // in with it would record what was typed, so the list is read instead.)
    let admin = node.api(&node.token_for("beheerder").await);
    let users = json(
        admin
            .get("/api/v1/users?per_page=100")
            .send()
            .await
            .expect("GET"),
    )
    .await;
    let login = users["items"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| {
            u["username"]
                .as_str()
                .is_some_and(|n| n.starts_with("gewist-"))
        })
        .expect("the erased login, renamed")
        .clone();
    assert_eq!(login["display_name"], "Gewist account", "{login}");
    assert_eq!(login["disabled"], true, "{login}");

    let settings = node.settings.clone();
    if settings.database.url.is_none() {
        // While the node still runs: the write-ahead log included.
        let found = scan_dir(&settings.storage.data_dir);
        assert!(found.is_empty(), "left behind while running: {found:?}");
    }
    let (dir, _) = node.stop().await;
    match &settings.database.url {
        None => {
            let found = scan_dir(&settings.storage.data_dir);
            assert!(found.is_empty(), "left behind: {found:?}");
        }
        Some(url) => {
            use sea_orm::{ConnectionTrait, Statement};
            let db = sea_orm::Database::connect(url.as_str())
                .await
                .expect("connect");
            let tables = db
                .query_all_raw(Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    "SELECT table_name::text AS t FROM information_schema.tables \
                     WHERE table_schema = 'public'",
                ))
                .await
                .expect("tables");
            let mut found = Vec::new();
            for row in &tables {
                let table: String = row.try_get("", "t").expect("name");
                let rows = db
                    .query_all_raw(Statement::from_string(
                        sea_orm::DatabaseBackend::Postgres,
                        format!("SELECT x::text AS r FROM \"{table}\" x"),
                    ))
                    .await
                    .expect("rows");
                for r in rows {
                    let text: String = r.try_get("", "r").expect("row text");
                    for t in traces_in(text.as_bytes()) {
                        found.push(format!("{t} in {table}"));
                    }
                }
            }
            assert!(tables.len() > 10, "no tables scanned");
            assert!(found.is_empty(), "left behind: {found:?}");
        }
    }
    drop(dir);
}
