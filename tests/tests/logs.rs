//! Personal data never appears in the logs, even at debug level.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use noaber_tests::{TestNode, json};
use reqwest::StatusCode;
use serde_json::json;

/// Everything logged by this test binary, from the moment it is installed.
pub(crate) fn captured() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        // Another test may have installed one already; then this one is off
        // and the assertion on captured volume below says so.
        let _ = tracing::subscriber::set_global_default(subscriber);
        buffer
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_personal_data_in_logs() {
    let log = captured();
    let node = TestNode::set_up().await;
    let coord = node.api(&node.user_with_token("zorgcoord", "coordinator").await);
    let name = "Zwanetje Oosterhuis";
    let phone = "0699887766";
    let res = coord
        .post("/api/v1/members")
        .json(&json!({"name": name, "phone": phone, "email": "zwanetje@example.nl", "address": "Kerkpad 12", "notes": "Diabetes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = json(res).await["id"].as_i64().unwrap();
    coord
        .get(&format!("/api/v1/members/{id}"))
        .send()
        .await
        .unwrap();
    coord
        .get("/api/v1/members?q=Zwanetje")
        .send()
        .await
        .unwrap();
    // A failed login with a name as username, and a public request.
    let browser = node.browser();
    browser
        .submit(
            "/inloggen",
            "/inloggen",
            &[
                ("username", "zwanetje.oosterhuis"),
                ("password", "Diabetes-geheim"),
            ],
        )
        .await;
    browser
        .submit(
            "/hulp-vragen",
            "/hulp-vragen",
            &[
                ("name", name),
                ("contact", phone),
                ("description", "Insuline ophalen"),
                ("website", ""),
            ],
        )
        .await;
    coord
        .delete(&format!("/api/v1/members/{id}"))
        .send()
        .await
        .unwrap();

    let text = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    assert!(
        text.contains("member erased"),
        "the log was captured: {} bytes",
        text.len()
    );
    for secret in [
        name,
        "Zwanetje",
        phone,
        "zwanetje@example.nl",
        "Kerkpad",
        "Diabetes",
        "Insuline",
        "zwanetje.oosterhuis",
    ] {
        assert!(!text.contains(secret), "{secret} appears in the logs");
    }
}
