//! HTTP Signatures (draft-cavage-http-signatures-12, as Mastodon, Pleroma,
//! Misskey and Lemmy use them) with the `Digest` header.
//!
//! Outgoing requests are signed over `(request-target) host date digest
//! content-type` (POST) or `(request-target) host date` (GET) with
//! `algorithm="rsa-sha256"` and a `Date` header: the form every
//! draft-cavage implementation verifies, without the `(created)`/`(expires)`
//! pseudo-headers that Mastodon and Pleroma do not accept.
//!
//! Incoming requests must sign `(request-target)`, `host` and `date`, and a
//! request with a body must also sign `digest`, and that digest must match
//! the body that arrived: validly signed headers over an altered body are
//! refused (the bug behind Misskey's CVE-2023-49079). The date must be
//! fresh.

use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, Method};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};

use crate::keys::{KeyError, SigningKey, VerifyingKey};

/// How old a signed `Date` may be.
pub const MAX_AGE: Duration = Duration::from_secs(12 * 3600);
/// How far in the future a `Date` may be (clock skew).
pub const MAX_FUTURE: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("no Signature header")]
    Missing,
    #[error("malformed Signature header")]
    Malformed,
    #[error("signed headers must include {0}")]
    NotSigned(&'static str),
    #[error("signed header {0} is missing from the request")]
    HeaderMissing(String),
    #[error("the Date header is missing, unreadable or stale")]
    Stale,
    #[error("the Digest header does not match the body")]
    Digest,
    #[error("the signature does not verify")]
    Invalid,
    #[error("unsupported signature algorithm")]
    Algorithm,
}

/// The parts of a `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSignature {
    pub key_id: String,
    pub algorithm: Option<String>,
    pub headers: Vec<String>,
    pub signature: String,
    pub created: Option<String>,
    pub expires: Option<String>,
}

pub fn parse_header(value: &str) -> Result<ParsedSignature, SignatureError> {
    let mut key_id = None;
    let mut algorithm = None;
    let mut headers = None;
    let mut signature = None;
    let mut created = None;
    let mut expires = None;
    // Values are quoted and may contain commas only inside quotes.
    let mut rest = value.trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=').ok_or(SignatureError::Malformed)?;
        let name = name
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (val, next) = if let Some(stripped) = after.strip_prefix('"') {
            let end = stripped.find('"').ok_or(SignatureError::Malformed)?;
            (&stripped[..end], &stripped[end + 1..])
        } else {
            match after.find(',') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, ""),
            }
        };
        match name.as_str() {
            "keyid" => key_id = Some(val.to_owned()),
            "algorithm" => algorithm = Some(val.to_ascii_lowercase()),
            "headers" => headers = Some(val.to_ascii_lowercase()),
            "signature" => signature = Some(val.to_owned()),
            "created" => created = Some(val.to_owned()),
            "expires" => expires = Some(val.to_owned()),
            _ => {}
        }
        rest = next.trim_start_matches([',', ' ']);
    }
    Ok(ParsedSignature {
        key_id: key_id
            .filter(|k| !k.is_empty())
            .ok_or(SignatureError::Malformed)?,
        algorithm,
        // The draft's default when absent is just `date`.
        headers: headers
            .unwrap_or_else(|| "date".into())
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        signature: signature.ok_or(SignatureError::Malformed)?,
        created,
        expires,
    })
}

/// `SHA-256=<base64>` of a body.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}

/// Whether any SHA-256 value in a `Digest` header matches the body.
pub fn digest_matches(header: &str, body: &[u8]) -> bool {
    let expected = STANDARD.encode(Sha256::digest(body));
    header.split(',').any(|part| {
        part.trim().split_once('=').is_some_and(|(alg, value)| {
            alg.trim().eq_ignore_ascii_case("sha-256") && value.trim() == expected
        })
    })
}

