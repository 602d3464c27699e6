//! What each role may see and do, in the pages and in the API.

use noaber_tests::{ADMIN_PASSWORD, TestNode, json};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_volunteer_is_refused_coordinator_pages_and_api() {
    let node = TestNode::set_up().await;
    let token = node.user_with_token("vera", "volunteer").await;
    let browser = node.browser();
    browser.login("vera", "een lang wachtwoord 42").await;

    for path in [
        "/gebruikers",
        "/gebruikers/nieuw",
        "/gebruikers/1",
        "/instellingen",
    ] {
        let res = browser.get(path).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(res.text().await.unwrap().contains("geen toegang"));
    }
    // The menu does not offer what she may not open.
    let home = browser.get("/").await.text().await.unwrap();
    assert!(!home.contains("href=\"/gebruikers\""));
    assert!(home.contains("href=\"/account\""));

    let api = node.api(&token);
    for path in ["/api/v1/users", "/api/v1/users/1"] {
        let res = api.get(path).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        let body = json(res).await;
        assert_eq!(body["error"], "forbidden");
        assert!(body["message"].as_str().unwrap().contains("geen toegang"));
    }
    let res = api
        .post("/api/v1/users")
        .json(&json!({"username": "x1", "role": "admin", "password": "een lang wachtwoord 43"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Her own account is hers to see.
    let me = json(api.get("/api/v1/me").send().await.unwrap()).await;
    assert_eq!(me["username"], "vera");
    assert_eq!(me["role"], "volunteer");
}

#[tokio::test]
async fn a_coordinator_sees_accounts_but_cannot_manage_them() {
    let node = TestNode::set_up().await;
    let token = node.user_with_token("cor", "coordinator").await;
    let browser = node.browser();
    browser.login("cor", "een lang wachtwoord 42").await;
    let list = browser.get("/gebruikers").await;
    assert_eq!(list.status(), StatusCode::OK);
    let html = list.text().await.unwrap();
    assert!(html.contains("Annie de Vries"));
    assert!(!html.contains("/gebruikers/nieuw"), "no create button");
    assert_eq!(
        browser.get("/gebruikers/nieuw").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        browser.get("/instellingen").await.status(),
        StatusCode::FORBIDDEN
    );

    let api = node.api(&token);
    let users = json(api.get("/api/v1/users").send().await.unwrap()).await;
    assert_eq!(users["total"], 2);
    let res = api
        .patch("/api/v1/users/1")
        .json(&json!({"role": "volunteer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_manages_accounts_in_the_browser() {
    let node = TestNode::set_up().await;
    let admin = node.browser();
    admin.login("beheerder", ADMIN_PASSWORD).await;

    let res = admin
        .submit(
            "/gebruikers/nieuw",
            "/gebruikers/nieuw",
            &[
                ("display_name", "Fatima El Amrani"),
                ("username", "fatima"),
                ("role", "coordinator"),
                ("password", "de markt is op zaterdag"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list = admin
        .get("/gebruikers?q=fatima")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Fatima El Amrani"));
    assert!(list.contains("coördinator"));
    assert!(list.contains("1 resultaat<"));

    // A duplicate username is named at the field, nothing written.
    let dup = admin
        .submit(
            "/gebruikers/nieuw",
            "/gebruikers/nieuw",
            &[
                ("display_name", "Andere Fatima"),
                ("username", "Fatima"),
                ("role", "coordinator"),
                ("password", "de markt is op zaterdag"),
            ],
        )
        .await;
    assert_eq!(dup.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        dup.text()
            .await
            .unwrap()
            .contains("Deze gebruikersnaam bestaat al")
    );
    assert!(
        !admin
            .get("/gebruikers")
            .await
            .text()
            .await
            .unwrap()
            .contains("Andere Fatima")
    );

    // Disabling her ends her sessions and stops her logging in.
    let fatima = node.browser();
    fatima.login("fatima", "de markt is op zaterdag").await;
    let id = {
        let token = node.token_for("beheerder").await;
        let users = json(
            node.api(&token)
                .get("/api/v1/users?q=fatima")
                .send()
                .await
                .unwrap(),
        )
        .await;
        users["items"][0]["id"].as_i64().unwrap()
    };
    let res = admin
        .submit(
            &format!("/gebruikers/{id}"),
            &format!("/gebruikers/{id}"),
            &[
                ("display_name", "Fatima El Amrani"),
                ("role", "coordinator"),
                ("disabled", "on"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(fatima.get("/account").await.status(), StatusCode::SEE_OTHER);
    let again = fatima
        .submit(
            "/inloggen",
            "/inloggen",
            &[
                ("username", "fatima"),
                ("password", "de markt is op zaterdag"),
            ],
        )
        .await;
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    assert!(again.text().await.unwrap().contains("uitgezet"));
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted() {
    let node = TestNode::set_up().await;
    let admin = node.browser();
    admin.login("beheerder", ADMIN_PASSWORD).await;
    let res = admin
        .submit(
            "/gebruikers/1",
            "/gebruikers/1",
            &[
                ("display_name", "Annie de Vries"),
                ("role", "volunteer"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("laatste actieve beheerder")
    );
    // Still an admin.
    assert_eq!(admin.get("/instellingen").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_admin_changes_the_node_profile() {
    let node = TestNode::set_up().await;
    let admin = node.browser();
    admin.login("beheerder", ADMIN_PASSWORD).await;
    let bad = admin
        .submit(
            "/instellingen",
            "/instellingen",
            &[
                ("name", ""),
                ("kind", "regional"),
                ("place", "Amsterdam"),
                ("base_url", "http://zuid.example.nl"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("Vul dit veld in."));
    let ok = admin
        .submit(
            "/instellingen",
            "/instellingen",
            &[
                ("name", "Stadsdorp Zuid-Oost"),
                ("kind", "initiative"),
                ("place", "Amsterdam"),
                ("base_url", "http://zuid.example.nl"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    // The message shows once, on the page after saving, then no more.
    let after = admin.get("/instellingen").await.text().await.unwrap();
    assert!(after.contains("De wijzigingen zijn opgeslagen."));
    let next = admin.get("/account").await.text().await.unwrap();
    assert!(!next.contains("De wijzigingen zijn opgeslagen."));
    let home = admin.get("/").await.text().await.unwrap();
    assert!(
        home.contains("Stadsdorp Zuid-Oost"),
        "layout shows the new name"
    );
}
