//! RSA keys in the forms the wire uses (PEM), and the fast paths for
//! signing and verifying.
//!
//! Keys are made with activitypub_federation (RSA-2048, PKCS#8 PEM, what
//! every fediverse server reads). Signing and verifying use `ring`, which is
//! in the tree already through rustls and is several times faster than the
//! pure-Rust `rsa` crate for both; the signatures are the same bytes
//! (RSASSA-PKCS1-v1_5 with SHA-256 is deterministic). Parsed keys are cached.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RSA_PSS_2048_8192_SHA512, RsaKeyPair,
    RsaPublicKeyComponents,
};
use rsa::RsaPublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;

use crate::cache::BoundedMap;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key is not valid PEM")]
    Pem,
    #[error("key is not an RSA key of 2048 to 8192 bits")]
    Rejected,
    #[error("signing failed")]
    Sign,
    #[error("key generation failed: {0}")]
    Generate(String),
}

/// A new RSA-2048 key pair as (public PEM, private PKCS#8 PEM).
pub fn generate() -> Result<(String, String), KeyError> {
    let kp = activitypub_federation::http_signatures::generate_actor_keypair()
        .map_err(|e| KeyError::Generate(e.to_string()))?;
    Ok((kp.public_key, kp.private_key))
}

/// The DER bytes inside a PEM block.
pub fn pem_to_der(pem: &str) -> Result<Vec<u8>, KeyError> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----") && !l.is_empty())
        .collect();
    STANDARD.decode(body).map_err(|_| KeyError::Pem)
}

/// A private key ready to sign.
pub struct SigningKey {
    pair: RsaKeyPair,
    rng: SystemRandom,
}

impl SigningKey {
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_to_der(pem)?;
        let pair = RsaKeyPair::from_pkcs8(&der).map_err(|_| KeyError::Rejected)?;
        Ok(Self {
            pair,
            rng: SystemRandom::new(),
        })
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`, base64.
    pub fn sign(&self, message: &[u8]) -> Result<String, KeyError> {
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, message, &mut sig)
            .map_err(|_| KeyError::Sign)?;
        Ok(STANDARD.encode(sig))
    }
}

/// A public key ready to verify.
#[derive(Clone)]
pub struct VerifyingKey {
    n: Vec<u8>,
    e: Vec<u8>,
}

impl VerifyingKey {
    /// Reads `BEGIN PUBLIC KEY` (SPKI) or `BEGIN RSA PUBLIC KEY` (PKCS#1).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let key = RsaPublicKey::from_public_key_pem(pem.trim())
            .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
            .map_err(|_| KeyError::Pem)?;
        Ok(Self {
            n: key.n().to_bytes_be(),
            e: key.e().to_bytes_be(),
        })
    }

    pub fn verify(&self, message: &[u8], signature_b64: &str) -> bool {
        let Ok(sig) = STANDARD.decode(signature_b64.trim()) else {
            return false;
        };
        self.verify_bytes(message, &sig, crate::signature::Algorithm::RsaPkcs1Sha256)
    }

    pub fn verify_bytes(
        &self,
        message: &[u8],
        signature: &[u8],
        algorithm: crate::signature::Algorithm,
    ) -> bool {
        let params = match algorithm {
            crate::signature::Algorithm::RsaPkcs1Sha256 => &RSA_PKCS1_2048_8192_SHA256,
            crate::signature::Algorithm::RsaPssSha512 => &RSA_PSS_2048_8192_SHA512,
        };
        RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(params, message, signature)
        .is_ok()
    }
}

/// Parsed public keys by PEM text; parsing is the slow part of verifying.
#[derive(Clone, Default)]
pub struct KeyCache {
    inner: Arc<BoundedMap<VerifyingKey>>,
}

impl KeyCache {
    pub fn get(&self, pem: &str) -> Result<VerifyingKey, KeyError> {
        if let Some(k) = self.inner.get(pem) {
            return Ok(k);
        }
        let key = VerifyingKey::from_pem(pem)?;
        self.inner.insert(pem, key.clone());
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::{Pkcs1v15Sign, RsaPrivateKey};
    use sha2::{Digest, Sha256};

    /// ring and the `rsa` crate that activitypub_federation signs with give
    /// the same bytes, so either side verifies the other.
    #[test]
    fn ring_signatures_equal_the_rsa_crate_byte_for_byte() {
        let (public, private) = generate().unwrap();
        let message = b"(request-target): post /inbox\nhost: example.org\ndate: Tue, 28 Mar 2023 21:03:44 GMT";
        let ours = SigningKey::from_pkcs8_pem(&private)
            .unwrap()
            .sign(message)
            .unwrap();
        let theirs = RsaPrivateKey::from_pkcs8_pem(&private)
            .unwrap()
            .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message))
            .unwrap();
        assert_eq!(ours, STANDARD.encode(&theirs));
        let key = VerifyingKey::from_pem(&public).unwrap();
        assert!(key.verify(message, &ours));
        assert!(!key.verify(b"another message", &ours));
        // And the rsa crate verifies ring's signature.
        let pubkey = RsaPublicKey::from_public_key_pem(&public).unwrap();
        pubkey
            .verify(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(message),
                &STANDARD.decode(&ours).unwrap(),
            )
            .unwrap();
    }
}