/// Every value of a header, trimmed and joined with ", ", as both
/// signature standards put a field into the signed text.
pub(crate) fn header_values(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Rebuilds the string that was signed, from the request as it arrived.
pub fn signing_string(
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    sig: &ParsedSignature,
) -> Result<String, SignatureError> {
    let mut lines = Vec::with_capacity(sig.headers.len());
    for name in &sig.headers {
        let value = match name.as_str() {
            "(request-target)" => format!(
                "{} {}",
                method.as_str().to_ascii_lowercase(),
                path_and_query
            ),
            "(created)" => sig
                .created
                .clone()
                .ok_or(SignatureError::HeaderMissing(name.clone()))?,
            "(expires)" => sig
                .expires
                .clone()
                .ok_or(SignatureError::HeaderMissing(name.clone()))?,
            other => header_values(headers, other)
                .ok_or_else(|| SignatureError::HeaderMissing(other.to_owned()))?,
        };
        lines.push(format!("{name}: {value}"));
    }
    Ok(lines.join("\n"))
}

/// Everything about an incoming signed request except the key itself:
/// which headers are signed, the date, the digest against the body.
/// Returns the parsed header and the string to verify.
pub fn check_request(
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Option<&[u8]>,
    now: SystemTime,
) -> Result<(ParsedSignature, String), SignatureError> {
    let value = header_str(headers, "signature").ok_or(SignatureError::Missing)?;
    let sig = parse_header(value)?;
    if let Some(alg) = &sig.algorithm
        && !matches!(alg.as_str(), "rsa-sha256" | "hs2019")
    {
        return Err(SignatureError::Algorithm);
    }
    let signed = |h: &str| sig.headers.iter().any(|x| x == h);
    if !signed("(request-target)") {
        return Err(SignatureError::NotSigned("(request-target)"));
    }
    if !signed("host") {
        return Err(SignatureError::NotSigned("host"));
    }
    // Freshness: from the signed Date header, or from a signed (created).
    if signed("date") {
        fresh_date(header_str(headers, "date"), now)?;
    } else if signed("(created)") {
        let secs: u64 = sig
            .created
            .as_deref()
            .and_then(|c| c.parse().ok())
            .ok_or(SignatureError::Stale)?;
        fresh(SystemTime::UNIX_EPOCH + Duration::from_secs(secs), now)?;
    } else {
        return Err(SignatureError::NotSigned("date"));
    }
    if let Some(body) = body {
        if !signed("digest") {
            return Err(SignatureError::NotSigned("digest"));
        }
        let digest = header_str(headers, "digest").ok_or(SignatureError::Digest)?;
        if !digest_matches(digest, body) {
            return Err(SignatureError::Digest);
        }
    }
    let text = signing_string(method, path_and_query, headers, &sig)?;
    Ok((sig, text))
}

/// A signed `Date` header must be there, readable and fresh.
pub(crate) fn fresh_date(date: Option<&str>, now: SystemTime) -> Result<(), SignatureError> {
    let date = date.ok_or(SignatureError::Stale)?;
    let when = httpdate::parse_http_date(date).map_err(|_| SignatureError::Stale)?;
    fresh(when, now)
}

pub(crate) fn fresh(when: SystemTime, now: SystemTime) -> Result<(), SignatureError> {
    let too_old = now.duration_since(when).is_ok_and(|age| age > MAX_AGE);
    let too_new = when
        .duration_since(now)
        .is_ok_and(|ahead| ahead > MAX_FUTURE);
    if too_old || too_new {
        Err(SignatureError::Stale)
    } else {
        Ok(())
    }
}

/// Which signature standard a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureForm {
    /// draft-cavage-http-signatures-12 with `Digest`.
    Cavage,
    /// RFC 9421 with RFC 9530 `Content-Digest`.
    Rfc9421,
}

impl SignatureForm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cavage => "draft-cavage",
            Self::Rfc9421 => "rfc9421",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    RsaPkcs1Sha256,
    RsaPssSha512,
}

/// An incoming signed request whose headers, date and digest passed; what
/// is left is verifying `signature` over `base` with the key `key_id`.
#[derive(Debug, Clone)]
pub struct Checked {
    pub key_id: String,
    pub form: SignatureForm,
    pub base: String,
    pub signature: Vec<u8>,
    pub algorithm: Algorithm,
}

impl Checked {
    /// The actor URL the key belongs to by convention: the key id without
    /// its fragment (`https://host/actor#main-key`).
    pub fn key_owner_guess(&self) -> String {
        self.key_id.split('#').next().unwrap_or("").to_owned()
    }

    pub fn verify(&self, key: &VerifyingKey) -> Result<(), SignatureError> {
        if key.verify_bytes(self.base.as_bytes(), &self.signature, self.algorithm) {
            Ok(())
        } else {
            Err(SignatureError::Invalid)
        }
    }
}

/// Checks an incoming request signed either way: RFC 9421 when it has a
/// `Signature-Input` header, draft-cavage otherwise. `scheme` is how this
/// node is reached (for `@target-uri`).
pub fn check_incoming(
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Option<&[u8]>,
    now: SystemTime,
    scheme: &str,
) -> Result<Checked, SignatureError> {
    if headers.contains_key("signature-input") {
        let parts = crate::message_signature::RequestParts {
            method,
            path_and_query,
            scheme,
            headers,
        };
        return crate::message_signature::check(&parts, body, now);
    }
    let (sig, base) = check_request(method, path_and_query, headers, body, now)?;
    let signature = STANDARD
        .decode(sig.signature.trim())
        .map_err(|_| SignatureError::Malformed)?;
    Ok(Checked {
        key_id: sig.key_id,
        form: SignatureForm::Cavage,
        base,
        signature,
        algorithm: Algorithm::RsaPkcs1Sha256,
    })
}

