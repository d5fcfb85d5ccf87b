use std::fmt;
use std::path::Path;

use golmok_runtime::load_or_create_secret;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sha2::{Digest, Sha256};

use super::claims::Claims;

/// Why the signing key cannot be read or created.
pub type AuthError = golmok_runtime::SecretFileError;

/// The HS256 key tokens are signed and verified with.
///
/// The file holds the key as one line of standard base64. `Debug` shows only
/// the key id, never the key.
#[derive(Clone)]
pub struct SigningKey {
    secret: Vec<u8>,
    kid: String,
}

impl SigningKey {
    /// Reads the key from `path`, or creates the file (mode 0600, parent
    /// directories included) with 32 fresh random bytes when it is missing.
    /// Two processes racing to create it end up with the same key.
    pub fn load_or_create(path: &Path) -> Result<SigningKey, AuthError> {
        load_or_create_secret(path).map(SigningKey::from_secret)
    }

    /// The key id put in every token header: a short digest of the key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `claims` into a compact JWT (HS256, `kid` set).
    pub fn mint(&self, claims: &Claims) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(&self.secret))
            .expect("HS256 signing of serializable claims cannot fail")
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    fn from_secret(secret: Vec<u8>) -> SigningKey {
        let digest = Sha256::digest(&secret);
        let kid = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        SigningKey { secret, kid }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_keys_differ_and_so_do_their_ids() {
        let dir = tempfile::tempdir().unwrap();
        let a = SigningKey::load_or_create(&dir.path().join("a.key")).unwrap();
        let b = SigningKey::load_or_create(&dir.path().join("b.key")).unwrap();
        assert_ne!(a.secret(), b.secret());
        assert_ne!(a.kid(), b.kid());
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::load_or_create(&dir.path().join("jwt.key")).unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains(key.kid()));
        assert!(!shown.contains("secret"), "{shown}");
        assert!(!shown.contains(&format!("{:?}", key.secret())), "{shown}");
    }
}
