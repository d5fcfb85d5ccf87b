//! Secrets and signatures: a secret is 32 random bytes written base64url
//! without padding; a delivery is signed `v1=<hex HMAC-SHA256(secret,
//! "<timestamp>.<body>")>`, the key being the secret's text as shown.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The stable event id (receivers deduplicate on it).
pub const WEBHOOK_ID_HEADER: &str = "golmok-webhook-id";
/// When the attempt was signed, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "golmok-webhook-timestamp";
/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub const SIGNATURE_HEADER: &str = "golmok-webhook-signature";

/// A new secret, or why the system's random source failed.
pub(super) fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The signature header's value for `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: Python's hmac.new(b"Jefe",
        // b'1700000000.{"a":1}', hashlib.sha256).hexdigest().
        assert_eq!(
            signature("Jefe", 1_700_000_000, r#"{"a":1}"#),
            "v1=fa5f6481efc59da48b19c9dc10196c9953e5651f8304b3a318b6b87d70272e0a"
        );
        assert_ne!(signature("k", 1, "{}"), signature("k", 2, "{}"));
        assert_ne!(signature("k", 1, "{}"), signature("j", 1, "{}"));
    }

    #[test]
    fn secrets_are_43_characters_of_base64url_and_never_repeat() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(a, b);
    }
}