/// Verifies the signature of a checked request with the owner's key.
pub fn verify(
    sig: &ParsedSignature,
    signing_string: &str,
    key: &VerifyingKey,
) -> Result<(), SignatureError> {
    if key.verify(signing_string.as_bytes(), &sig.signature) {
        Ok(())
    } else {
        Err(SignatureError::Invalid)
    }
}

/// Headers to add to an outgoing request: `host`, `date`, optionally
/// `digest` and `content-type`, and `signature`.
pub fn sign(
    key: &SigningKey,
    key_id: &str,
    method: &Method,
    url: &url::Url,
    body: Option<&[u8]>,
    content_type: &str,
    now: SystemTime,
) -> Result<Vec<(&'static str, String)>, KeyError> {
    let host = crate::net::authority(url);
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let date = httpdate::fmt_http_date(now);
    let mut out = vec![("host", host.clone()), ("date", date.clone())];
    let mut names = vec!["(request-target)", "host", "date"];
    let mut lines = vec![
        format!(
            "(request-target): {} {target}",
            method.as_str().to_ascii_lowercase()
        ),
        format!("host: {host}"),
        format!("date: {date}"),
    ];
    if let Some(body) = body {
        let digest = digest_header(body);
        lines.push(format!("digest: {digest}"));
        lines.push(format!("content-type: {content_type}"));
        names.push("digest");
        names.push("content-type");
        out.push(("digest", digest));
        out.push(("content-type", content_type.to_owned()));
    }
    let signature = key.sign(lines.join("\n").as_bytes())?;
    out.push((
        "signature",
        format!(
            "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{signature}\"",
            names.join(" ")
        ),
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn keypair() -> (SigningKey, VerifyingKey) {
        let (public, private) = crate::keys::generate().unwrap();
        (
            SigningKey::from_pkcs8_pem(&private).unwrap(),
            VerifyingKey::from_pem(&public).unwrap(),
        )
    }

    fn as_headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn sign_then_verify_and_refuse_changes() {
        let (sk, vk) = keypair();
        let url = url::Url::parse("http://127.0.0.2:8080/inbox").unwrap();
        let body = br#"{"type":"Follow"}"#;
        let now = SystemTime::now();
        let signed = sign(
            &sk,
            "http://127.0.0.3/actor#main-key",
            &Method::POST,
            &url,
            Some(body),
            "application/activity+json",
            now,
        )
        .unwrap();
        let headers = as_headers(&signed);
        let (sig, text) =
            check_request(&Method::POST, "/inbox", &headers, Some(body), now).unwrap();
        assert_eq!(sig.key_id, "http://127.0.0.3/actor#main-key");
        verify(&sig, &text, &vk).unwrap();

        // The same signed headers with another body.
        let err = check_request(
            &Method::POST,
            "/inbox",
            &headers,
            Some(br#"{"type":"Delete"}"#),
            now,
        )
        .unwrap_err();
        assert_eq!(err, SignatureError::Digest);
        // Another path.
        let (sig, text) =
            check_request(&Method::POST, "/actor/inbox", &headers, Some(body), now).unwrap();
        assert_eq!(verify(&sig, &text, &vk), Err(SignatureError::Invalid));
        // Too late.
        let later = now + Duration::from_secs(13 * 3600);
        assert_eq!(
            check_request(&Method::POST, "/inbox", &headers, Some(body), later).unwrap_err(),
            SignatureError::Stale
        );
        // Another key.
        let (_, other) = keypair();
        let (sig, text) =
            check_request(&Method::POST, "/inbox", &headers, Some(body), now).unwrap();
        assert_eq!(verify(&sig, &text, &other), Err(SignatureError::Invalid));
    }

    #[test]
    fn a_body_needs_a_signed_digest() {
        let (sk, _) = keypair();
        let url = url::Url::parse("http://example.org/inbox").unwrap();
        let now = SystemTime::now();
        // Signed like a GET (no digest), then sent with a body.
        let signed = sign(
            &sk,
            "http://example.net/actor#main-key",
            &Method::POST,
            &url,
            None,
            "",
            now,
        )
        .unwrap();
        let err = check_request(
            &Method::POST,
            "/inbox",
            &as_headers(&signed),
            Some(b"{}"),
            now,
        )
        .unwrap_err();
        assert_eq!(err, SignatureError::NotSigned("digest"));
    }

    #[test]
    fn mastodon_style_header_parses() {
        let h = r#"keyId="https://mastodon.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="abc==""#;
        let p = parse_header(h).unwrap();
        assert_eq!(p.key_id, "https://mastodon.example/users/a#main-key");
        assert_eq!(p.headers.len(), 5);
        assert_eq!(p.signature, "abc==");
        assert!(parse_header("garbage").is_err());
    }
}
