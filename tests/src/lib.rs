//! Test harness: starts real Noaber nodes on loopback and speaks HTTP to them.
//!
//! Each node gets its own data directory, or, when `NOABER_TEST_POSTGRES_URL`
//! names a PostgreSQL server, its own freshly created database there, so the
//! same tests run on both backends.

pub mod bench;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use noaber_node::app::ShutdownHandle;
use noaber_node::cli::{Cli, CliIo};
use noaber_node::{Application, Settings};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use sea_orm::ConnectionTrait;
use tokio::task::JoinHandle;

pub const ADMIN_PASSWORD: &str = "fiets langs de IJssel";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A directory removed when the test is done.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!(
            "noaber-test-{}-{n}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:x}")
}

/// Which database the suite runs on.
pub fn postgres_url() -> Option<String> {
    std::env::var("NOABER_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Creates database `name` on the server `admin_url` points at; returns
/// the URL of the new database.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> String {
    let admin = sea_orm::Database::connect(admin_url)
        .await
        .expect("connect to test PostgreSQL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    let _ = admin.close().await;
    let mut url = url::Url::parse(admin_url).expect("postgres url");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Settings for a fresh node: port 0 on loopback, its own storage.
pub async fn fresh_settings(dir: &TempDir) -> Settings {
    let mut settings = Settings::with_data_dir(dir.0.join("data"));
    settings.server.listen = "127.0.0.1:0".parse().expect("addr");
    if let Some(admin_url) = postgres_url() {
        let name = format!(
            "noaber_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            rand_suffix()
        );
        settings.database.url = Some(create_postgres_database(&admin_url, &name).await);
        settings.database.max_connections = 5;
    }
    settings
}

/// A running node.
pub struct TestNode {
    pub base: String,
    pub addr: std::net::SocketAddr,
    pub settings: Settings,
    pub dir: TempDir,
    /// The node's own federation handle (in-process publishing).
    pub fed: noaber_federation::Federation,
    handle: ShutdownHandle,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestNode {
    pub async fn start() -> Self {
        let dir = TempDir::new();
        let settings = fresh_settings(&dir).await;
        Self::start_in(dir, settings).await
    }

    pub async fn start_in(dir: TempDir, settings: Settings) -> Self {
        let app = Application::build(settings.clone())
            .await
            .expect("application starts");
        let addr = app.local_addr().expect("local addr");
        let handle = app.shutdown_handle();
        let fed = app.federation();
        let task = tokio::spawn(app.run_until_stopped());
        Self {
            base: format!("http://{addr}"),
            addr,
            settings,
            dir,
            fed,
            handle,
            task,
        }
    }

    /// A fresh node that has been set up, with an admin `beheerder`.
    pub async fn set_up() -> Self {
        Self::set_up_at("http://zuid.example.nl").await
    }

    /// [`Self::set_up`] with settings changed first (mail, for instance).
    pub async fn set_up_with(tweak: impl FnOnce(&mut Settings)) -> Self {
        let dir = TempDir::new();
        let mut settings = fresh_settings(&dir).await;
        tweak(&mut settings);
        let node = Self::start_in(dir, settings).await;
        node.run_setup(
            "Stadsdorp Zuid",
            "initiative",
            "Amsterdam",
            "http://zuid.example.nl",
        )
        .await;
        node.restart().await
    }

    /// [`Self::set_up`] with another internet address (an `https://` one
    /// makes the node use secure cookies and HSTS).
    pub async fn set_up_at(base_url: &str) -> Self {
        let node = Self::start().await;
        node.run_setup("Stadsdorp Zuid", "initiative", "Amsterdam", base_url)
            .await;
        // The running node caches its profile; reading it again is what a
        // restart would do.
        node.restart().await
    }

    /// Runs `noaber setup` on this node's storage: an initiative or network
    /// named `name` in `place` at `base_url`, with an admin `beheerder`.
    pub async fn run_setup(&self, name: &str, kind: &str, place: &str, base_url: &str) {
        self.cli(
            &[
                "setup",
                "--name",
                name,
                "--kind",
                kind,
                "--place",
                place,
                "--base-url",
                base_url,
                "--admin-user",
                "beheerder",
                "--admin-name",
                "Annie de Vries",
            ],
            ADMIN_PASSWORD,
        )
        .await
        .expect("setup");
    }

    /// Stops the node, waiting until it has closed its database.
    pub async fn stop(self) -> (TempDir, Settings) {
        self.handle.shutdown();
        let _ = self.task.await;
        (self.dir, self.settings)
    }

    /// Stops and starts the node on the same storage and address.
    pub async fn restart(self) -> Self {
        let addr = self.addr;
        let (dir, mut settings) = self.stop().await;
        settings.server.listen = addr;
        Self::start_in(dir, settings).await
    }

    /// Starts a stopped node again on its old address.
    pub async fn start_again(
        dir: TempDir,
        mut settings: Settings,
        addr: std::net::SocketAddr,
    ) -> Self {
        settings.server.listen = addr;
        Self::start_in(dir, settings).await
    }

    /// A set-up node that federates, on its own loopback address
    /// (`127.0.0.<n>`), with its real address as base URL.
    pub async fn federated(n: u8, name: &str, kind: &str) -> Self {
        Self::federated_with(n, name, kind, |_| {}).await
    }

    /// [`Self::federated`] with settings changed by `tweak` first.
    pub async fn federated_with(
        n: u8,
        name: &str,
        kind: &str,
        tweak: impl FnOnce(&mut Settings),
    ) -> Self {
        let dir = TempDir::new();
        let mut settings = fresh_settings(&dir).await;
        settings.server.listen = format!("127.0.0.{n}:0").parse().expect("addr");
        settings.federation.allow_http = true;
        settings.federation.allow_private = vec!["127.0.0.0/8".parse().expect("net")];
        settings.federation.retry_base_seconds = 1;
        tweak(&mut settings);
        let node = Self::start_in(dir, settings).await;
        let base = node.base.clone();
        node.run_setup(name, kind, "Drenthe", &base).await;
        node
    }

    /// A federation handle on this node's storage, as the node has it.
    pub async fn federation(&self) -> noaber_federation::Federation {
        let db = noaber_node::db::Db::connect(&self.settings)
            .await
            .expect("db");
        noaber_node::fed::handle(&db, &self.settings).expect("federation handle")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    pub fn api(&self, token: &str) -> Api {
        Api {
            base: self.base.clone(),
            token: token.to_owned(),
            client: Client::new(),
        }
    }

    /// Runs a `noaber` command against this node's storage, as an operator
    /// would on the same machine. Returns what it printed.
    pub async fn cli(&self, args: &[&str], password: &str) -> Result<String, String> {
        run_cli(&self.settings, &self.dir, args, password).await
    }

    /// A token for a user, made with `noaber token create`.
    pub async fn token_for(&self, username: &str) -> String {
        self.cli(&["token", "create", "--user", username], "")
            .await
            .expect("token create")
            .trim()
            .to_owned()
    }

    /// Adds a user with the CLI and returns a token for them.
    pub async fn user_with_token(&self, username: &str, role: &str) -> String {
        self.cli(
            &["user", "add", username, "--role", role],
            "een lang wachtwoord 42",
        )
        .await
        .expect("user add");
        self.token_for(username).await
    }
}

/// In-memory terminal for CLI tests.
pub struct TestIo {
    pub out: Vec<u8>,
    pub password: String,
    pub env: HashMap<String, String>,
}

impl CliIo for TestIo {
    fn out(&mut self) -> &mut dyn std::io::Write {
        &mut self.out
    }

    fn password(&mut self, _env_var: &str, _prompt: &str) -> std::io::Result<String> {
        Ok(self.password.clone())
    }

    fn env(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }
}

/// Runs the CLI with the storage of `settings` passed the way an operator
/// would: `--data-dir` and `DATABASE_URL`.
pub async fn run_cli(
    settings: &Settings,
    _dir: &TempDir,
    args: &[&str],
    password: &str,
) -> Result<String, String> {
    use clap::Parser;
    let data_dir = settings.storage.data_dir.display().to_string();
    let mut argv = vec!["noaber", "--data-dir", data_dir.as_str()];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    let mut env = HashMap::new();
    if let Some(url) = &settings.database.url {
        env.insert("DATABASE_URL".to_owned(), url.clone());
    }
    // The federation settings of a test node, as an operator would set them.
    let f = &settings.federation;
    env.insert(
        "NOABER_FEDERATION_ALLOW_HTTP".to_owned(),
        f.allow_http.to_string(),
    );
    env.insert(
        "NOABER_FEDERATION_RETRY_BASE_SECONDS".to_owned(),
        f.retry_base_seconds.to_string(),
    );
    if !f.allow_private.is_empty() {
        env.insert(
            "NOABER_FEDERATION_ALLOW_PRIVATE".to_owned(),
            "127.0.0.0/8".to_owned(),
        );
    }
    let mut io = TestIo {
        out: Vec::new(),
        password: password.to_owned(),
        env,
    };
    noaber_node::cli::run(cli, &mut io)
        .await
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&io.out).into_owned())
}

/// A browser: keeps cookies, does not follow redirects (tests look at them).
pub struct Browser {
    pub base: String,
    pub client: Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self::with_client(base, Client::builder())
    }

    /// A browser whose requests come from `ip` (a 127.0.0.x address), as
    /// a visitor elsewhere would.
    pub fn from_address(base: &str, ip: std::net::IpAddr) -> Self {
        Self::with_client(base, Client::builder().local_address(ip))
    }

    fn with_client(base: &str, builder: reqwest::ClientBuilder) -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = builder
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .build()
            .expect("client");
        Self {
            base: base.to_owned(),
            client,
            jar,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    /// The CSRF token as a page's form carries it.
    pub async fn form_token(&self, path: &str) -> String {
        let html = self.get(path).await.text().await.expect("body");
        extract_csrf(&html).unwrap_or_default()
    }

    /// Submits a form the way a browser does after loading `page`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.form_token(page).await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_form(&self, action: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{action}", self.base))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// Logs in and checks that it worked.
    pub async fn login(&self, username: &str, password: &str) {
        let res = self
            .submit(
                "/inloggen",
                "/inloggen",
                &[("username", username), ("password", password)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "login as {username}");
    }

    /// The value of a cookie this browser holds for the node.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = url::Url::parse(&self.base).ok()?;
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }

    /// Gives this browser a cookie, as if it had been set earlier.
    pub fn set_cookie(&self, name: &str, value: &str) {
        if let Ok(url) = url::Url::parse(&self.base) {
            self.jar
                .add_cookie_str(&format!("{name}={value}; Path=/"), &url);
        }
    }
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// An API client with a bearer token.
pub struct Api {
    pub base: String,
    pub token: String,
    pub client: Client,
}

impl Api {
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    pub fn put(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    pub fn patch(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .patch(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .delete(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }
}

/// Reads a JSON body, failing the test with the body if it is not JSON.
pub async fn json(res: Response) -> serde_json::Value {
    let text = res.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// A short update (nieuws) to publish in federation tests: its text is its
/// whole content.
pub fn news(text: &str) -> noaber_federation::publication::Publication {
    use noaber_federation::publication::{Publication, UpdateDraft};
    Publication::Update(UpdateDraft {
        title: text.to_owned(),
        markdown: text.to_owned(),
        html: text.to_owned(),
        url: url::Url::parse("https://noaber.invalid/nieuws").expect("a fixed URL"),
    })
}
