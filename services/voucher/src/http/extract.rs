//! Request extractors: the caller, command bodies with their idempotency
//! metadata, path ids and list parameters, each failing with an [`ApiError`].

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use golmok_kernel::{CommandMeta, Idempotency};
use golmok_kernel::{ListPage, PageRequest};
use golmok_runtime::{Actor, IDEMPOTENCY_HEADER, Role};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ApiError;
use crate::app::Committed;

const MAX_KEY_LEN: usize = 255;
const DEFAULT_PAGE: usize = 20;
const MAX_PAGE: usize = 100;
/// Marks (and versions) the voucher's list cursors.
const CURSOR_PREFIX: &str = "v1.";

/// The caller from `x-golmok-actor`; `None` when anonymous.
pub struct Caller(pub Option<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Actor::from_headers(&parts.headers)
            .map(Caller)
            .map_err(ApiError::BadActor)
    }
}

impl Caller {
    pub fn signed_in(&self) -> Result<&Actor, ApiError> {
        self.0.as_ref().ok_or(ApiError::Unauthenticated)
    }

    /// The caller, if it has one of `roles`.
    pub fn with_role(&self, roles: &[Role]) -> Result<&Actor, ApiError> {
        let actor = self.signed_in()?;
        if roles.contains(&actor.role) {
            Ok(actor)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// An official of the issuers, or an operator.
    pub fn official(&self) -> Result<&Actor, ApiError> {
        self.with_role(&[Role::Official, Role::Operator])
    }
}

/// A command request: the caller, the idempotency metadata and the JSON body.
/// An empty body reads as `{}`.
pub struct Command<T> {
    pub caller: Caller,
    pub meta: CommandMeta,
    pub body: T,
}

impl<S: Send + Sync, T: DeserializeOwned + Serialize> FromRequest<S> for Command<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let (mut parts, body) = request.into_parts();
        let caller = Caller::from_request_parts(&mut parts, state).await?;
        let key = parts.headers.get(IDEMPOTENCY_HEADER).cloned();
        let traceparent = parts
            .headers
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let target = format!("{} {}", parts.method, parts.uri.path());
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::BodyTooLarge
                } else {
                    tracing::info!(detail = %rejection.body_text(), "request body unreadable");
                    ApiError::BadRequest {
                        code: "MALFORMED_BODY",
                        message: "the request body cannot be read".to_owned(),
                        field: None,
                    }
                }
            })?;
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        let body: T = parse(text)?;
        let idempotency = match key {
            None => None,
            Some(value) => Some(idempotency(value.to_str().ok(), &caller, &target, &body)?),
        };
        let meta = CommandMeta {
            idempotency,
            traceparent,
            ..CommandMeta::default()
        };
        Ok(Command { caller, meta, body })
    }
}

/// Parses JSON, naming the field at fault (`feeTiers.micro`). The message
/// is written for partners; serde's own wording is logged, never returned.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let at = error.path().to_string();
        let inner = error.into_inner();
        let detail = inner.to_string();
        tracing::info!(%detail, %at, "request body refused");
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::BadRequest {
                code: "MALFORMED_BODY",
                message: "the request body is not valid JSON".to_owned(),
                field: None,
            };
        }
        let named = detail.split('`').nth(1).unwrap_or_default().to_owned();
        let parent = at.trim_matches('.').replace('[', ".").replace(']', "");
        let (code, field) = if detail.starts_with("missing field") {
            let field = if parent.is_empty() {
                named
            } else {
                format!("{parent}.{named}")
            };
            ("FIELD_REQUIRED", field)
        } else if detail.starts_with("unknown field") {
            ("UNKNOWN_FIELD", parent)
        } else {
            ("INVALID_FIELD", parent)
        };
        let field = Some(field).filter(|f| !f.is_empty());
        ApiError::BadRequest {
            code,
            message: body_problem(code, field.as_deref()),
            field,
        }
    })
}

/// A sentence for a partner about a body field serde refused.
fn body_problem(code: &str, field: Option<&str>) -> String {
    match (code, field) {
        ("FIELD_REQUIRED", Some(field)) => format!("{field} is required"),
        ("UNKNOWN_FIELD", Some(field)) => format!("{field} is not a field of this request"),
        (_, Some(field)) => {
            format!("{field} does not have a value of the documented type and range")
        }
        (_, None) => "the request body must be a JSON object as documented".to_owned(),
    }
}

/// The idempotency key, scoped to the caller, with a digest of the request:
/// its method, path and the body as parsed (so key order and spacing do not
/// matter, a changed value does).
fn idempotency<T: Serialize>(
    key: Option<&str>,
    caller: &Caller,
    target: &str,
    body: &T,
) -> Result<Idempotency, ApiError> {
    let key = key
        .filter(|k| {
            !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_IDEMPOTENCY_KEY",
                IDEMPOTENCY_HEADER,
                format!("an idempotency key is 1 to {MAX_KEY_LEN} visible ASCII characters"),
            )
        })?;
    let subject = caller.0.as_ref().map_or("-", |a| a.subject.as_str());
    let parsed = serde_json::to_vec(body).expect("request bodies serialize");
    let digest = Sha256::new()
        .chain_update(target)
        .chain_update([0])
        .chain_update(parsed)
        .finalize();
    Ok(Idempotency {
        key: format!("voucher:{}:{subject}:{key}", subject.len()),
        fingerprint: format!("{digest:x}"),
    })
}

