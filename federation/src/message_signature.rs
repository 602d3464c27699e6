//! RFC 9421 HTTP Message Signatures and RFC 9530 `Content-Digest`, for
//! incoming requests (Mastodon 4.4 and later, and others, sign this way).
//!
//! The same checks as for draft-cavage signatures: the covered components
//! must include the target (`@target-uri`, `@path` or `@request-target`),
//! the host (`@authority`, `host` or `@target-uri`), a date (`date` or the
//! `created` parameter, fresh) and, when there is a body, `content-digest`,
//! which must match the body that arrived. Outgoing requests stay
//! draft-cavage, which every fediverse server verifies.

use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, Method};
use sfv::{BareItem, Dictionary, FieldType, List, ListEntry, Parser};
use sha2::{Digest as _, Sha256, Sha512};

use crate::signature::{
    Algorithm, Checked, SignatureError, SignatureForm, fresh, fresh_date, header_values,
};

fn dictionary(headers: &HeaderMap, name: &'static str) -> Result<Dictionary, SignatureError> {
    let value = header_values(headers, name).ok_or(SignatureError::HeaderMissing(name.into()))?;
    Parser::new(&value)
        .parse::<Dictionary>()
        .map_err(|_| SignatureError::Malformed)
}

/// Whether a `Content-Digest` header matches the body: every SHA-256 or
/// SHA-512 value in it must match, and there must be at least one.
pub fn content_digest_matches(header: &str, body: &[u8]) -> bool {
    let Ok(dict) = Parser::new(header).parse::<Dictionary>() else {
        return false;
    };
    let mut checked = 0;
    for (alg, entry) in &dict {
        let ListEntry::Item(item) = entry else {
            return false;
        };
        let Some(value) = item.bare_item.as_byte_sequence() else {
            return false;
        };
        let ok = match alg.as_str() {
            "sha-256" => Sha256::digest(body).as_slice() == value,
            "sha-512" => Sha512::digest(body).as_slice() == value,
            // Other algorithms are not ours to check.
            _ => continue,
        };
        if !ok {
            return false;
        }
        checked += 1;
    }
    checked > 0
}

/// The request as the signature base sees it.
pub struct RequestParts<'a> {
    pub method: &'a Method,
    pub path_and_query: &'a str,
    /// `https` or `http`: what this node is reached by (its base URL).
    pub scheme: &'a str,
    pub headers: &'a HeaderMap,
}

impl RequestParts<'_> {
    /// The Host header, lower case, without the scheme's default port
    /// (RFC 9421, section 2.2.3).
    fn authority(&self) -> Result<String, SignatureError> {
        let host = header_values(self.headers, "host")
            .map(|h| h.to_ascii_lowercase())
            .ok_or(SignatureError::HeaderMissing("host".into()))?;
        let default_port = if self.scheme == "https" {
            ":443"
        } else {
            ":80"
        };
        Ok(host
            .strip_suffix(default_port)
            .map(str::to_owned)
            .unwrap_or(host))
    }

    fn component(&self, name: &str) -> Result<String, SignatureError> {
        let (path, query) = match self.path_and_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (self.path_and_query, None),
        };
        Ok(match name {
            "@method" => self.method.as_str().to_owned(),
            "@target-uri" => format!(
                "{}://{}{}",
                self.scheme,
                self.authority()?,
                self.path_and_query
            ),
            "@authority" => self.authority()?,
            "@scheme" => self.scheme.to_owned(),
            "@request-target" => self.path_and_query.to_owned(),
            "@path" => if path.is_empty() { "/" } else { path }.to_owned(),
            "@query" => format!("?{}", query.unwrap_or("")),
            derived if derived.starts_with('@') => {
                return Err(SignatureError::HeaderMissing(derived.to_owned()));
            }
            field => header_values(self.headers, field)
                .ok_or_else(|| SignatureError::HeaderMissing(field.to_owned()))?,
        })
    }
}

