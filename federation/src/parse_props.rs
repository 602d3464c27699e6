//! Property tests: the parsers that read what strangers send (signature
//! headers of both standards, digests, ids and key ids) are given random
//! and mutated input. Whatever comes in, they answer with a value or an
//! error, never a panic.

use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use proptest::prelude::*;

use crate::signature::{check_incoming, digest_matches, parse_header};

/// A header as Mastodon sends it, to mutate.
const CAVAGE: &str = r#"keyId="https://mastodon.example/users/anna#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="dGVzdA==""#;
const INPUT: &str = r#"sig1=("@method" "@target-uri" "host" "date" "content-digest");created=1764000000;keyid="https://gts.example/users/anna/main-key";alg="rsa-v1_5-sha256""#;
const SIGNATURE: &str = "sig1=:dGVzdA==:";

/// Printable ASCII, the characters a header value can hold.
fn header_text() -> impl Strategy<Value = String> {
    "[ -~]{0,300}"
}

/// A known-good header with bytes replaced, dropped or repeated.
fn mutated(base: &'static str) -> impl Strategy<Value = String> {
    (
        proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, 32u8..127), 0..12),
        any::<prop::sample::Index>(),
    )
        .prop_map(move |(edits, cut)| {
            let mut bytes = base.as_bytes().to_vec();
            for (at, how, byte) in edits {
                if bytes.is_empty() {
                    break;
                }
                let i = at.index(bytes.len());
                match how {
                    0 => bytes[i] = byte,
                    1 => {
                        bytes.remove(i);
                    }
                    _ => bytes.insert(i, byte),
                }
            }
            if !bytes.is_empty() && cut.index(4) == 0 {
                bytes.truncate(cut.index(bytes.len()));
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        if let Ok(v) = HeaderValue::from_str(value) {
            map.append(HeaderName::from_static(name), v);
        }
    }
    map
}

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_signature_header_is_parsed_or_refused(value in header_text()) {
        let _ = parse_header(&value);
    }

    #[test]
    fn mutated_signature_headers_are_parsed_or_refused(value in mutated(CAVAGE)) {
        let _ = parse_header(&value);
    }

    #[test]
    fn mutated_cavage_requests_are_checked_or_refused(
        sig in mutated(CAVAGE),
        date in prop_oneof![Just("Mon, 24 Nov 2025 16:00:00 GMT".to_owned()), header_text()],
        digest in prop_oneof![Just("SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".to_owned()), header_text()],
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let h = headers(&[
            ("signature", &sig),
            ("date", &date),
            ("digest", &digest),
            ("host", "node.example"),
            ("content-type", "application/activity+json"),
        ]);
        let _ = check_incoming(&Method::POST, "/inbox", &h, Some(&body), now(), "https");
    }

    #[test]
    fn mutated_rfc9421_requests_are_checked_or_refused(
        input in prop_oneof![mutated(INPUT), header_text()],
        signature in prop_oneof![mutated(SIGNATURE), header_text()],
        digest in prop_oneof![Just("sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:".to_owned()), header_text()],
        query in prop_oneof![Just(String::new()), "\\?[ -~]{0,30}"],
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let h = headers(&[
            ("signature-input", &input),
            ("signature", &signature),
            ("content-digest", &digest),
            ("date", "Mon, 24 Nov 2025 16:00:00 GMT"),
            ("host", "node.example"),
        ]);
        let path = format!("/inbox{query}");
        let _ = check_incoming(&Method::POST, &path, &h, Some(&body), now(), "https");
        let _ = check_incoming(&Method::GET, &path, &h, None, now(), "http");
    }

    #[test]
    fn digests_ids_and_key_ids_never_panic(a in header_text(), b in header_text()) {
        let _ = digest_matches(&a, b.as_bytes());
        let _ = crate::message_signature::content_digest_matches(&a, b.as_bytes());
        let _ = crate::inbox::minted_for(&a, &b);
        let _ = crate::remote::key_may_belong_to(&a, &b);
    }
}
