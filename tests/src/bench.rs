//! Helpers the benchmarks share: they run the release binary as its own
//! process and read its memory from `/proc`.

use std::path::Path;
use std::process::Command;

/// A number from the environment, or `default`.
pub fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A port nothing listens on at `ip` right now.
pub fn free_port(ip: &str) -> u16 {
    std::net::TcpListener::bind((ip, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A `/proc/PID/status` field in kB (`VmRSS:` now, `VmHWM:` the peak).
pub fn rss_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The release binary, or `NOABER_BIN`.
pub fn binary() -> String {
    std::env::var("NOABER_BIN").unwrap_or_else(|_| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        root.join("target/release/noaber").display().to_string()
    })
}

/// `noaber --data-dir DATA ARGS` with loopback federation allowed.
pub fn noaber(data: &Path, args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut c = Command::new(binary());
    c.arg("--data-dir").arg(data).args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.env("NOABER_FEDERATION_ALLOW_HTTP", "true")
        .env("NOABER_FEDERATION_ALLOW_PRIVATE", "127.0.0.0/8")
        .env("NOABER_LOG_LEVEL", "warn");
    c
}

/// A remote actor served by the bench: its document and key.
#[derive(Clone)]
pub struct Remote {
    pub base: String,
    pub doc: serde_json::Value,
}

pub async fn serve_remote(public_pem: String) -> Remote {
    let listener = tokio::net::TcpListener::bind("127.0.0.5:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": format!("{base}/actor"), "type": "Organization", "preferredUsername": "sender",
        "inbox": format!("{base}/inbox"),
        "publicKey": {"id": format!("{base}/actor#main-key"), "owner": format!("{base}/actor"), "publicKeyPem": public_pem},
    });
    let served = doc.clone();
    let app = axum::Router::new().route(
        "/actor",
        axum::routing::get(move || {
            let d = served.clone();
            async move {
                (
                    [("content-type", "application/activity+json")],
                    d.to_string(),
                )
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Remote { base, doc }
}

/// A signed request: its headers and body.
pub type Signed = (Vec<(&'static str, String)>, Vec<u8>);

/// Posts each request to its URL, 32 at a time; returns the time taken
/// and how many were answered 202 Accepted.
pub async fn post_all(requests: Vec<(String, Signed)>) -> (std::time::Duration, usize) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let client = reqwest::Client::new();
    let accepted = Arc::new(AtomicUsize::new(0));
    let queue = Arc::new(std::sync::Mutex::new(requests));
    let t = std::time::Instant::now();
    let mut workers = Vec::new();
    for _ in 0..32 {
        let (queue, accepted, client) = (queue.clone(), accepted.clone(), client.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop());
                let Some((url, (headers, body))) = next else {
                    break;
                };
                let mut r = client.post(url);
                for (k, v) in headers {
                    r = r.header(k, v);
                }
                if r.body(body)
                    .send()
                    .await
                    .is_ok_and(|res| res.status() == reqwest::StatusCode::ACCEPTED)
                {
                    accepted.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    (t.elapsed(), accepted.load(Ordering::SeqCst))
}

/// Waits up to 20 s for `base`'s `/readyz` to answer 200.
pub async fn wait_ready(base: &str) -> bool {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// The public key a node's actor document names.
pub async fn node_public_key(base: &str) -> String {
    let doc: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/actor"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("json");
    doc["publicKey"]["publicKeyPem"]
        .as_str()
        .expect("pem")
        .to_owned()
}

/// Prints the machine the benchmark ran on: cores and CPU model.
pub fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    println!(
        "machine: {} cores, {cpu}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
}

/// A fresh RSA-2048 key pair, with the bare cost of signing and verifying
/// a request's signing string with it (ring, one core), measured now.
pub struct BareSigning {
    pub public_pem: String,
    pub private_pem: String,
    pub key: noaber_federation::keys::SigningKey,
    pub sign: std::time::Duration,
    pub verify: std::time::Duration,
}

/// Measures [`BareSigning`] over `signs` signatures and `verifies`
/// verifications.
pub fn bare_signing(signs: u32, verifies: u32) -> BareSigning {
    use noaber_federation::keys::{SigningKey, VerifyingKey};
    let (public_pem, private_pem) = noaber_federation::keys::generate().expect("key");
    let key = SigningKey::from_pkcs8_pem(&private_pem).expect("signing key");
    let vk = VerifyingKey::from_pem(&public_pem).expect("verifying key");
    let t = std::time::Instant::now();
    let mut sig = String::new();
    for _ in 0..signs {
        sig = key.sign(SIGNING_STRING).expect("sign");
    }
    let sign = t.elapsed() / signs.max(1);
    let t = std::time::Instant::now();
    for _ in 0..verifies {
        assert!(vk.verify(SIGNING_STRING, &sig));
    }
    let verify = t.elapsed() / verifies.max(1);
    BareSigning {
        public_pem,
        private_pem,
        key,
        sign,
        verify,
    }
}

/// A signing string as a delivery has it.
pub const SIGNING_STRING: &[u8] = b"(request-target): post /inbox/123\nhost: 127.0.0.4:40000\ndate: Tue, 25 Nov 2026 10:00:00 GMT\ndigest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\ncontent-type: application/activity+json";
