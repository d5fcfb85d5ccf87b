use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use uuid::Uuid;

use super::ApiError;
use crate::trust::{Trusted, Untrusted};
use crate::{Actor, Role};

/// The caller the gateway's actor assertion names (`None` when anonymous),
/// as [`trust_gateway`](crate::trust_gateway) verified it. On routes served
/// without that check there is no caller to trust, and the call is refused
/// (`401 ACTOR_ASSERTION_MISSING`), never read as anonymous.
pub struct Caller(pub Option<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Trusted>()
            .map(|trusted| Caller(trusted.0.clone()))
            .ok_or_else(|| ApiError::untrusted(Untrusted::Missing))
    }
}

impl Caller {
    pub fn signed_in(&self) -> Result<&Actor, ApiError> {
        self.0.as_ref().ok_or_else(ApiError::unauthenticated)
    }

    /// The caller, if it has one of `roles`.
    pub fn with_role(&self, roles: &[Role]) -> Result<&Actor, ApiError> {
        let actor = self.signed_in()?;
        if roles.contains(&actor.role) {
            Ok(actor)
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// An official of the issuers, or an operator.
    pub fn official(&self) -> Result<&Actor, ApiError> {
        self.with_role(&[Role::Official, Role::Operator])
    }

    /// The caller, if it acts for `merchant` (the merchant itself or an operator).
    pub fn for_merchant(&self, merchant: Uuid) -> Result<&Actor, ApiError> {
        let actor = self.signed_in()?;
        if actor.acts_for_merchant(merchant) {
            Ok(actor)
        } else {
            Err(ApiError::forbidden())
        }
    }

    pub fn acts_for_merchant(&self, merchant: Uuid) -> bool {
        self.0
            .as_ref()
            .is_some_and(|a| a.acts_for_merchant(merchant))
    }

    /// The stored form of the caller's idempotency `key`: scoped to the
    /// caller (`-` when anonymous), length-prefixed so no two (subject, key)
    /// pairs collide.
    pub(super) fn scoped_key(&self, key: &str) -> String {
        let subject = self.0.as_ref().map_or("-", |a| a.subject.as_str());
        format!("{}:{subject}:{key}", subject.len())
    }
}