/// A path id; anything that is not a UUID names nothing, hence `code` (404).
pub fn path_id(text: &str, code: &'static str, what: &'static str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::NotFound(code, what))
}

/// Query parameters of a list route.
pub struct ListParams(pub BTreeMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for ListParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<BTreeMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(params)| ListParams(params))
            .map_err(|e| {
                tracing::info!(detail = %e.body_text(), "query string refused");
                ApiError::BadRequest {
                    code: "INVALID_QUERY",
                    message: "the query string cannot be read".to_owned(),
                    field: None,
                }
            })
    }
}

impl ListParams {
    /// `first` (1..=100, default 20) and the opaque cursor `after`.
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let first = match self.0.get("first") {
            None => DEFAULT_PAGE,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "INVALID_PAGE_SIZE",
                        "first",
                        format!("first must be between 1 and {MAX_PAGE}"),
                    )
                })?,
        };
        let after = self
            .0
            .get("after")
            .map(|text| {
                cursor_key(text).ok_or_else(|| {
                    ApiError::bad_request("INVALID_CURSOR", "after", "not a cursor of this list")
                })
            })
            .transpose()?;
        Ok(PageRequest { first, after })
    }

    /// A required text parameter.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                ApiError::bad_request("FIELD_REQUIRED", name, format!("{name} is required"))
            })
    }

    /// An optional `YYYY-MM-DD` parameter.
    pub fn date(&self, name: &str) -> Result<Option<chrono::NaiveDate>, ApiError> {
        self.0
            .get(name)
            .map(|text| {
                text.parse().map_err(|_| {
                    ApiError::bad_request(
                        "INVALID_PARAMETER",
                        name,
                        format!("{name} is a date YYYY-MM-DD"),
                    )
                })
            })
            .transpose()
    }
}

/// A list page as partners see it: its `nextCursor` is opaque, so a cursor
/// is only ever one this service gave out.
pub fn listed<T>(mut page: ListPage<T>) -> Json<ListPage<T>> {
    page.next_cursor = page.next_cursor.map(|key| {
        let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
        format!("{CURSOR_PREFIX}{hex}")
    });
    Json(page)
}

/// The table position inside a cursor from [`listed`].
fn cursor_key(cursor: &str) -> Option<String> {
    let hex = cursor.strip_prefix(CURSOR_PREFIX)?.as_bytes();
    if hex.is_empty() || hex.len() % 2 != 0 {
        return None;
    }
    let bytes = hex
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

/// A command's answer: the status, the body, and `x-golmok-consistency: stale`
/// when the read models had not caught up within the consistency timeout.
pub struct Reply<T>(pub StatusCode, pub Committed<T>);

impl<T: Serialize> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        let Reply(status, committed) = self;
        let mut response = (status, Json(committed.value)).into_response();
        if !committed.consistent {
            response.headers_mut().insert(
                "x-golmok-consistency",
                axum::http::HeaderValue::from_static("stale"),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Tiers {
        micro: u32,
    }

    #[derive(Debug, serde::Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Body {
        amount: i64,
        fee_tiers: Tiers,
    }

    fn problem(json: &str) -> (&'static str, Option<String>) {
        match parse::<Body>(json.as_bytes()).unwrap_err() {
            ApiError::BadRequest { code, field, .. } => (code, field),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn body_errors_name_the_field() {
        assert_eq!(
            problem(r#"{"feeTiers":{"micro":0}}"#),
            ("FIELD_REQUIRED", Some("amount".into()))
        );
        assert_eq!(
            problem(r#"{"amount":1,"feeTiers":{}}"#),
            ("FIELD_REQUIRED", Some("feeTiers.micro".into()))
        );
        assert_eq!(
            problem(r#"{"amount":"x","feeTiers":{"micro":0}}"#),
            ("INVALID_FIELD", Some("amount".into()))
        );
        assert_eq!(
            problem(r#"{"amount":1,"feeTiers":{"micro":0},"x":1}"#),
            ("UNKNOWN_FIELD", Some("x".into()))
        );
        assert_eq!(problem(r#"{"amount":"#), ("MALFORMED_BODY", None));
    }

    #[test]
    fn cursors_are_the_services_own() {
        let page = listed(ListPage::<u8> {
            items: vec![],
            next_cursor: Some("2024-01-01|ab:cd".into()),
        });
        let cursor = page.0.next_cursor.unwrap();
        assert_eq!(cursor_key(&cursor).as_deref(), Some("2024-01-01|ab:cd"));
        for forged in ["", "v1.", "v1.0", "v1.zz", "2024-01-01|ab:cd", "v1.ff"] {
            assert_eq!(cursor_key(forged), None, "{forged:?}");
        }
    }

    #[test]
    fn the_fingerprint_ignores_key_order_but_not_values() {
        let caller = Caller(None);
        let print = |json: &str| {
            let body: Body = parse(json.as_bytes()).unwrap();
            idempotency(Some("k"), &caller, "POST /x", &body)
                .unwrap()
                .fingerprint
        };
        assert_eq!(
            print(r#"{"amount":1,"feeTiers":{"micro":2}}"#),
            print(r#"{ "feeTiers":{"micro":2}, "amount":1 }"#)
        );
        assert_ne!(
            print(r#"{"amount":1,"feeTiers":{"micro":2}}"#),
            print(r#"{"amount":2,"feeTiers":{"micro":2}}"#)
        );
    }
}
