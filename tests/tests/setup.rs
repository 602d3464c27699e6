//! First-run setup in the browser and on the command line.

use noaber_tests::{ADMIN_PASSWORD, Browser, TestNode, json};
use reqwest::StatusCode;

fn setup_fields<'a>(password: &'a str, base_url: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Zorgcoöperatie Hollandscheveld"),
        ("kind", "initiative"),
        ("place", "Hoogeveen"),
        ("base_url", base_url),
        ("admin_name", "Gerrit Jansen"),
        ("admin_username", "gerrit"),
        ("admin_password", password),
    ]
}

#[tokio::test]
async fn a_fresh_node_sends_visitors_to_setup() {
    let node = TestNode::start().await;
    let res = node.browser().get("/").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/installatie");
    let page = node.browser().get("/installatie").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Website inrichten"));
    assert!(html.contains("name=\"csrf_token\""));
}

#[tokio::test]
async fn setup_form_reports_each_bad_field_and_keeps_values() {
    let node = TestNode::start().await;
    let browser = node.browser();
    let res = browser
        .submit(
            "/installatie",
            "/installatie",
            &setup_fields("kort", "geen-adres"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Er is een probleem"), "error summary shown");
    assert!(html.contains("href=\"#admin_password\""));
    assert!(html.contains("href=\"#base_url\""));
    assert!(html.contains("minstens 10 tekens"));
    // The summary names each field by its label, not only what is wrong.
    let summary = html
        .split("error-summary")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .unwrap_or_default();
    assert!(summary.contains("Wachtwoord:"), "{summary}");
    // What was typed is kept, except the password.
    assert!(html.contains("value=\"Zorgcoöperatie Hollandscheveld\""));
    assert!(!html.contains("value=\"kort\""));
    // Nothing was written: setup is still possible.
    assert_eq!(browser.get("/installatie").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn setup_happens_once_and_logs_the_admin_in() {
    let node = TestNode::start().await;
    let browser = node.browser();
    let res = browser
        .submit(
            "/installatie",
            "/installatie",
            &setup_fields(ADMIN_PASSWORD, "https://hollandscheveld.example.nl/"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = browser.get("/").await;
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("Welkom, Gerrit Jansen"), "{html}");
    assert!(html.contains("Alles is ingericht"));

    // The page is gone, and posting to it again does nothing.
    assert_eq!(
        browser.get("/installatie").await.status(),
        StatusCode::NOT_FOUND
    );
    let stranger = Browser::new(&node.base);
    let again = stranger
        .submit(
            "/inloggen",
            "/installatie",
            &setup_fields("een ander wachtwoord", "https://x.example.nl"),
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    // The command line refuses as well.
    let err = node
        .cli(
            &[
                "setup",
                "--name",
                "X",
                "--place",
                "Y",
                "--base-url",
                "https://y.nl",
                "--admin-user",
                "iemand",
            ],
            ADMIN_PASSWORD,
        )
        .await
        .unwrap_err();
    assert!(err.contains("al ingericht"), "{err}");

    // The profile is what was entered, base URL normalised.
    let profile = json(reqwest::get(node.url("/api/v1/node")).await.unwrap()).await;
    assert_eq!(profile["name"], "Zorgcoöperatie Hollandscheveld");
    assert_eq!(profile["kind"], "initiative");
    assert_eq!(profile["base_url"], "https://hollandscheveld.example.nl");
}

#[tokio::test]
async fn cli_setup_checks_fields_before_asking_for_a_password() {
    let node = TestNode::start().await;
    let err = node
        .cli(
            &[
                "setup",
                "--name",
                "Buurtzorg",
                "--kind",
                "stad",
                "--place",
                "Ede",
                "--base-url",
                "ftp://ede.nl",
                "--admin-user",
                "a",
            ],
            ADMIN_PASSWORD,
        )
        .await
        .unwrap_err();
    assert!(err.contains("kind"), "{err}");
    assert!(err.contains("base_url"), "{err}");
    assert!(err.contains("admin_username"), "{err}");
    let weak = node
        .cli(
            &[
                "setup",
                "--name",
                "Buurtzorg",
                "--place",
                "Ede",
                "--base-url",
                "https://ede.example.nl",
                "--admin-user",
                "beheer",
            ],
            "wachtwoord",
        )
        .await
        .unwrap_err();
    assert!(weak.contains("admin_password"), "{weak}");
    // Nothing half-written: the web setup is still offered.
    assert_eq!(
        node.browser().get("/installatie").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn cookies_are_secure_once_the_node_is_on_https() {
    let node = TestNode::start().await;
    let browser = node.browser();
    let res = browser
        .submit(
            "/installatie",
            "/installatie",
            &setup_fields(ADMIN_PASSWORD, "https://hollandscheveld.example.nl"),
        )
        .await;
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("__Host-noaber_session="))
        .expect("session cookie, with the __Host- prefix on HTTPS");
    assert!(session.contains("Path=/") && !session.contains("Domain"));
    assert!(session.contains("HttpOnly"));
    assert!(session.contains("Secure"));
    assert!(session.contains("SameSite=Lax"));
}
