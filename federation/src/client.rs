//! Outgoing HTTP, safe against being pointed at our own network.
//!
//! reqwest with rustls (ring), timeouts, no automatic redirects (one is
//! followed by hand, after checking its target), a response size limit, and
//! a DNS resolver that drops forbidden addresses, so the check applies to
//! the address actually connected to. IP literals skip DNS and are checked
//! before sending. A fetched object counts only if it came with an
//! ActivityPub content type and its `id` equals the URL it was finally
//! fetched from (Mastodon's CVE-2024-23832 and GHSA-jhrq-qvrm-qr36).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::http::Method;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Client, StatusCode};
use url::Url;

use crate::net::{AllowEntry, allowed};
use crate::signature;

pub const ACCEPT_AP: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
pub const CONTENT_TYPE_AP: &str = "application/activity+json";
/// Largest document read from another server.
pub const MAX_RESPONSE: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("address refused: {0} is private or reserved and not in federation.allow_private")]
    Refused(String),
    #[error("plain http is off (federation.allow_http): {0}")]
    Http(String),
    #[error("not a valid URL: {0}")]
    Url(String),
    #[error("could not reach {host}: {reason}")]
    Connect { host: String, reason: String },
    #[error("{url} answered {status}")]
    Status { url: String, status: u16 },
    #[error("{0} is gone")]
    Gone(String),
    #[error("{0} did not answer with an ActivityPub document")]
    ContentType(String),
    #[error("the document at {url} claims the id {id}")]
    IdMismatch { url: String, id: String },
    #[error("the answer from {0} is too large")]
    TooLarge(String),
    #[error("the answer from {0} is not valid JSON")]
    Json(String),
    #[error("too many redirects from {0}")]
    Redirects(String),
    #[error("signing failed")]
    Sign,
    #[error("the outgoing HTTP client could not be built: {0}")]
    Client(String),
}

/// Resolves names and keeps only addresses we may connect to.
struct SafeResolver {
    allow: Arc<Vec<AllowEntry>>,
}

