//! Services trust only the gateway. The gateway signs the actor of every call
//! it forwards into an **actor assertion**, carried in `x-golmok-actor`:
//! who calls (or nobody), for which service (the audience) and until when
//! (a short lifetime). A service refuses, with `401` and a stable code, a
//! call whose assertion is missing, forged, expired or meant for another
//! service; so a pod that can reach a service's port still cannot act as
//! anyone.
//!
//! The suite shares one root secret (a key file, see [`TrustRoot`]); each
//! service's key is derived from it and its name, so an assertion signed for
//! one service does not verify at another. The assertion is
//! `v1.<claims>.<mac>`: the claims as base64url JSON, the mac
//! HMAC-SHA256 over `v1.<claims>` with the audience's key. HMAC keeps the cost
//! per call to about a microsecond each way, in-process and over HTTP alike.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::edge::ApiError;
use crate::secret_file::{SecretFileError, load_or_create_secret};
use crate::{ACTOR_HEADER, Actor};

/// How long an assertion is good for after the gateway signs it.
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(60);
/// The version prefix of every assertion.
const VERSION: &str = "v1";
/// What a service key is derived for, besides the service's name.
const DERIVATION: &[u8] = b"golmok actor assertion v1\0";

type HmacSha256 = Hmac<Sha256>;

/// The suite's root secret for actor assertions: the gateway derives every
/// service's key from it, a service its own. Kept in a key file
/// (`actor-assertion.key` in the data directory by default; in a cluster, the
/// same Secret mounted in the gateway and every service).
#[derive(Clone)]
pub struct TrustRoot {
    secret: Arc<[u8]>,
}

impl TrustRoot {
    /// The root in `path`, created (mode 0600) when the file is missing.
    pub fn load_or_create(path: &Path) -> Result<TrustRoot, SecretFileError> {
        load_or_create_secret(path).map(|secret| TrustRoot {
            secret: secret.into(),
        })
    }

    /// The key of assertions for `service`.
    pub fn key_for(&self, service: &str) -> AssertionKey {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(DERIVATION);
        mac.update(service.as_bytes());
        AssertionKey {
            audience: Arc::from(service),
            key: Arc::from(mac.finalize().into_bytes().as_slice()),
        }
    }
}

impl std::fmt::Debug for TrustRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustRoot").finish_non_exhaustive()
    }
}

/// Signs and verifies the assertions of one service (the audience).
#[derive(Clone)]
pub struct AssertionKey {
    audience: Arc<str>,
    key: Arc<[u8]>,
}

impl std::fmt::Debug for AssertionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssertionKey")
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// What an assertion says; signing borrows the audience and the actor
/// rather than copying them for every call.
#[derive(Debug, Serialize, Deserialize)]
struct Claims<'a> {
    /// The service it is for.
    aud: Cow<'a, str>,
    /// When it stops being good, in seconds since the Unix epoch.
    exp: u64,
    /// Who calls; absent for an anonymous caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    act: Option<Cow<'a, Actor>>,
}

/// Why a service does not trust a call; each is `401` with its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Untrusted {
    #[error("the call carries no actor assertion; services are called through the gateway")]
    Missing,
    #[error("the actor assertion is malformed or its signature does not verify")]
    Invalid,
    #[error("the actor assertion has expired")]
    Expired,
    #[error("the actor assertion is for another service")]
    WrongAudience,
}

impl Untrusted {
    /// The stable code partners and operators switch on.
    pub fn code(self) -> &'static str {
        match self {
            Untrusted::Missing => "ACTOR_ASSERTION_MISSING",
            Untrusted::Invalid => "ACTOR_ASSERTION_INVALID",
            Untrusted::Expired => "ACTOR_ASSERTION_EXPIRED",
            Untrusted::WrongAudience => "ACTOR_ASSERTION_WRONG_AUDIENCE",
        }
    }
}

impl AssertionKey {
    /// The service these assertions are for.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The assertion that `actor` (or nobody) calls this service, good for
    /// [`ASSERTION_LIFETIME`] from `now`.
    pub fn sign(&self, actor: Option<&Actor>, now: SystemTime) -> HeaderValue {
        self.sign_until(actor, seconds(now) + ASSERTION_LIFETIME.as_secs())
    }

    /// The assertion with its expiry in seconds since the Unix epoch.
    fn sign_until(&self, actor: Option<&Actor>, exp: u64) -> HeaderValue {
        let claims = Claims {
            aud: Cow::Borrowed(&self.audience),
            exp,
            act: actor.map(Cow::Borrowed),
        };
        let claims = serde_json::to_vec(&claims).expect("claims serialize");
        let mut text = format!("{VERSION}.{}", URL_SAFE_NO_PAD.encode(claims));
        let mac = self.mac(text.as_bytes()).finalize().into_bytes();
        text.push('.');
        text.push_str(&URL_SAFE_NO_PAD.encode(mac));
        HeaderValue::from_str(&text).expect("base64url and dots are a valid header value")
    }

