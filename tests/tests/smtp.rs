//! A small SMTP server for the tests: TLS from the first byte or after
//! STARTTLS, with a certificate from a throwaway certificate authority that
//! the node is told to trust, AUTH PLAIN and LOGIN, and knobs to refuse an
//! address or fail the next few mails for a while. It keeps what it got.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// TLS from the first byte (port 465 style).
    Tls,
    /// Plain greeting, then STARTTLS; mail is refused before it.
    StartTls,
    /// No encryption offered at all: mail is taken in the clear.
    Plain,
}

/// One mail as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
    /// Whether the conversation was encrypted when the mail came.
    pub tls: bool,
    /// The user name given with AUTH, if any.
    pub user: Option<String>,
    pub password: Option<String>,
}

impl Received {
    /// The message body, with quoted-printable soft breaks undone and
    /// `=XX` escapes decoded, so that tests can look for plain text.
    pub fn text(&self) -> String {
        let body = self
            .data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or(&self.data);
        decode_qp(body)
    }

    pub fn subject(&self) -> String {
        self.data
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Default)]
struct State {
    received: Mutex<Vec<Received>>,
    arrived: Notify,
    /// Recipients answered with 550.
    refuse: Mutex<Vec<String>>,
    /// The next this many mails get 451 (try again later).
    fail_next: AtomicUsize,
    /// Every login is refused (535), as with a wrong password.
    refuse_login: std::sync::atomic::AtomicBool,
}

pub struct SmtpServer {
    pub port: u16,
    /// The test authority's certificate, for `mail.ca_file`.
    pub ca_file: PathBuf,
    state: Arc<State>,
    _dir: noaber_tests::TempDir,
}

impl SmtpServer {
    pub async fn start(mode: Mode) -> Self {
        let dir = noaber_tests::TempDir::new();
        let ca_key = rcgen::KeyPair::generate().expect("key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Noaber test CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).expect("ca");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_key = rcgen::KeyPair::generate().expect("key");
        let mut leaf_params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
        leaf_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "127.0.0.1");
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).expect("leaf");
        let ca_file = dir.0.join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).expect("ca file");

        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .expect("tls config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(State::default());
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let state = shared.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match mode {
                        Mode::Tls => {
                            if let Ok(tls) = acceptor.accept(socket).await {
                                let _ = converse(Box::new(tls), &state, true, None).await;
                            }
                        }
                        Mode::StartTls => {
                            let _ = converse(Box::new(socket), &state, false, Some(acceptor)).await;
                        }
                        Mode::Plain => {
                            let _ = converse(Box::new(socket), &state, false, None).await;
                        }
                    }
                });
            }
        });
        Self {
            port,
            ca_file,
            state,
            _dir: dir,
        }
    }

    /// Settings for a node that sends through this server.
    pub fn settings(&self, mode: Mode) -> noaber_node::config::MailSettings {
        noaber_node::config::MailSettings {
            smtp: Some(noaber_node::config::SmtpSettings {
                host: "127.0.0.1".into(),
                port: self.port,
                security: match mode {
                    Mode::Tls => noaber_node::config::SmtpSecurity::Tls,
                    Mode::StartTls | Mode::Plain => noaber_node::config::SmtpSecurity::StartTls,
                },
                username: Some("stadsdorp".into()),
                password: Some("smtp-wachtwoord".into()),
                from: "Stadsdorp Zuid <noreply@zuid.example.nl>".into(),
                ca_file: Some(self.ca_file.clone()),
            }),
            retry_base_seconds: 1,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("lock").clone()
    }

    pub fn refuse(&self, address: &str) {
        self.state
            .refuse
            .lock()
            .expect("lock")
            .push(address.to_owned());
    }

    pub fn refuse_login(&self) {
        self.state.refuse_login.store(true, Ordering::SeqCst);
    }

    pub fn fail_next(&self, n: usize) {
        self.state.fail_next.store(n, Ordering::SeqCst);
    }

    /// Waits until `n` mails have arrived (at most 20 s) and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let notified = self.state.arrived.notified();
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {n} mails, got {}: {got:?}", got.len());
            }
        }
    }

    /// The mails to `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .collect()
    }
}