impl Resolve for SafeResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allowed(a.ip(), &host, &allow))
                .collect();
            if addrs.is_empty() {
                return Err(
                    Box::new(FetchError::Refused(host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[derive(Clone)]
pub struct HttpClient {
    client: Client,
    allow: Arc<Vec<AllowEntry>>,
    allow_http: bool,
}

impl HttpClient {
    /// The one client for every outgoing request. An error here means the
    /// safe client could not be built; there is no unsafe fallback.
    pub fn new(
        allow: Vec<AllowEntry>,
        allow_http: bool,
        user_agent: &str,
        timeout: Duration,
    ) -> Result<Self, FetchError> {
        // One crypto provider on purpose: ring, which sqlx's rustls uses too.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let allow = Arc::new(allow);
        let client = Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .connect_timeout(Duration::from_secs(5))
            .timeout(timeout)
            // A fan-out touches a thousand hosts once each: keeping several
            // idle connections to every one of them costs memory and
            // sockets for no gain.
            .pool_max_idle_per_host(1)
            .pool_idle_timeout(Duration::from_secs(30))
            .no_proxy()
            .dns_resolver(Arc::new(SafeResolver {
                allow: allow.clone(),
            }))
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Self {
            client,
            allow,
            allow_http,
        })
    }

    /// Refuses URLs we may not request, before any connection is made.
    pub fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => return Err(FetchError::Http(url.to_string())),
            _ => return Err(FetchError::Url(url.to_string())),
        }
        let host = url
            .host_str()
            .ok_or_else(|| FetchError::Url(url.to_string()))?;
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>()
            && !allowed(ip, literal, &self.allow)
        {
            return Err(FetchError::Refused(host.to_owned()));
        }
        if url.username() != "" || url.password().is_some() {
            return Err(FetchError::Url(url.to_string()));
        }
        Ok(())
    }

    fn connect_error(url: &Url, e: &reqwest::Error) -> FetchError {
        // A refused address surfaces as a resolver error; say so plainly.
        let mut source: Option<&dyn std::error::Error> = Some(e);
        while let Some(s) = source {
            if let Some(f) = s.downcast_ref::<FetchError>() {
                return FetchError::Refused(match f {
                    FetchError::Refused(h) => h.clone(),
                    other => other.to_string(),
                });
            }
            source = s.source();
        }
        FetchError::Connect {
            host: url.host_str().unwrap_or("").to_owned(),
            reason: if e.is_timeout() {
                "timeout".into()
            } else {
                "connection failed".into()
            },
        }
    }

    /// GETs an ActivityPub document, signed with `signer` when given
    /// (authorized fetch). Follows one redirect. Checks type and id.
    pub async fn fetch(
        &self,
        url: &Url,
        signer: Option<&Signer>,
    ) -> Result<(Url, serde_json::Value), FetchError> {
        self.fetch_where(url, signer, |_| false).await
    }

    /// [`Self::fetch`], also accepting a document whose `id` is not the URL
    /// it came from when `id_ok` says so (key documents served at the key's
    /// address that describe the actor).
    pub async fn fetch_where(
        &self,
        url: &Url,
        signer: Option<&Signer>,
        id_ok: impl Fn(&str) -> bool,
    ) -> Result<(Url, serde_json::Value), FetchError> {
        let mut current = url.clone();
        for _ in 0..2 {
            self.check_url(&current)?;
            let mut req = self.client.get(current.clone()).header("accept", ACCEPT_AP);
            if let Some(s) = signer {
                for (k, v) in s.headers(&Method::GET, &current, None)? {
                    req = req.header(k, v);
                }
            }
            let res = req
                .send()
                .await
                .map_err(|e| Self::connect_error(&current, &e))?;
            let status = res.status();
            if status.is_redirection() {
                let location = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| current.join(l).ok())
                    .ok_or_else(|| FetchError::Status {
                        url: current.to_string(),
                        status: status.as_u16(),
                    })?;
                current = location;
                continue;
            }
            if status == StatusCode::GONE {
                return Err(FetchError::Gone(current.to_string()));
            }
            if !status.is_success() {
                return Err(FetchError::Status {
                    url: current.to_string(),
                    status: status.as_u16(),
                });
            }
            let ctype = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            if !(ctype.starts_with("application/activity+json")
                || ctype.starts_with("application/ld+json"))
            {
                return Err(FetchError::ContentType(current.to_string()));
            }
            let body = read_limited(res, &current).await?;
            let value: serde_json::Value =
                serde_json::from_slice(&body).map_err(|_| FetchError::Json(current.to_string()))?;
            let id = value.get("id").and_then(|v| v.as_str()).unwrap_or("");
            if Url::parse(id).ok().as_ref() != Some(&current) && !id_ok(id) {
                return Err(FetchError::IdMismatch {
                    url: current.to_string(),
                    id: id.to_owned(),
                });
            }
            return Ok((current, value));
        }
        Err(FetchError::Redirects(url.to_string()))
    }

    /// GETs a JSON document that is not an ActivityPub object (WebFinger,
    /// NodeInfo).
    pub async fn get_json(&self, url: &Url) -> Result<serde_json::Value, FetchError> {
        self.check_url(url)?;
        let res = self
            .client
            .get(url.clone())
            .header("accept", "application/jrd+json, application/json")
            .send()
            .await
            .map_err(|e| Self::connect_error(url, &e))?;
        if !res.status().is_success() {
            return Err(FetchError::Status {
                url: url.to_string(),
                status: res.status().as_u16(),
            });
        }
        let body = read_limited(res, url).await?;
        serde_json::from_slice(&body).map_err(|_| FetchError::Json(url.to_string()))
    }

    /// POSTs a signed activity to an inbox; returns the status, or an error
    /// when nothing answered.
    pub async fn post(
        &self,
        inbox: &Url,
        body: Vec<u8>,
        signer: &Signer,
    ) -> Result<StatusCode, FetchError> {
        self.check_url(inbox)?;
        let mut req = self.client.post(inbox.clone());
        for (k, v) in signer.headers(&Method::POST, inbox, Some(&body))? {
            req = req.header(k, v);
        }
        let res = req
            .body(body)
            .send()
            .await
            .map_err(|e| Self::connect_error(inbox, &e))?;
        Ok(res.status())
    }
}

async fn read_limited(mut res: reqwest::Response, url: &Url) -> Result<Vec<u8>, FetchError> {
    if res
        .content_length()
        .is_some_and(|n| n as usize > MAX_RESPONSE)
    {
        return Err(FetchError::TooLarge(url.to_string()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| HttpClient::connect_error(url, &e))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_RESPONSE {
            return Err(FetchError::TooLarge(url.to_string()));
        }
    }
    Ok(body)
}

/// Our key and key id, for signing requests.
#[derive(Clone)]
pub struct Signer {
    pub key_id: String,
    pub key: Arc<crate::keys::SigningKey>,
}

impl Signer {
    pub fn headers(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<Vec<(&'static str, String)>, FetchError> {
        signature::sign(
            &self.key,
            &self.key_id,
            method,
            url,
            body,
            CONTENT_TYPE_AP,
            SystemTime::now(),
        )
        .map_err(|_| FetchError::Sign)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No quiet fallback to a client without the address checks.
    #[test]
    fn a_client_that_cannot_be_built_is_an_error() {
        let bad = HttpClient::new(Vec::new(), false, "Noaber\n1.0", Duration::from_secs(5));
        assert!(matches!(bad, Err(FetchError::Client(_))));
        assert!(HttpClient::new(Vec::new(), false, "Noaber/1.0", Duration::from_secs(5)).is_ok());
    }
}
