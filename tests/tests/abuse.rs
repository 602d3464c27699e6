//! The web side under abuse: guessing, floods, odd paging values, and the
//! headers that keep pages out of frames and caches.

use std::net::IpAddr;

use noaber_tests::*;
use reqwest::StatusCode;

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_any_is_checked() {
    let node = TestNode::set_up().await;
    let guesser = std::sync::Arc::new(node.browser());
    let mut tasks = Vec::new();
    for i in 0..100 {
        let g = guesser.clone();
        tasks.push(tokio::spawn(async move {
            let guess = format!("geraden wachtwoord {i}");
            g.submit(
                "/inloggen",
                "/inloggen",
                &[("username", "beheerder"), ("password", guess.as_str())],
            )
            .await
            .status()
        }));
    }
    let (mut checked, mut refused) = (0, 0);
    for t in tasks {
        match t.await.expect("task") {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected answer {other}"),
        }
    }
    eprintln!("100 parallel guesses: {checked} checked, {refused} refused unchecked");
    assert!(
        checked <= 5,
        "{checked} guesses were checked; the limit is 5"
    );
    assert_eq!(checked + refused, 100);
}

#[tokio::test]
async fn failing_from_elsewhere_does_not_lock_the_owner_out() {
    let node = TestNode::set_up().await;
    let attacker = Browser::from_address(&node.base, ip("127.0.0.2"));
    let mut last = StatusCode::OK;
    for _ in 0..20 {
        last = attacker
            .submit(
                "/inloggen",
                "/inloggen",
                &[("username", "beheerder"), ("password", "niet het goede")],
            )
            .await
            .status();
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker is slowed down"
    );
    let res = attacker
        .submit(
            "/inloggen",
            "/inloggen",
            &[("username", "beheerder"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=900).contains(&wait), "{wait}");
    // The owner, at home, is not affected.
    let owner = Browser::from_address(&node.base, ip("127.0.0.3"));
    owner.login("beheerder", ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn a_burst_on_the_public_form_from_one_address_is_held_to_the_limit() {
    let node = TestNode::set_up().await;
    let visitor = std::sync::Arc::new(node.browser());
    let mut tasks = Vec::new();
    for i in 0..30 {
        let v = visitor.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("Mevrouw Burst {i}");
            v.submit(
                "/hulp-vragen",
                "/hulp-vragen",
                &[
                    ("name", name.as_str()),
                    ("contact", "0528 123456"),
                    ("description", "Hulp met de computer"),
                    ("website", ""),
                ],
            )
            .await
            .status()
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        let status = t.await.expect("task");
        if status.is_success() || status.is_redirection() {
            accepted += 1;
        } else {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        }
    }
    assert_eq!(accepted, 5, "5 per address per hour");
    let coord = node.api(&node.user_with_token("cora", "coordinator").await);
    let list = json(coord.get("/api/v1/requests").send().await.expect("GET")).await;
    assert_eq!(list["total"], 5, "only the accepted ones were stored");
}

#[tokio::test]
async fn the_public_form_has_an_hourly_cap_for_everyone_together() {
    let node = TestNode::set_up().await;
    let admin = node.browser();
    admin.login("beheerder", ADMIN_PASSWORD).await;
    let res = admin
        .submit(
            "/instellingen/hulpformulier",
            "/instellingen/hulpformulier",
            &[("public_form_hourly_cap", "0")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = admin
        .submit(
            "/instellingen/hulpformulier",
            "/instellingen/hulpformulier",
            &[("public_form_hourly_cap", "3")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut answers = Vec::new();
    for n in 10..15 {
        let visitor = Browser::from_address(&node.base, ip(&format!("127.0.0.{n}")));
        let res = visitor
            .submit(
                "/hulp-vragen",
                "/hulp-vragen",
                &[
                    ("name", "Meneer Stroom"),
                    ("contact", "0528 654321"),
                    ("description", "Boodschappen"),
                    ("website", ""),
                ],
            )
            .await;
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        answers.push((status, body));
    }
    let accepted = answers
        .iter()
        .filter(|(s, _)| s.is_redirection() || s.is_success())
        .count();
    assert_eq!(accepted, 3, "the cap of 3 per hour holds across addresses");
    let (status, body) = answers.last().expect("answers");
    assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("neemt nu even niets aan"), "{body}");
}

#[tokio::test]
async fn huge_paging_values_are_clamped_not_crashed() {
    let node = TestNode::set_up().await;
    let admin = node.api(&node.token_for("beheerder").await);
    for path in [
        "/api/v1/members?page=18446744073709551615&per_page=18446744073709551615",
        "/api/v1/requests?page=99999999999999999999",
        "/api/v1/audit?page=18446744073709551615",
        "/api/v1/deliveries?page=18446744073709551615&per_page=18446744073709551615",
        "/api/v1/users?page=18446744073709551615",
    ] {
        let res = admin.get(path).send().await.expect("GET");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let body = json(res).await;
        assert!(body.is_object(), "{path}: {body}");
    }
    let browser = node.browser();
    browser.login("beheerder", ADMIN_PASSWORD).await;
    let res = browser.get("/leden?page=18446744073709551615").await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn pages_carry_security_headers_and_personal_pages_are_not_cached() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    browser.login("beheerder", ADMIN_PASSWORD).await;
    for path in [
        "/",
        "/inloggen",
        "/leden",
        "/leden/export.csv",
        "/api/v1/me",
    ] {
        let res = if path.starts_with("/api/") {
            node.api(&node.token_for("beheerder").await)
                .get(path)
                .send()
                .await
                .expect("GET")
        } else {
            browser.get(path).await
        };
        let h = res.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(
            h.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..]),
            "{path}"
        );
        assert_eq!(
            h.get("referrer-policy").map(|v| v.as_bytes()),
            Some(&b"same-origin"[..]),
            "{path}"
        );
        assert_eq!(
            h.get("cache-control").map(|v| v.as_bytes()),
            Some(&b"no-store"[..]),
            "{path}"
        );
        assert!(
            h.get("strict-transport-security").is_none(),
            "{path}: plain HTTP"
        );
    }
    let css = browser.get("/static/noaber.css").await;
    assert_ne!(
        css.headers().get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
}

#[tokio::test]
async fn a_node_known_by_an_https_address_sends_hsts() {
    let node = TestNode::set_up_at("https://veilig.example.nl").await;
    let res = node.browser().get("/inloggen").await;
    let hsts = res
        .headers()
        .get("strict-transport-security")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(hsts.starts_with("max-age="), "{hsts}");
}

#[tokio::test]
async fn a_password_change_revokes_api_tokens() {
    let node = TestNode::set_up().await;
    let old = node.user_with_token("kees", "volunteer").await;
    let api = node.api(&old);
    assert_eq!(
        api.get("/api/v1/me").send().await.expect("GET").status(),
        StatusCode::OK
    );
    let res = api
        .post("/api/v1/me/password")
        .json(&serde_json::json!({
            "current_password": "een lang wachtwoord 42",
            "password": "een nieuw lang wachtwoord 43"
        }))
        .send()
        .await
        .expect("POST");
    assert!(
        res.status().is_success(),
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(
        api.get("/api/v1/me").send().await.expect("GET").status(),
        StatusCode::UNAUTHORIZED,
        "the old token no longer works"
    );
    // Logging out everywhere does the same to a fresh token.
    let fresh = node.api(&node.token_for("kees").await);
    let res = fresh
        .post("/api/v1/me/logout-everywhere")
        .send()
        .await
        .expect("POST");
    assert!(res.status().is_success());
    assert_eq!(
        fresh.get("/api/v1/me").send().await.expect("GET").status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Opens `n` connections that send half a request line and then nothing.
async fn half_open(addr: std::net::SocketAddr, n: usize) -> Vec<tokio::net::TcpStream> {
    use tokio::io::AsyncWriteExt;
    let mut held = Vec::new();
    for _ in 0..n {
        if let Ok(mut s) = tokio::net::TcpStream::connect(addr).await {
            let _ = s.write_all(b"GET /healthz HT").await;
            held.push(s);
        }
    }
    held
}

#[tokio::test]
async fn half_open_connections_neither_block_the_node_nor_its_stop() {
    for tls in [false, true] {
        let dir = TempDir::new();
        let mut settings = fresh_settings(&dir).await;
        settings.server.max_connections = 50;
        settings.server.header_timeout_seconds = 2;
        settings.server.shutdown_timeout_seconds = 2;
        let scheme = if tls {
            let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
                .expect("certificate");
            let cert_path = dir.0.join("cert.pem");
            let key_path = dir.0.join("key.pem");
            std::fs::write(&cert_path, cert.cert.pem()).expect("cert");
            std::fs::write(&key_path, cert.signing_key.serialize_pem()).expect("key");
            settings.server.tls = Some(noaber_node::config::TlsFiles {
                cert: cert_path,
                key: key_path,
            });
            "https"
        } else {
            "http"
        };
        let node = TestNode::start_in(dir, settings).await;
        // Twice as many as the node serves at once, all silent.
        let held = half_open(node.addr, 100).await;
        let client = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(true)
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("client");
        let res = client
            .get(format!("{scheme}://{}/healthz", node.addr))
            .send()
            .await;
        assert!(
            res.as_ref().is_ok_and(|r| r.status() == StatusCode::OK),
            "{scheme}: /healthz behind 100 silent connections: {res:?}"
        );
        // A stop with silent connections (and a fresh batch) still ends.
        let more = half_open(node.addr, 20).await;
        let stopped = tokio::time::timeout(std::time::Duration::from_secs(60), node.stop()).await;
        assert!(stopped.is_ok(), "{scheme}: the node did not stop");
        drop((held, more));
    }
}

#[tokio::test]
async fn the_form_token_is_bound_to_the_session_and_changes_at_login() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    let before = browser.form_token("/inloggen").await;
    let cookie = browser.cookie("noaber_csrf").expect("browser cookie");
    assert_ne!(
        before, cookie,
        "the token is derived, not the cookie itself"
    );
    browser.login("beheerder", ADMIN_PASSWORD).await;
    let after = browser.form_token("/account").await;
    assert_ne!(before, after, "logging in gives a new token");
    // The token from before the login, and the cookie's own value, are
    // refused now.
    for stale in [before.as_str(), cookie.as_str()] {
        let res = browser
            .post_form("/account/overal-uitloggen", &[("csrf_token", stale)])
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(browser.get("/account").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn forms_sent_from_another_site_are_refused_even_with_a_token() {
    let node = TestNode::set_up().await;
    let browser = node.browser();
    browser.login("beheerder", ADMIN_PASSWORD).await;
    let token = browser.form_token("/account").await;
    let post = |header: &'static str, value: String| {
        let token = token.clone();
        let client = browser.client.clone();
        let url = node.url("/account/overal-uitloggen");
        async move {
            client
                .post(url)
                .header(header, value)
                .form(&[("csrf_token", token.as_str())])
                .send()
                .await
                .expect("POST")
                .status()
        }
    };
    assert_eq!(
        post("origin", "https://kwaadwillend.example".to_owned()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post("origin", "null".to_owned()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post("sec-fetch-site", "cross-site".to_owned()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post("sec-fetch-site", "same-site".to_owned()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        browser.get("/account").await.status(),
        StatusCode::OK,
        "nothing happened"
    );
    // From the node's own page it works.
    assert_eq!(
        post("origin", node.base.clone()).await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_https_node_uses_host_prefixed_secure_cookies() {
    let node = TestNode::set_up_at("https://veilig.example.nl").await;
    let res = node.browser().get("/inloggen").await;
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("__Host-noaber_csrf="))
        .unwrap_or_else(|| panic!("{cookies:?}"));
    assert!(csrf.contains("; Secure") && csrf.contains("Path=/") && !csrf.contains("Domain"));
}

/// Activities as other fediverse software sends them, from the shared
/// fixtures.
fn fixture_activities() -> Vec<Vec<u8>> {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/fediverse");
    let mut out = Vec::new();
    let mut stack: Vec<std::path::PathBuf> = std::fs::read_dir(&root)
        .expect("the shared fixtures")
        .filter_map(|e| e.ok().map(|e| e.path().join("activities")))
        .collect();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for e in std::fs::read_dir(&path).expect("dir").flatten() {
                stack.push(e.path());
            }
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(std::fs::read(&path).expect("fixture"));
        }
    }
    out
}

#[tokio::test]
async fn mutated_activities_at_the_inbox_get_only_client_errors() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;

    let node = TestNode::federated(61, "Inbox", "initiative").await;
    let peer = crate::peers::Peer::start("127.0.0.62").await;
    let key_id = peer.url("/users/piet#main-key");
    let piet = peer.serve_actor("/users/piet", "Person", &key_id);
    let fixtures = fixture_activities();
    assert!(fixtures.len() > 20, "fixtures found: {}", fixtures.len());
    let edits = proptest::collection::vec(
        (
            proptest::prelude::any::<proptest::sample::Index>(),
            0u8..3,
            proptest::prelude::any::<u8>(),
        ),
        0..16,
    );
    let signature = proptest::prop_oneof![
        proptest::strategy::Just(String::new()),
        "[ -~]{0,200}",
        "keyId=\"https://[a-z]{1,8}\\.example/users/[a-z]{1,6}#main-key\",algorithm=\"rsa-sha256\",headers=\"\\(request-target\\) host date digest\",signature=\"[A-Za-z0-9+/=]{0,40}\"",
    ];
    let case = (
        proptest::prelude::any::<proptest::sample::Index>(),
        edits,
        signature,
        0u8..3,
    );
    let mut runner = TestRunner::deterministic();
    let client = reqwest::Client::new();
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..300 {
        let (which, edits, signature, how) = case.new_tree(&mut runner).expect("a case").current();
        let mut body = fixtures[which.index(fixtures.len())].clone();
        let signed = how == 2;
        if signed && let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&body) {
            // Made to come from the peer, so the body gets past the
            // signature and is read for real.
            doc["actor"] = serde_json::Value::String(piet.clone());
            doc["id"] = serde_json::Value::String(peer.url("/activities/1"));
            body = serde_json::to_vec(&doc).expect("json");
        }
        for (at, how, byte) in edits {
            if body.is_empty() {
                break;
            }
            let i = at.index(body.len());
            match how {
                0 => body[i] = byte,
                1 => {
                    body.remove(i);
                }
                _ => body.insert(i, byte),
            }
        }
        if signed {
            let status = peer
                .post_cavage_bytes(&key_id, &node.url("/inbox"), body.clone())
                .await;
            let accepted_as_valid = status.is_success()
                && serde_json::from_slice::<serde_json::Value>(&body)
                    .is_ok_and(|d| d["actor"] == piet.as_str());
            assert!(
                status.is_client_error() || accepted_as_valid,
                "{status} for a signed {}",
                String::from_utf8_lossy(&body)
            );
            *statuses.entry(status.as_u16()).or_insert(0) += 1;
            continue;
        }
        let rfc9421 = how == 1;
        let mut req = client
            .post(node.url(if rfc9421 { "/instance/inbox" } else { "/inbox" }))
            .header("content-type", "application/activity+json")
            .header(
                "date",
                httpdate::fmt_http_date(std::time::SystemTime::now()),
            );
        if rfc9421 {
            req = req
                .header(
                    "signature-input",
                    format!("sig1=(\"@method\");keyid=\"{}\"", signature.len()),
                )
                .header("signature", "sig1=:AAAA:");
        } else if !signature.is_empty() {
            req = req.header("signature", signature);
        }
        let status = req.body(body.clone()).send().await.expect("POST").status();
        assert!(
            status.is_client_error(),
            "{status} for {}",
            String::from_utf8_lossy(&body)
        );
        *statuses.entry(status.as_u16()).or_insert(0) += 1;
    }
    eprintln!("inbox answers to 300 mutated activities: {statuses:?}");
}
