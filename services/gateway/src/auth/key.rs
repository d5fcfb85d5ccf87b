use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sha2::{Digest, Sha256};

use super::claims::Claims;

/// Length of a generated key; also the shortest key accepted from a file.
const KEY_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read the signing key file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create the signing key file {path}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the signing key file {path} does not hold a base64 key of at least {KEY_BYTES} bytes")]
    Malformed { path: PathBuf },
    #[error("no randomness for a new signing key: {0}")]
    Random(getrandom::Error),
}

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
        match std::fs::read_to_string(path) {
            Ok(text) => SigningKey::parse(path, &text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => SigningKey::create(path),
            Err(source) => Err(AuthError::Read {
                path: path.to_owned(),
                source,
            }),
        }
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

    fn parse(path: &Path, text: &str) -> Result<SigningKey, AuthError> {
        warn_if_shared(path);
        match STANDARD.decode(text.trim()) {
            Ok(secret) if secret.len() >= KEY_BYTES => Ok(SigningKey::from_secret(secret)),
            _ => Err(AuthError::Malformed {
                path: path.to_owned(),
            }),
        }
    }

    fn create(path: &Path) -> Result<SigningKey, AuthError> {
        let mut secret = vec![0u8; KEY_BYTES];
        getrandom::fill(&mut secret).map_err(AuthError::Random)?;
        let create_error = |source| AuthError::Create {
            path: path.to_owned(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(create_error)?;
        }
        // Write a private temporary file, then link it into place: the key
        // file appears complete or not at all, and an existing one is never
        // replaced.
        let temporary = temporary_path(path);
        let written = write_private(
            &temporary,
            format!("{}\n", STANDARD.encode(&secret)).as_bytes(),
        )
        .and_then(|()| std::fs::hard_link(&temporary, path));
        let _ = std::fs::remove_file(&temporary);
        match written {
            Ok(()) => {
                sync_parent(path);
                tracing::info!(path = %path.display(), "created a new token signing key");
                Ok(SigningKey::from_secret(secret))
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(path).map_err(|source| AuthError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                SigningKey::parse(path, &text)
            }
            Err(error) => Err(create_error(error)),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut nonce = [0u8; 8];
    // A clash only makes `create_new` fail, which is reported; any bytes do.
    let _ = getrandom::fill(&mut nonce);
    let suffix: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".tmp-{suffix}"));
    path.with_file_name(name)
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(dir) = std::fs::File::open(parent)
    {
        let _ = dir.sync_all();
    }
}

fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", metadata.permissions().mode() & 0o777),
                "the token signing key file is readable by other users; chmod 600 it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_file_is_created_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/jwt.key");
        let created = SigningKey::load_or_create(&path).unwrap();
        let loaded = SigningKey::load_or_create(&path).unwrap();
        assert_eq!(created.secret(), loaded.secret());
        assert_eq!(created.kid(), loaded.kid());
        assert_eq!(created.secret().len(), KEY_BYTES);
        assert_eq!(created.kid().len(), 16);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn two_keys_differ_and_so_do_their_ids() {
        let dir = tempfile::tempdir().unwrap();
        let a = SigningKey::load_or_create(&dir.path().join("a.key")).unwrap();
        let b = SigningKey::load_or_create(&dir.path().join("b.key")).unwrap();
        assert_ne!(a.secret(), b.secret());
        assert_ne!(a.kid(), b.kid());
    }

    #[test]
    fn racing_creators_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt.key");
        let keys: Vec<SigningKey> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| SigningKey::load_or_create(&path).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(keys.iter().all(|k| k.secret() == keys[0].secret()));
    }

    #[test]
    fn a_short_or_garbled_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let short = dir.path().join("short.key");
        std::fs::write(&short, STANDARD.encode([7u8; 16])).unwrap();
        assert!(matches!(
            SigningKey::load_or_create(&short),
            Err(AuthError::Malformed { .. })
        ));
        let garbled = dir.path().join("garbled.key");
        std::fs::write(&garbled, "not base64 at all!").unwrap();
        assert!(matches!(
            SigningKey::load_or_create(&garbled),
            Err(AuthError::Malformed { .. })
        ));
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
