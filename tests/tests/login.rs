//! Login, logout, throttling, CSRF and sessions.

use noaber_tests::{ADMIN_PASSWORD, Browser, TestNode};
use reqwest::StatusCode;

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    for (user, pw) in [
        ("beheerder", "niet het wachtwoord"),
        ("niemand", ADMIN_PASSWORD),
    ] {
        let res = browser
            .submit(
                "/inloggen",
                "/inloggen",
                &[("username", user), ("password", pw)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let html = res.text().await.unwrap();
        assert!(html.contains("De gebruikersnaam of het wachtwoord klopt niet."));
        assert!(html.contains(&format!("value=\"{user}\"")), "username kept");
    }
    let empty = browser
        .submit(
            "/inloggen",
            "/inloggen",
            &[("username", ""), ("password", "")],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().await.unwrap().contains("href=\"#username\""));
}

#[tokio::test]
async fn login_then_logout() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    // A protected page sends the visitor to login and back afterwards.
    let res = browser.get("/account").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/inloggen?volgende=%2Faccount");

    let res = browser
        .submit(
            "/inloggen?volgende=/account",
            "/inloggen",
            &[
                ("username", "Beheerder"),
                ("password", ADMIN_PASSWORD),
                ("volgende", "/account"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/account");
    let page = browser.get("/account").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Annie de Vries"));

    let out = browser.submit("/account", "/uitloggen", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get("/account").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn login_never_redirects_to_another_site() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    let res = browser
        .submit(
            "/inloggen",
            "/inloggen",
            &[
                ("username", "beheerder"),
                ("password", ADMIN_PASSWORD),
                ("volgende", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn log_out_everywhere_ends_other_browsers_sessions() {
    let node = TestNode::set_up().await;
    let home = node.browser();
    let buurthuis = node.browser();
    home.login("beheerder", ADMIN_PASSWORD).await;
    buurthuis.login("beheerder", ADMIN_PASSWORD).await;
    assert_eq!(buurthuis.get("/account").await.status(), StatusCode::OK);

    let res = home
        .submit("/account", "/account/overal-uitloggen", &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        buurthuis.get("/account").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(home.get("/account").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn repeated_failures_pause_the_account_even_for_the_right_password() {
    let node = TestNode::set_up().await;
    let attacker = node.browser();
    for _ in 0..5 {
        let res = attacker
            .submit(
                "/inloggen",
                "/inloggen",
                &[("username", "beheerder"), ("password", "raden raden raden")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let owner = node.browser();
    let res = owner
        .submit(
            "/inloggen",
            "/inloggen",
            &[("username", "beheerder"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.text().await.unwrap().contains("Wacht een paar minuten"));
    // Other accounts are not paused by one account's failures.
    node.cli(
        &["user", "add", "kees", "--role", "volunteer"],
        "zijn fiets staat buiten",
    )
    .await
    .unwrap();
    owner.login("kees", "zijn fiets staat buiten").await;
}

#[tokio::test]
async fn many_failures_from_one_address_pause_that_address() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    // 30 failures spread over different usernames (the per-address limit).
    for i in 0..30 {
        let user = format!("gok{i}");
        let res = browser
            .submit(
                "/inloggen",
                "/inloggen",
                &[("username", &user), ("password", "fout fout fout")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let res = browser
        .submit(
            "/inloggen",
            "/inloggen",
            &[("username", "beheerder"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    browser.login("beheerder", ADMIN_PASSWORD).await;

    // No token at all.
    let res = browser.post_form("/account/overal-uitloggen", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Het formulier is verlopen")
    );
    // A token, but not this browser's.
    let other = Browser::new(&node.base);
    let foreign = other.form_token("/inloggen").await;
    let res = browser
        .post_form(
            "/account/overal-uitloggen",
            &[("csrf_token", foreign.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Still logged in: nothing happened.
    assert_eq!(browser.get("/account").await.status(), StatusCode::OK);

    // A login form posted from elsewhere (no cookie) is refused too.
    let res = Browser::new(&node.base)
        .post_form(
            "/inloggen",
            &[
                ("csrf_token", "x"),
                ("username", "beheerder"),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_expired_session_asks_to_log_in_again() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    browser.login("beheerder", ADMIN_PASSWORD).await;
    let token = browser.cookie("noaber_session").expect("session cookie");
    let db = noaber_node::db::Db::connect(&node.settings).await.unwrap();
    noaber_node::auth::session::expire_now(&db, &token)
        .await
        .unwrap();
    db.close().await;

    let res = browser.get("/account").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("verlopen=1"), "{location}");
    let page = browser.get(&location).await.text().await.unwrap();
    assert!(page.contains("Log opnieuw in"));
}

#[tokio::test]
async fn changing_the_password_keeps_this_browser_and_ends_others() {
    let node = TestNode::set_up().await;
    let me = node.browser();
    let elsewhere = node.browser();
    me.login("beheerder", ADMIN_PASSWORD).await;
    elsewhere.login("beheerder", ADMIN_PASSWORD).await;

    let wrong = me
        .submit(
            "/account",
            "/account/wachtwoord",
            &[
                ("current_password", "fout"),
                ("password", "een nieuw lang wachtwoord"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Het huidige wachtwoord klopt niet")
    );

    let ok = me
        .submit(
            "/account",
            "/account/wachtwoord",
            &[
                ("current_password", ADMIN_PASSWORD),
                ("password", "een nieuw lang wachtwoord"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(me.get("/account").await.status(), StatusCode::OK);
    assert_eq!(
        elsewhere.get("/account").await.status(),
        StatusCode::SEE_OTHER
    );
    node.browser()
        .login("beheerder", "een nieuw lang wachtwoord")
        .await;
}

#[tokio::test]
async fn the_language_switch_is_no_open_redirect() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    for target in [
        "//evil.example/",
        "/%09/evil.example/",
        "/\\evil.example",
        "https://evil.example/",
    ] {
        let res = browser.get(&format!("/taal?lang=en&terug={target}")).await;
        assert_eq!(res.headers()["location"], "/", "{target}");
    }
    let res = browser.get("/taal?lang=en&terug=/leden").await;
    assert_eq!(res.headers()["location"], "/leden");
}
