//! A secret kept in a file: read it, or create it once (mode 0600, written
//! whole or not at all). The gateway's token signing key and the suite's
//! actor-assertion key are such files.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Length of a generated secret; also the shortest one accepted from a file.
pub const SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
    #[error("cannot read the key file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create the key file {path}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the key file {path} does not hold a base64 key of at least {SECRET_BYTES} bytes")]
    Malformed { path: PathBuf },
    #[error("no randomness for a new key: {0}")]
    Random(getrandom::Error),
}

/// The secret in `path` (one line of standard base64), or a new one of
/// [`SECRET_BYTES`] random bytes written there (parent directories included)
/// when the file is missing. Two processes racing to create it end up with
/// the same secret; an existing file is never replaced.
pub fn load_or_create_secret(path: &Path) -> Result<Vec<u8>, SecretFileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(source) => Err(SecretFileError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

fn parse(path: &Path, text: &str) -> Result<Vec<u8>, SecretFileError> {
    warn_if_shared(path);
    match STANDARD.decode(text.trim()) {
        Ok(secret) if secret.len() >= SECRET_BYTES => Ok(secret),
        _ => Err(SecretFileError::Malformed {
            path: path.to_owned(),
        }),
    }
}

fn create(path: &Path) -> Result<Vec<u8>, SecretFileError> {
    let mut secret = vec![0u8; SECRET_BYTES];
    getrandom::fill(&mut secret).map_err(SecretFileError::Random)?;
    let create_error = |source| SecretFileError::Create {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(create_error)?;
    }
    // Write a private temporary file, then link it into place: the key file
    // appears complete or not at all, and an existing one is never replaced.
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
            tracing::info!(path = %path.display(), "created a new key file");
            Ok(secret)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(|source| SecretFileError::Read {
                path: path.to_owned(),
                source,
            })?;
            parse(path, &text)
        }
        Err(error) => Err(create_error(error)),
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
                "a key file is readable by other users; chmod 600 it"
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
        let created = load_or_create_secret(&path).unwrap();
        let loaded = load_or_create_secret(&path).unwrap();
        assert_eq!(created, loaded);
        assert_eq!(created.len(), SECRET_BYTES);
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
    fn two_files_hold_different_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create_secret(&dir.path().join("a.key")).unwrap();
        let b = load_or_create_secret(&dir.path().join("b.key")).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn racing_creators_agree_on_one_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt.key");
        let secrets: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| load_or_create_secret(&path).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(secrets.iter().all(|s| *s == secrets[0]));
    }

    #[test]
    fn a_short_or_garbled_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let short = dir.path().join("short.key");
        std::fs::write(&short, STANDARD.encode([7u8; 16])).unwrap();
        assert!(matches!(
            load_or_create_secret(&short),
            Err(SecretFileError::Malformed { .. })
        ));
        let garbled = dir.path().join("garbled.key");
        std::fs::write(&garbled, "not base64 at all!").unwrap();
        assert!(matches!(
            load_or_create_secret(&garbled),
            Err(SecretFileError::Malformed { .. })
        ));
    }
}
