use std::time::Duration;

use golmok_runtime::{Actor, Role};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::AuthSettings;

/// The claims of a Golmok API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Stable id of the person or system; a citizen's orders are filed under it.
    pub sub: String,
    pub role: Role,
    /// The store a merchant token may act for; only with the merchant role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant: Option<Uuid>,
    pub iss: String,
    pub aud: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Issue time, seconds since the Unix epoch.
    pub iat: u64,
    /// Not valid before, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
}

impl Claims {
    /// Claims valid from now for `ttl`, issued for the gateway configured by `auth`.
    pub fn new(
        subject: impl Into<String>,
        role: Role,
        merchant: Option<Uuid>,
        ttl: Duration,
        auth: &AuthSettings,
    ) -> Claims {
        let now = jsonwebtoken::get_current_timestamp();
        Claims {
            sub: subject.into(),
            role,
            merchant,
            iss: auth.issuer.clone(),
            aud: auth.audience.clone(),
            exp: now.saturating_add(ttl.as_secs()),
            iat: now,
            nbf: Some(now),
        }
    }

    /// The caller these claims stand for, as forwarded to services.
    pub fn actor(&self) -> Actor {
        Actor {
            subject: self.sub.clone(),
            role: self.role,
            merchant_id: self.merchant,
        }
    }
}
