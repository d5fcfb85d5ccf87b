//! CORS: preflights answered for the configured origins only.

use std::time::Duration;

use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::CorsSettings;

/// An `allowed_origins` entry that cannot be granted.
#[derive(Debug, thiserror::Error)]
pub enum CorsError {
    #[error(
        "cors.allowed_origins: `*` would let every web page call the gateway; list the origins"
    )]
    Wildcard,
    #[error("cors.allowed_origins: {0:?} is not an origin like https://app.example.com")]
    NotAnOrigin(String),
}

/// The layer granting `settings.allowed_origins` (and nobody else) GET and
/// POST with the Content-Type and Authorization headers.
pub(crate) fn cors_layer(settings: &CorsSettings) -> Result<CorsLayer, CorsError> {
    let origins = settings
        .allowed_origins
        .iter()
        .map(|origin| {
            if origin.trim() == "*" {
                return Err(CorsError::Wildcard);
            }
            let scheme = origin.split_once("://").map(|(scheme, _)| scheme);
            if !matches!(scheme, Some("http" | "https")) || origin.ends_with('/') {
                return Err(CorsError::NotAnOrigin(origin.clone()));
            }
            HeaderValue::from_str(origin).map_err(|_| CorsError::NotAnOrigin(origin.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(Duration::from_secs(settings.max_age_secs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(list: &[&str]) -> CorsSettings {
        CorsSettings {
            allowed_origins: list.iter().map(|origin| (*origin).to_owned()).collect(),
            ..CorsSettings::default()
        }
    }

    #[test]
    fn wildcards_and_non_origins_fail_loudly() {
        assert!(matches!(
            cors_layer(&origins(&["*"])),
            Err(CorsError::Wildcard)
        ));
        for bad in [
            "app.example.com",
            "ftp://x",
            "https://app.example.com/",
            "https://a\nb",
        ] {
            assert!(
                matches!(cors_layer(&origins(&[bad])), Err(CorsError::NotAnOrigin(_))),
                "{bad}"
            );
        }
        assert!(
            cors_layer(&origins(&[
                "https://app.example.com",
                "http://localhost:3000"
            ]))
            .is_ok()
        );
    }
}
