//! Health, restarts, the OpenAPI document, unknown routes, concurrency.

use noaber_tests::{ADMIN_PASSWORD, TestNode, json};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn health_and_readiness() {
    let node = TestNode::start().await;
    let res = reqwest::get(node.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = reqwest::get(node.url("/readyz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json(res).await["status"], "ready");
}

#[tokio::test]
async fn a_restart_keeps_data_and_sessions() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    browser.login("beheerder", ADMIN_PASSWORD).await;
    let session = browser.cookie("noaber_session").unwrap();
    let token = node.token_for("beheerder").await;

    let node = node.restart().await;
    let again = node.browser();
    again.set_cookie("noaber_session", &session);
    let page = again.get("/account").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Annie de Vries"));
    let me = json(node.api(&token).get("/api/v1/me").send().await.unwrap()).await;
    assert_eq!(me["username"], "beheerder");
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let node = TestNode::start().await;
    let res = reqwest::get(node.url("/api/v1/openapi.json"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc = json(res).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/node",
        "/api/v1/me",
        "/api/v1/tokens",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
    assert!(doc["components"]["schemas"].get("ErrorBody").is_some());
}

#[tokio::test]
async fn unknown_routes_and_methods_get_clear_errors() {
    let node = TestNode::start().await;
    let res = reqwest::get(node.url("/api/v1/bestaat-niet"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(res).await["error"], "not_found");
    let res = reqwest::get(node.url("/bestaat-niet")).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Deze pagina bestaat niet.")
    );
    let res = reqwest::Client::new()
        .delete(node.url("/api/v1/node"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(json(res).await["error"], "method_not_allowed");
}

#[tokio::test]
async fn an_oversized_form_is_refused() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    let token = browser.form_token("/inloggen").await;
    let big = "x".repeat(100 * 1024);
    let res = browser
        .post_form(
            "/inloggen",
            &[
                ("csrf_token", &token),
                ("username", &big),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.text().await.unwrap().contains("te groot"));
}

#[tokio::test]
async fn concurrent_writes_never_fail() {
    let node = TestNode::set_up().await;
    let api = std::sync::Arc::new(node.api(&node.token_for("beheerder").await));
    let mut tasks = Vec::new();
    for i in 0..24 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            api.post("/api/v1/users")
                .json(&json!({"username": format!("gelijktijdig{i}"), "role": "volunteer", "password": "een lang wachtwoord"}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    let users = json(api.get("/api/v1/users").send().await.unwrap()).await;
    assert_eq!(users["total"], 25);
}

#[tokio::test]
async fn pages_switch_to_english() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    let res = browser.get("/taal?lang=en&terug=/inloggen").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = browser.get("/inloggen").await.text().await.unwrap();
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Log in"));
}

#[tokio::test]
async fn the_node_serves_https_itself_from_certificate_files() {
    let dir = noaber_tests::TempDir::new();
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.30".to_owned()]).unwrap();
    let cert_path = dir.0.join("cert.pem");
    let key_path = dir.0.join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();

    // Through the settings as an operator gives them.
    let env = |k: &str| match k {
        "NOABER_SERVER_TLS_CERT" => Some(cert_path.display().to_string()),
        "NOABER_SERVER_TLS_KEY" => Some(key_path.display().to_string()),
        "NOABER_LISTEN" => Some("127.0.0.30:0".to_owned()),
        "NOABER_DATA_DIR" => Some(dir.0.join("data").display().to_string()),
        _ => None,
    };
    let settings = noaber_node::config::load(&Default::default(), &env).unwrap();
    assert!(settings.server.tls.is_some());
    let app = noaber_node::Application::build(settings).await.unwrap();
    assert!(app.is_tls());
    let addr = app.local_addr().unwrap();
    let handle = app.shutdown_handle();
    let task = tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let res = client
        .get(format!("https://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Plain HTTP on the TLS port gets no page.
    assert!(
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .map(|r| !r.status().is_success())
            .unwrap_or(true)
    );
    handle.shutdown();
    let _ = task.await;

    // Only one of the pair, or a missing file, stops the start with the key named.
    let half = |k: &str| (k == "NOABER_SERVER_TLS_CERT").then(|| cert_path.display().to_string());
    let err = noaber_node::config::load(&Default::default(), &half)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("NOABER_SERVER_TLS_CERT") && err.contains("tls_key"),
        "{err}"
    );
    let missing = |k: &str| match k {
        "NOABER_SERVER_TLS_CERT" => Some("/bestaat/niet.pem".to_owned()),
        "NOABER_SERVER_TLS_KEY" => Some(key_path.display().to_string()),
        _ => None,
    };
    let err = noaber_node::config::load(&Default::default(), &missing)
        .unwrap_err()
        .to_string();
    assert!(err.contains("/bestaat/niet.pem"), "{err}");
}
