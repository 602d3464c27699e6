//! Sending one mail to the configured SMTP server, always over TLS.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Error, Result};
use crate::config::{SmtpSecurity, SmtpSettings};

/// How long one conversation with the mail server may take.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub struct Transport {
    smtp: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Why a mail did not go out. `permanent`: trying again will not help (the
/// server refused the address, or the address is not one). Other refusals
/// (a wrong password, a sender the server does not take) are about the
/// settings, not the mail: it is tried again, so that nothing is lost
/// while an admin fixes them.
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    /// The SMTP reply code or a short kind; never the server's text, which
    /// can repeat the address.
    pub code: String,
}

impl Transport {
    pub fn new(settings: &SmtpSettings, hello: Option<&str>) -> Result<Self> {
        let mut tls = TlsParameters::builder(settings.host.clone());
        if let Some(path) = &settings.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                Error::Setup(format!("{} kan niet gelezen worden: {e}", path.display()))
            })?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|_| Error::Setup(format!("{} is geen PEM-certificaat", path.display())))?;
            tls = tls.add_root_certificate(cert);
        }
        let tls = tls
            .build_rustls()
            .map_err(|e| Error::Setup(format!("TLS voor de mailserver: {e}")))?;
        let tls = match settings.security {
            SmtpSecurity::StartTls => Tls::Required(tls),
            SmtpSecurity::Tls => Tls::Wrapper(tls),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
        if let Some(hello) = hello {
            // An address is greeted with as an address literal, a name as
            // a name; a bare IP as a domain is refused by strict servers.
            let id = match hello.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
                Ok(std::net::IpAddr::V4(ip)) => ClientId::Ipv4(ip),
                Ok(std::net::IpAddr::V6(ip)) => ClientId::Ipv6(ip),
                Err(_) => ClientId::Domain(hello.to_owned()),
            };
            builder = builder.hello_name(id);
        }
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|_| Error::Setup("mail.from is geen e-mailadres".into()))?;
        Ok(Self {
            smtp: builder.build(),
            from,
        })
    }

    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        let to = to.parse::<Mailbox>().map_err(|_| SendError {
            permanent: true,
            code: "bad_address".into(),
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|_| SendError {
                permanent: true,
                code: "bad_message".into(),
            })?;
        match self.smtp.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let code = e.status().map(|c| c.to_string());
                Err(SendError {
                    // No such mailbox, not local, not a mailbox name.
                    permanent: matches!(code.as_deref(), Some("550" | "551" | "553")),
                    code: code.unwrap_or_else(|| kind_of(&e).to_owned()),
                })
            }
        }
    }
}

/// A failure without a reply code, in a word for the settings page.
fn kind_of(e: &lettre::transport::smtp::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_tls() {
        "tls"
    } else if e.is_client() {
        "client"
    } else {
        "connection"
    }
}