    /// The caller an assertion names (`None` for an anonymous caller), once
    /// its audience, signature and lifetime are checked at `now`.
    pub fn verify(
        &self,
        assertion: Option<&HeaderValue>,
        now: SystemTime,
    ) -> Result<Option<Actor>, Untrusted> {
        let text = assertion
            .ok_or(Untrusted::Missing)?
            .to_str()
            .map_err(|_| Untrusted::Invalid)?;
        let (signed, mac) = text.rsplit_once('.').ok_or(Untrusted::Invalid)?;
        let claims = signed
            .strip_prefix(VERSION)
            .and_then(|rest| rest.strip_prefix('.'))
            .ok_or(Untrusted::Invalid)?;
        let claims = URL_SAFE_NO_PAD
            .decode(claims)
            .map_err(|_| Untrusted::Invalid)?;
        let claims: Claims = serde_json::from_slice(&claims).map_err(|_| Untrusted::Invalid)?;
        if *claims.aud != *self.audience {
            return Err(Untrusted::WrongAudience);
        }
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| Untrusted::Invalid)?;
        self.mac(signed.as_bytes())
            .verify_slice(&mac)
            .map_err(|_| Untrusted::Invalid)?;
        if claims.exp <= seconds(now) {
            return Err(Untrusted::Expired);
        }
        Ok(claims.act.map(Cow::into_owned))
    }

    fn mac(&self, message: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(message);
        mac
    }
}

fn seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The caller a trusted call was made for, put on the request by
/// [`trust_gateway`] and read by the edge's `Caller`.
#[derive(Debug, Clone)]
pub(crate) struct Trusted(pub(crate) Option<Actor>);

/// `routes` answering only calls whose actor assertion `key` verifies; the
/// verified caller goes on to the handlers.
pub fn trust_gateway(routes: Router, key: AssertionKey) -> Router {
    routes.layer(middleware::from_fn_with_state(key, check))
}

async fn check(State(key): State<AssertionKey>, mut request: Request, next: Next) -> Response {
    match key.verify(request.headers().get(ACTOR_HEADER), SystemTime::now()) {
        Ok(actor) => {
            request.extensions_mut().insert(Trusted(actor));
            next.run(request).await
        }
        Err(untrusted) => {
            tracing::warn!(
                service = key.audience(),
                code = untrusted.code(),
                method = %request.method(),
                path = request.uri().path(),
                "refused a call the gateway did not sign"
            );
            ApiError::untrusted(untrusted).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    fn root() -> TrustRoot {
        TrustRoot {
            secret: Arc::from(&[7u8; 32][..]),
        }
    }

    fn official() -> Actor {
        Actor {
            subject: "official-jung-gu".to_owned(),
            role: Role::Official,
            merchant_id: None,
        }
    }

    #[test]
    fn a_signed_actor_verifies_at_its_service_only_while_it_is_fresh() {
        let storefront = root().key_for("storefront");
        let now = SystemTime::now();
        let signed = storefront.sign(Some(&official()), now);
        assert_eq!(storefront.verify(Some(&signed), now), Ok(Some(official())));
        let anonymous = storefront.sign(None, now);
        assert_eq!(storefront.verify(Some(&anonymous), now), Ok(None));
        assert_eq!(
            root().key_for("voucher").verify(Some(&signed), now),
            Err(Untrusted::WrongAudience)
        );
        let later = now + ASSERTION_LIFETIME + Duration::from_secs(1);
        assert_eq!(
            storefront.verify(Some(&signed), later),
            Err(Untrusted::Expired)
        );
    }

    #[test]
    fn missing_forged_or_tampered_assertions_are_refused() {
        let key = root().key_for("storefront");
        let now = SystemTime::now();
        assert_eq!(key.verify(None, now), Err(Untrusted::Missing));
        // The old header: the actor as plain JSON.
        let plain = HeaderValue::from_str(&serde_json::to_string(&official()).unwrap()).unwrap();
        assert_eq!(key.verify(Some(&plain), now), Err(Untrusted::Invalid));
        // Signed with another root: the same claims, a wrong mac.
        let other = TrustRoot {
            secret: Arc::from(&[8u8; 32][..]),
        };
        let forged = other.key_for("storefront").sign(Some(&official()), now);
        assert_eq!(key.verify(Some(&forged), now), Err(Untrusted::Invalid));
        // A merchant's assertion with the role changed to official.
        let merchant = Actor {
            role: Role::Merchant,
            ..official()
        };
        let signed = key.sign(Some(&merchant), now);
        let text = signed.to_str().unwrap();
        let (_, claims, mac) = {
            let mut parts = text.split('.');
            (parts.next(), parts.next().unwrap(), parts.next().unwrap())
        };
        let claims = String::from_utf8(URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        let raised = claims.replace("\"merchant\"", "\"official\"");
        let tampered = format!("v1.{}.{mac}", URL_SAFE_NO_PAD.encode(raised));
        let tampered = HeaderValue::from_str(&tampered).unwrap();
        assert_eq!(key.verify(Some(&tampered), now), Err(Untrusted::Invalid));
        // An expired assertion re-signed with a later expiry by someone
        // without the key is still a wrong mac.
        let stale = key.sign_until(Some(&official()), seconds(now) - 1);
        assert_eq!(key.verify(Some(&stale), now), Err(Untrusted::Expired));
    }

    #[test]
    fn each_service_key_differs_and_the_root_decides_them() {
        let a = root().key_for("storefront");
        let b = root().key_for("voucher");
        assert_ne!(a.key, b.key);
        assert_eq!(a.key, root().key_for("storefront").key);
    }
}
