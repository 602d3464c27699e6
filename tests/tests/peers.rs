//! Small fediverse peers written for the tests: they serve the documents a
//! test gives them, record what is posted to them, and sign requests the
//! way other servers do (draft-cavage, or RFC 9421 done here independently
//! of the node's own code).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[derive(Clone, Default)]
struct Shared {
    docs: Arc<Mutex<HashMap<String, (StatusCode, Value)>>>,
    received: Arc<Mutex<Vec<(String, Value)>>>,
    /// Behave as a LitePub relay that takes only `Application` actors.
    only_application: bool,
    /// What the relay check saw: (actor URL, actor type, answered status).
    follow_checks: Arc<Mutex<Vec<(String, String, u16)>>>,
}

pub struct Peer {
    pub base: String,
    pub public_pem: String,
    pub private_pem: String,
    shared: Shared,
}

async fn handle(State(s): State<Shared>, method: Method, uri: Uri, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    if method == Method::GET {
        let doc = s.docs.lock().unwrap().get(&path).cloned();
        return match doc {
            Some((status, doc)) => (
                status,
                [("content-type", "application/activity+json")],
                doc.to_string(),
            )
                .into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    let Ok(activity) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if s.only_application && activity["type"] == "Follow" {
        let actor = activity["actor"].as_str().unwrap_or_default().to_owned();
        let doc: Value = match reqwest::Client::new()
            .get(&actor)
            .header("accept", "application/activity+json")
            .send()
            .await
        {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        let kind = doc["type"].as_str().unwrap_or_default().to_owned();
        let status = if kind == "Application" {
            StatusCode::ACCEPTED
        } else {
            StatusCode::FORBIDDEN
        };
        s.follow_checks
            .lock()
            .unwrap()
            .push((actor, kind, status.as_u16()));
        if status != StatusCode::ACCEPTED {
            return status.into_response();
        }
    }
    s.received.lock().unwrap().push((path, activity));
    StatusCode::ACCEPTED.into_response()
}

impl Peer {
    /// A peer on `ip` (a loopback address), on a free port.
    pub async fn start(ip: &str) -> Self {
        Self::start_with(ip, false).await
    }

    /// A LitePub relay that accepts only `Application` actors.
    pub async fn relay(ip: &str) -> Self {
        Self::start_with(ip, true).await
    }

    async fn start_with(ip: &str, only_application: bool) -> Self {
        let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Shared {
            only_application,
            ..Shared::default()
        };
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let (public_pem, private_pem) = noaber_federation::keys::generate().unwrap();
        Self {
            base: format!("http://{addr}"),
            public_pem,
            private_pem,
            shared,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Serves `doc` at `path` with `status`.
    pub fn serve(&self, path: &str, status: StatusCode, doc: Value) {
        self.shared
            .docs
            .lock()
            .unwrap()
            .insert(path.to_owned(), (status, doc));
    }

    /// Serves an actor at `path` whose key has the id `key_id`.
    pub fn serve_actor(&self, path: &str, kind: &str, key_id: &str) -> String {
        let id = self.url(path);
        self.serve(
            path,
            StatusCode::OK,
            json!({
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": id, "type": kind, "preferredUsername": path.rsplit('/').next().unwrap_or("peer"),
                "inbox": format!("{id}/inbox"),
                "endpoints": {"sharedInbox": self.url("/inbox")},
                "publicKey": {"id": key_id, "owner": id, "publicKeyPem": self.public_pem},
            }),
        );
        id
    }

    /// Everything posted to this peer: (path, activity).
    pub fn received(&self) -> Vec<(String, Value)> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn follow_checks(&self) -> Vec<(String, String, u16)> {
        self.shared.follow_checks.lock().unwrap().clone()
    }

    /// POSTs `activity` to `inbox`, signed draft-cavage with `key_id`.
    pub async fn post_cavage(&self, key_id: &str, inbox: &str, activity: &Value) -> StatusCode {
        self.post_cavage_bytes(key_id, inbox, serde_json::to_vec(activity).unwrap())
            .await
    }

    /// POSTs any body to `inbox`, signed draft-cavage with `key_id`.
    pub async fn post_cavage_bytes(&self, key_id: &str, inbox: &str, body: Vec<u8>) -> StatusCode {
        let key = noaber_federation::keys::SigningKey::from_pkcs8_pem(&self.private_pem).unwrap();
        let url = url::Url::parse(inbox).unwrap();
        let headers = noaber_federation::signature::sign(
            &key,
            key_id,
            &Method::POST,
            &url,
            Some(&body),
            "application/activity+json",
            SystemTime::now(),
        )
        .unwrap();
        let mut req = reqwest::Client::new().post(inbox);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.body(body).send().await.unwrap().status()
    }

    /// A GET of `url`, signed draft-cavage with `key_id`.
    pub async fn get_cavage(&self, key_id: &str, url: &str) -> StatusCode {
        let key = noaber_federation::keys::SigningKey::from_pkcs8_pem(&self.private_pem).unwrap();
        let u = url::Url::parse(url).unwrap();
        let headers = noaber_federation::signature::sign(
            &key,
            key_id,
            &Method::GET,
            &u,
            None,
            "",
            SystemTime::now(),
        )
        .unwrap();
        let mut req = reqwest::Client::new()
            .get(url)
            .header("accept", "application/activity+json");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send().await.unwrap().status()
    }

    /// POSTs `body` to `inbox` signed as RFC 9421 prescribes, with an RFC
    /// 9530 `Content-Digest` of `digest_of` (the body itself unless a test
    /// alters one of them). Written from the RFCs, apart from the node's
    /// verifier, with the `rsa` crate.
    pub async fn post_rfc9421(
        &self,
        key_id: &str,
        inbox: &str,
        body: &[u8],
        digest_of: &[u8],
    ) -> StatusCode {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::{Pkcs1v15Sign, RsaPrivateKey};
        let url = url::Url::parse(inbox).unwrap();
        let authority = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
        let target = format!("http://{authority}{}", url.path());
        let digest = format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(digest_of)));
        let date = httpdate::fmt_http_date(SystemTime::now());
        let created = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let params = format!(
            "(\"@method\" \"@target-uri\" \"content-digest\" \"date\");created={created};keyid=\"{key_id}\";alg=\"rsa-v1_5-sha256\""
        );
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": {target}\n\"content-digest\": {digest}\n\"date\": {date}\n\"@signature-params\": {params}"
        );
        let key = RsaPrivateKey::from_pkcs8_pem(&self.private_pem).unwrap();
        let signature = key
            .sign(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(base.as_bytes()),
            )
            .unwrap();
        reqwest::Client::new()
            .post(inbox)
            .header("content-type", "application/activity+json")
            .header("date", date)
            .header("content-digest", digest)
            .header("signature-input", format!("sig1={params}"))
            .header(
                "signature",
                format!("sig1=:{}:", STANDARD.encode(signature)),
            )
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
            .status()
    }
}