/// Checks an RFC 9421 signature's inputs: coverage, freshness, digest.
/// Returns what to verify with the key. Only the first signature of a
/// request is checked: fediverse servers send one.
pub fn check(
    parts: &RequestParts<'_>,
    body: Option<&[u8]>,
    now: SystemTime,
) -> Result<Checked, SignatureError> {
    let inputs = dictionary(parts.headers, "signature-input")?;
    let signatures = dictionary(parts.headers, "signature")?;
    // A request may carry several signatures; the first one is checked.
    let (label, entry) = inputs.iter().next().ok_or(SignatureError::Malformed)?;
    let ListEntry::InnerList(input) = entry else {
        return Err(SignatureError::Malformed);
    };
    let signature = match signatures.get(label) {
        Some(ListEntry::Item(item)) => item
            .bare_item
            .as_byte_sequence()
            .ok_or(SignatureError::Malformed)?
            .to_vec(),
        _ => return Err(SignatureError::Malformed),
    };
    let mut components = Vec::with_capacity(input.items.len());
    for item in &input.items {
        // Component parameters (`;sf`, `;key`, `;req`, …) are not used by
        // any fediverse server; refusing them keeps the base unambiguous.
        if !item.params.is_empty() {
            return Err(SignatureError::Malformed);
        }
        let name = item
            .bare_item
            .as_string()
            .ok_or(SignatureError::Malformed)?
            .as_str();
        if name != name.to_ascii_lowercase() {
            return Err(SignatureError::Malformed);
        }
        components.push(name.to_owned());
    }
    let param = |key: &str| {
        input
            .params
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    };
    let key_id = match param("keyid") {
        Some(BareItem::String(s)) if !s.as_str().is_empty() => s.as_str().to_owned(),
        _ => return Err(SignatureError::Malformed),
    };
    let algorithm = match param("alg") {
        None => Algorithm::RsaPkcs1Sha256,
        Some(BareItem::String(s)) => match s.as_str() {
            "rsa-v1_5-sha256" => Algorithm::RsaPkcs1Sha256,
            "rsa-pss-sha512" => Algorithm::RsaPssSha512,
            _ => return Err(SignatureError::Algorithm),
        },
        Some(_) => return Err(SignatureError::Malformed),
    };
    let seconds = |key: &str| -> Result<Option<u64>, SignatureError> {
        match param(key) {
            None => Ok(None),
            Some(v) => v
                .as_integer()
                .map(i64::from)
                .and_then(|n| u64::try_from(n).ok())
                .map(Some)
                .ok_or(SignatureError::Stale),
        }
    };
    let created = seconds("created")?;
    if let Some(expires) = seconds("expires")?
        && SystemTime::UNIX_EPOCH + Duration::from_secs(expires) < now
    {
        return Err(SignatureError::Stale);
    }

    let covers = |c: &str| components.iter().any(|x| x == c);
    if !covers("@method") {
        return Err(SignatureError::NotSigned("@method"));
    }
    if !(covers("@target-uri") || covers("@path") || covers("@request-target")) {
        return Err(SignatureError::NotSigned("@target-uri"));
    }
    // `@path` alone leaves a query string unsigned.
    if parts.path_and_query.contains('?')
        && !(covers("@target-uri") || covers("@request-target") || covers("@query"))
    {
        return Err(SignatureError::NotSigned("@query"));
    }
    if !(covers("@authority") || covers("host") || covers("@target-uri")) {
        return Err(SignatureError::NotSigned("@authority"));
    }
    if covers("date") {
        fresh_date(header_values(parts.headers, "date").as_deref(), now)?;
    } else if let Some(created) = created {
        fresh(SystemTime::UNIX_EPOCH + Duration::from_secs(created), now)?;
    } else {
        return Err(SignatureError::NotSigned("date"));
    }
    if let Some(body) = body {
        if !covers("content-digest") {
            return Err(SignatureError::NotSigned("content-digest"));
        }
        let digest =
            header_values(parts.headers, "content-digest").ok_or(SignatureError::Digest)?;
        if !content_digest_matches(&digest, body) {
            return Err(SignatureError::Digest);
        }
    }

    let mut lines = Vec::with_capacity(components.len() + 1);
    for name in &components {
        let value = parts.component(name)?;
        if value.contains('\n') {
            return Err(SignatureError::Malformed);
        }
        lines.push(format!("\"{name}\": {value}"));
    }
    let params: List = vec![ListEntry::InnerList(input.clone())];
    let params = params.serialize().ok_or(SignatureError::Malformed)?;
    lines.push(format!("\"@signature-params\": {params}"));
    Ok(Checked {
        key_id,
        form: SignatureForm::Rfc9421,
        base: lines.join("\n"),
        signature,
        algorithm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn content_digest_is_checked_against_the_body() {
        let body = br#"{"hello": "world"}"#;
        // The example of RFC 9530, section 2.
        let header = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
        assert!(content_digest_matches(header, body));
        assert!(!content_digest_matches(header, b"{}"));
        let sha512 = format!("sha-512=:{}:", STANDARD.encode(Sha512::digest(body)));
        assert!(content_digest_matches(&sha512, body));
        assert!(
            !content_digest_matches("md5=:AAAA:", body),
            "no usable value"
        );
        assert!(!content_digest_matches("garbage((", body));
    }

    /// The signature base of RFC 9421's example 2.2.x request, built from
    /// the request as it arrived.
    #[test]
    fn the_signature_base_follows_the_rfc() {
        let body = br#"{"hello": "world"}"#;
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.com"));
        headers.insert(
            "date",
            HeaderValue::from_static("Tue, 20 Apr 2021 02:07:55 GMT"),
        );
        headers.insert(
            "content-digest",
            HeaderValue::from_static("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"),
        );
        headers.insert(
            "signature-input",
            HeaderValue::from_static(
                "sig1=(\"@method\" \"@authority\" \"@path\" \"@query\" \"content-digest\" \"date\");created=1618884473;keyid=\"test-key-rsa\"",
            ),
        );
        headers.insert("signature", HeaderValue::from_static("sig1=:AAAA:"));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_618_884_480);
        let parts = RequestParts {
            method: &Method::POST,
            path_and_query: "/foo?param=Value&Pet=dog",
            scheme: "https",
            headers: &headers,
        };
        let checked = check(&parts, Some(body), now).unwrap();
        assert_eq!(checked.key_id, "test-key-rsa");
        assert_eq!(
            checked.base,
            "\"@method\": POST\n\"@authority\": example.com\n\"@path\": /foo\n\
             \"@query\": ?param=Value&Pet=dog\n\
             \"content-digest\": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:\n\
             \"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\
             \"@signature-params\": (\"@method\" \"@authority\" \"@path\" \"@query\" \"content-digest\" \"date\");created=1618884473;keyid=\"test-key-rsa\""
        );
        // The default port is not part of the authority.
        let mut with_port = headers.clone();
        with_port.insert("host", HeaderValue::from_static("example.com:443"));
        let parts443 = RequestParts {
            headers: &with_port,
            ..parts
        };
        assert_eq!(
            check(&parts443, Some(body), now).unwrap().base,
            checked.base
        );
        // Another body: the digest no longer matches.
        assert_eq!(
            check(&parts, Some(b"{}"), now).err(),
            Some(SignatureError::Digest)
        );
        // A year later: stale.
        let later = now + Duration::from_secs(365 * 24 * 3600);
        assert_eq!(
            check(&parts, Some(body), later).err(),
            Some(SignatureError::Stale)
        );
    }

    #[test]
    fn coverage_must_include_target_host_date_and_digest() {
        let now = SystemTime::now();
        let created = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let try_at = |components: &str, target: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("host", HeaderValue::from_static("example.com"));
            headers.insert(
                "content-digest",
                HeaderValue::from_str(&format!(
                    "sha-256=:{}:",
                    STANDARD.encode(Sha256::digest(b"{}"))
                ))
                .unwrap(),
            );
            headers.insert(
                "signature-input",
                HeaderValue::from_str(&format!(
                    "sig1=({components});created={created};keyid=\"k\""
                ))
                .unwrap(),
            );
            headers.insert("signature", HeaderValue::from_static("sig1=:AAAA:"));
            let parts = RequestParts {
                method: &Method::POST,
                path_and_query: target,
                scheme: "https",
                headers: &headers,
            };
            check(&parts, Some(b"{}"), now).map(|_| ())
        };
        let try_with = |components: &str| try_at(components, "/inbox");
        assert!(try_with("\"@method\" \"@target-uri\" \"content-digest\"").is_ok());
        assert_eq!(
            try_with("\"@target-uri\" \"content-digest\""),
            Err(SignatureError::NotSigned("@method"))
        );
        assert_eq!(
            try_at(
                "\"@method\" \"@path\" \"@authority\" \"content-digest\"",
                "/inbox?x=1"
            ),
            Err(SignatureError::NotSigned("@query"))
        );
        assert!(
            try_at(
                "\"@method\" \"@path\" \"@query\" \"@authority\" \"content-digest\"",
                "/inbox?x=1"
            )
            .is_ok()
        );
        assert_eq!(
            try_with("\"@method\" \"@authority\" \"content-digest\""),
            Err(SignatureError::NotSigned("@target-uri"))
        );
        assert_eq!(
            try_with("\"@method\" \"@path\" \"content-digest\""),
            Err(SignatureError::NotSigned("@authority"))
        );
        assert_eq!(
            try_with("\"@method\" \"@target-uri\""),
            Err(SignatureError::NotSigned("content-digest"))
        );
        assert_eq!(
            try_with("\"@target-uri\" \"content-digest\";sf"),
            Err(SignatureError::Malformed)
        );
    }
}