/// A connection, plain or encrypted.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The SMTP conversation on one connection. With `starttls`, the
/// connection is upgraded on STARTTLS and the conversation goes on
/// encrypted, without a new greeting (the client says EHLO again).
async fn converse(
    stream: Box<dyn Io>,
    state: &State,
    tls: bool,
    starttls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<()> {
    let mut io = BufReader::new(stream);
    if !tls || starttls.is_none() {
        io.get_mut().write_all(b"220 test.local ESMTP\r\n").await?;
    }
    let mut to = Vec::new();
    let mut user = None;
    let mut password = None;
    let mut line = String::new();
    loop {
        line.clear();
        if io.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_owned();
        let upper = cmd.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            let mut r = String::from("250-test.local\r\n");
            if !tls && starttls.is_some() {
                r.push_str("250-STARTTLS\r\n");
            }
            r.push_str("250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
            r
        } else if upper == "STARTTLS" {
            let Some(acceptor) = starttls.clone() else {
                io.get_mut().write_all(b"502 not here\r\n").await?;
                continue;
            };
            io.get_mut().write_all(b"220 go ahead\r\n").await?;
            let upgraded = acceptor.accept(io.into_inner()).await?;
            return Box::pin(converse(Box::new(upgraded), state, true, Some(acceptor))).await;
        } else if upper.starts_with("AUTH PLAIN") {
            let encoded = cmd.get(11..).unwrap_or_default().trim().to_owned();
            let decoded = STANDARD.decode(encoded).unwrap_or_default();
            let parts: Vec<String> = decoded
                .split(|b| *b == 0)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            user = parts.get(1).cloned();
            password = parts.get(2).cloned();
            if state.refuse_login.load(Ordering::SeqCst) {
                "535 authentication failed\r\n".into()
            } else {
                "235 ok\r\n".into()
            }
        } else if upper.starts_with("AUTH LOGIN") {
            io.get_mut().write_all(b"334 VXNlcm5hbWU6\r\n").await?;
            line.clear();
            io.read_line(&mut line).await?;
            user = STANDARD
                .decode(line.trim())
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            io.get_mut().write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
            line.clear();
            io.read_line(&mut line).await?;
            password = STANDARD
                .decode(line.trim())
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            "235 ok\r\n".into()
        } else if upper.starts_with("MAIL FROM") {
            if !tls && starttls.is_some() {
                "530 must issue STARTTLS first\r\n".into()
            } else if state
                .fail_next
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                "451 try again later\r\n".into()
            } else {
                to.clear();
                "250 ok\r\n".into()
            }
        } else if upper.starts_with("RCPT TO") {
            let address = cmd
                .split_once(':')
                .map(|(_, a)| a.trim().trim_matches(['<', '>']).to_owned())
                .unwrap_or_default();
            if state.refuse.lock().expect("lock").contains(&address) {
                "550 no such user here\r\n".into()
            } else {
                to.push(address);
                "250 ok\r\n".into()
            }
        } else if upper == "DATA" {
            io.get_mut().write_all(b"354 end with .\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if io.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            state.received.lock().expect("lock").push(Received {
                to: std::mem::take(&mut to),
                data,
                tls,
                user: user.clone(),
                password: password.clone(),
            });
            state.arrived.notify_waiters();
            "250 queued\r\n".into()
        } else if upper == "QUIT" {
            io.get_mut().write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            "250 ok\r\n".into()
        } else {
            "500 what\r\n".into()
        };
        io.get_mut().write_all(reply.as_bytes()).await?;
    }
}

fn decode_qp(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).replace("\r\n", "\n")
}
