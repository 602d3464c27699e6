//! The JSON API: tokens, errors, validation, nothing half-written.

use noaber_tests::{TestNode, json};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_cli_token_works_and_a_revoked_one_does_not() {
    let node = TestNode::set_up().await;
    let token = node.token_for("beheerder").await;
    assert!(token.starts_with("nbr_"));
    let api = node.api(&token);
    let me = json(api.get("/api/v1/me").send().await.unwrap()).await;
    assert_eq!(me["username"], "beheerder");
    assert_eq!(me["role"], "admin");
    assert!(me.get("password_hash").is_none());

    let listed = node.cli(&["token", "list", "--json"], "").await.unwrap();
    let tokens: serde_json::Value = serde_json::from_str(listed.trim()).unwrap();
    let id = tokens[0]["id"].as_i64().unwrap();
    assert!(!listed.contains(&token), "secrets are never listed");
    node.cli(&["token", "revoke", &id.to_string()], "")
        .await
        .unwrap();

    let res = api.get("/api/v1/me").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().contains_key("www-authenticate"));
    let body = json(res).await;
    assert_eq!(body["error"], "expired");
    let list = node.cli(&["token", "list"], "").await.unwrap();
    assert!(list.starts_with("revoked\t"), "{list}");
}

#[tokio::test]
async fn missing_or_unknown_tokens_get_401_json() {
    let node = TestNode::set_up().await;
    let res = reqwest::get(node.url("/api/v1/me")).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(res).await["error"], "unauthenticated");
    let res = node
        .api("nbr_verzonnen")
        .get("/api/v1/users")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body = json(res).await;
    assert!(body["message"].as_str().unwrap().contains("niet ingelogd"));
}

#[tokio::test]
async fn api_tokens_can_be_made_and_revoked_through_the_api() {
    let node = TestNode::set_up().await;
    let api = node.api(&node.token_for("beheerder").await);
    let res = api
        .post("/api/v1/tokens")
        .json(&json!({"label": "ledenadministratie", "days": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created = json(res).await;
    let second = node.api(created["token"].as_str().unwrap());
    assert_eq!(
        second.get("/api/v1/me").send().await.unwrap().status(),
        StatusCode::OK
    );
    let id = created["id"].as_i64().unwrap();
    let res = api
        .delete(&format!("/api/v1/tokens/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        second.get("/api/v1/me").send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let bad = api
        .post("/api/v1/tokens")
        .json(&json!({"days": 99999}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(bad).await["field"], "days");
}

#[tokio::test]
async fn bad_bodies_name_the_field_and_write_nothing() {
    let node = TestNode::set_up().await;
    let api = node.api(&node.token_for("beheerder").await);

    let malformed = api
        .post("/api/v1/users")
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(malformed).await["error"], "bad_request");

    let wrong_type = api
        .post("/api/v1/users")
        .json(&json!({"username": 12, "role": "volunteer", "password": "een lang wachtwoord"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(wrong_type).await["field"], "username");

    let weak = api
        .post("/api/v1/users")
        .json(&json!({"username": "piet", "role": "volunteer", "password": "kort"}))
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(weak).await;
    assert_eq!(body["error"], "invalid");
    assert_eq!(body["field"], "password");
    assert!(body["message"].as_str().unwrap().contains("10 tekens"));

    let bad_role = api
        .post("/api/v1/users")
        .json(&json!({"username": "piet", "role": "baas", "password": "een lang wachtwoord"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json(bad_role).await["field"], "role");

    let not_json = api
        .post("/api/v1/users")
        .body("username=piet")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let huge = api
        .post("/api/v1/users")
        .header("content-type", "application/json")
        .body(format!("{{\"username\": \"{}\"}}", "a".repeat(400 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json(huge).await["error"], "too_large");

    // Nothing of the above was written.
    let users = json(api.get("/api/v1/users").send().await.unwrap()).await;
    assert_eq!(users["total"], 1);

    let ok = api
        .post("/api/v1/users")
        .json(&json!({"username": "Piet", "display_name": "Piet Bakker", "role": "volunteer", "password": "een lang wachtwoord"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);
    assert_eq!(json(ok).await["username"], "piet");
    let dup = api
        .post("/api/v1/users")
        .json(&json!({"username": "piet", "role": "volunteer", "password": "een lang wachtwoord"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), StatusCode::CONFLICT);
    assert_eq!(json(dup).await["field"], "username");
}

#[tokio::test]
async fn errors_speak_english_when_asked() {
    let node = TestNode::set_up().await;
    let res = reqwest::Client::new()
        .get(node.url("/api/v1/me"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    let body = json(res).await;
    assert!(
        body["message"].as_str().unwrap().contains("not logged in"),
        "{body}"
    );
}

#[tokio::test]
async fn users_are_paginated_and_searchable() {
    let node = TestNode::set_up().await;
    let api = node.api(&node.token_for("beheerder").await);
    for i in 0..12 {
        let res = api
            .post("/api/v1/users")
            .json(&json!({"username": format!("vrijwilliger{i:02}"), "role": "volunteer", "password": "een lang wachtwoord"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let page = json(
        api.get("/api/v1/users?per_page=5&page=3")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["total"], 13);
    assert_eq!(page["pages"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let found = json(
        api.get("/api/v1/users?q=vrijwilliger1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(found["total"], 2);
}

#[tokio::test]
async fn node_profile_through_the_api() {
    let node = TestNode::set_up().await;
    let api = node.api(&node.token_for("beheerder").await);
    let res = api
        .patch("/api/v1/node")
        .json(&json!({"kind": "regionaal"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(res).await["field"], "kind");
    let res = api
        .patch("/api/v1/node")
        .json(&json!({"kind": "regional", "name": "Netwerk Drenthe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let public = json(reqwest::get(node.url("/api/v1/node")).await.unwrap()).await;
    assert_eq!(public["kind"], "regional");
    assert_eq!(public["name"], "Netwerk Drenthe");
    assert_eq!(public["place"], "Amsterdam");
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    use noaber_node::entity::api_token;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let node = TestNode::set_up().await;
    let token = node.token_for("beheerder").await;
    let api = node.api(&token);
    assert_eq!(
        api.get("/api/v1/me").send().await.unwrap().status(),
        StatusCode::OK
    );

    // Act out the passing of time: the token's end date is now behind us.
    let db = noaber_node::db::Db::connect(&node.settings).await.unwrap();
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    api_token::Entity::update_many()
        .col_expr(api_token::Column::ExpiresAt, Expr::value(past))
        .filter(api_token::Column::UserId.eq(1))
        .exec(db.write())
        .await
        .unwrap();
    db.close().await;

    let res = api.get("/api/v1/me").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(res).await["error"], "expired");
    let list = node.cli(&["token", "list"], "").await.unwrap();
    assert!(list.starts_with("expired\t"), "{list}");
}
