//! What an event partner's token reaches (issue 10, RELIABILITY 14): its
//! tie-ins, the promotions they include and its webhooks, nothing else. Every call a
//! partner's request would make to a service is checked here, before it
//! leaves the gateway, so a field added anywhere in the schema is closed to
//! partners until its route is named below; the creator-media service then
//! decides which tie-ins and promotions are the partner's.

use golmok_runtime::{Actor, ErrorBody, Role};
use http::{Method, StatusCode};

use super::CallError;
use super::creator_media::SERVICE as CREATOR_MEDIA;

/// Whether a partner may call `method path` (path and query) of `service`:
/// creator-media's tie-in routes (`/tie-ins`, `/tie-ins/{id}`,
/// `/tie-ins/{id}/…`), its webhook routes (`/webhooks…`: the service keeps
/// each partner to its own webhooks) and `GET /promotions/{id}`.
fn reaches(service: &str, method: &Method, path: &str) -> bool {
    let path = path.split_once('?').map_or(path, |(path, _)| path);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    service == CREATOR_MEDIA
        && match segments.as_slice() {
            ["tie-ins", ..] | ["webhooks", ..] => true,
            ["promotions", _] => method == Method::GET,
            _ => false,
        }
}

/// The refusal of a call a partner's request may not make, as the service
/// would answer it (`403 FORBIDDEN`: reads answer as missing, mutations
/// report it in `userErrors`); `None` for any other caller or call.
pub(super) fn refusal(
    actor: Option<&Actor>,
    service: &'static str,
    method: &Method,
    path: &str,
) -> Option<CallError> {
    let partner = actor.is_some_and(|actor| actor.role == Role::Partner);
    (partner && !reaches(service, method, path)).then(|| CallError::Rejected {
        service,
        status: StatusCode::FORBIDDEN,
        body: ErrorBody {
            code: "FORBIDDEN".to_owned(),
            message: "a partner token reaches only its tie-ins, the promotions they include and its webhooks"
                .to_owned(),
            field: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partner() -> Actor {
        Actor {
            subject: "mama".into(),
            role: Role::Partner,
            merchant_id: None,
        }
    }

    #[test]
    fn a_partner_reaches_only_tie_ins_and_single_promotions() {
        let get = Method::GET;
        for path in [
            "/tie-ins?first=20",
            "/tie-ins/0190",
            "/tie-ins/0190/promotions?first=5&after=v1.00",
            "/promotions/0190",
        ] {
            assert!(
                refusal(Some(&partner()), CREATOR_MEDIA, &get, path).is_none(),
                "{path}"
            );
        }
        for (service, method, path) in [
            (CREATOR_MEDIA, Method::GET, "/creators"),
            (CREATOR_MEDIA, Method::GET, "/creators/0190"),
            (CREATOR_MEDIA, Method::POST, "/promotions"),
            (CREATOR_MEDIA, Method::POST, "/promotions/0190/withdrawal"),
            (CREATOR_MEDIA, Method::GET, "/merchants/0190/promotions"),
            (CREATOR_MEDIA, Method::GET, "/studios"),
            ("storefront", Method::GET, "/merchants/0190"),
            ("storefront", Method::GET, "/tie-ins"),
            ("voucher", Method::GET, "/wallets/0190"),
        ] {
            let refused = refusal(Some(&partner()), service, &method, path);
            assert!(
                matches!(refused, Some(CallError::Rejected { status, .. }) if status == StatusCode::FORBIDDEN),
                "{method} {path}"
            );
        }
        let merchant = Actor {
            role: Role::Merchant,
            ..partner()
        };
        assert!(refusal(Some(&merchant), "storefront", &get, "/merchants/0190").is_none());
        assert!(refusal(None, "storefront", &get, "/merchants/0190").is_none());
    }
}
