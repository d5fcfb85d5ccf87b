use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use golmok_runtime::StorageSettings;
use serde::Deserialize;

/// Settings of the GraphQL gateway.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address the gateway serves GraphQL on (`golmok up` serves the ops endpoints there too).
    pub listen: SocketAddr,
    /// How callers are authenticated.
    pub auth: AuthSettings,
    /// Bounds on what one request may ask for.
    pub limits: LimitSettings,
    /// Which web origins' pages a browser lets call the gateway.
    pub cors: CorsSettings,
    /// Where the gateway keeps its own data: the feeds' store
    /// (`golmok up` and `golmok serve` place it under their data directory).
    pub data_dir: PathBuf,
    /// The gateway's store (`[gateway.storage]`): an embedded redb file under
    /// `data_dir` by default, or a CQL keyspace of its own.
    pub storage: StorageSettings,
    /// The feeds subscriptions follow (promotions, orders, commissions).
    pub feed: FeedSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
            auth: AuthSettings::default(),
            limits: LimitSettings::default(),
            cors: CorsSettings::default(),
            data_dir: PathBuf::from(".golmok/gateway"),
            storage: StorageSettings::default(),
            feed: FeedSettings::default(),
        }
    }
}

/// The feeds: creator-media's and the storefront's events, read from the bus.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedSettings {
    /// The name of the consumer of creator-media's events: its checkpoint
    /// and inbox in the gateway's store and, with Kafka, its consumer group;
    /// the storefront's events are consumed as `<consumer_group>.storefront`.
    /// Every gateway replica needs every partition of the topics, so each
    /// replica sets its own.
    pub consumer_group: String,
    /// Items a subscription may fall behind the live feed before it re-reads
    /// them from the store (one buffer shared by all subscriptions).
    pub buffer: usize,
}

impl FeedSettings {
    /// The name of the consumer of `producer`'s events.
    pub(crate) fn consumer(&self, producer: &str) -> String {
        if producer == golmok_contracts::creator_media::SERVICE {
            self.consumer_group.clone()
        } else {
            format!("{}.{producer}", self.consumer_group)
        }
    }
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            consumer_group: "gateway.promotion-feed".to_owned(),
            buffer: 1_024,
        }
    }
}

/// Cross-origin calls from browsers (CORS). Tokens travel in the
/// Authorization header, so a browser only sends them cross-origin after a
/// preflight this list grants.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorsSettings {
    /// Origins whose pages may call the gateway, exactly as browsers send them
    /// (`https://app.example.com`, `http://localhost:3000`); `*` is refused.
    /// None by default: no CORS headers are granted to anyone.
    pub allowed_origins: Vec<String>,
    /// How long a browser may reuse a preflight answer, in seconds.
    pub max_age_secs: u64,
}

impl Default for CorsSettings {
    fn default() -> Self {
        CorsSettings {
            allowed_origins: Vec::new(),
            max_age_secs: 600,
        }
    }
}

/// JWT bearer tokens: HS256 with a key kept in a file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// File holding the token signing key; created with a fresh random key (mode 0600) when missing.
    pub signing_key_file: PathBuf,
    /// The `iss` claim minted and required.
    pub issuer: String,
    /// The `aud` claim minted and required.
    pub audience: String,
    /// Lifetime of minted tokens, in seconds.
    pub token_ttl_secs: u64,
    /// File holding the suite's actor-assertion key, from which the gateway
    /// signs the caller of each call it forwards to a service (the services
    /// read the same file); created like the signing key when missing.
    pub assertion_key_file: PathBuf,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            signing_key_file: PathBuf::from(".golmok/jwt-signing.key"),
            issuer: "golmok".to_owned(),
            audience: "golmok-api".to_owned(),
            token_ttl_secs: 86_400,
            assertion_key_file: PathBuf::from(".golmok/data")
                .join(golmok_runtime::ASSERTION_KEY_FILE),
        }
    }
}

/// Query limits, checked before any resolver runs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Deepest field nesting an operation may have (fragments expanded).
    pub max_depth: usize,
    /// Highest complexity score: one per field, connection fields times the page size asked for.
    pub max_complexity: usize,
    /// Most aliased fields in one operation (fragments expanded).
    pub max_aliases: usize,
    /// Most selections one document may expand to, counted before validation:
    /// every field, inline fragment and fragment spread of every operation and
    /// fragment definition counts one, and each spread also counts its
    /// fragment's expanded size. Bounds the work of checking a document
    /// (fragments that spread each other several times grow exponentially).
    pub max_expanded_fields: usize,
    /// Most operations in one batched request (a JSON array body).
    pub max_batch_operations: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long one call to a service may take, in milliseconds, before the field fails as UNAVAILABLE.
    pub upstream_timeout_ms: u64,
    /// How long one POST /graphql may take from parsing to the last resolver, in
    /// milliseconds (a batch counts as one request); past it the request is
    /// answered REQUEST_TIMEOUT. Keep it above `upstream_timeout_ms`.
    pub request_timeout_ms: u64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            max_depth: 12,
            max_complexity: 1_000,
            max_aliases: 30,
            max_expanded_fields: 3_000,
            max_batch_operations: 10,
            max_body_bytes: 256 * 1024,
            upstream_timeout_ms: 10_000,
            request_timeout_ms: 15_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_settings_keep_the_defaults() {
        let settings: Settings =
            serde_json::from_value(serde_json::json!({"limits": {"max_depth": 5}}))
                .expect("valid settings");
        assert_eq!(settings.limits.max_depth, 5);
        assert_eq!(
            settings.limits.max_complexity,
            LimitSettings::default().max_complexity
        );
        assert_eq!(settings.auth, AuthSettings::default());
        assert_eq!(settings.listen, "127.0.0.1:8080".parse().unwrap());
    }

    #[test]
    fn unknown_keys_fail_loudly() {
        let error =
            serde_json::from_value::<Settings>(serde_json::json!({"limits": {"max_dpeth": 5}}))
                .expect_err("a typo must not pass");
        assert!(error.to_string().contains("max_dpeth"), "{error}");
    }
}
