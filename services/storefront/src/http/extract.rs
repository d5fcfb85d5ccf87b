//! Request extractors: the caller, command bodies with their idempotency
//! metadata, path ids and list parameters, each failing with an [`ApiError`].

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use golmok_kernel::{CommandMeta, Idempotency};
use golmok_runtime::{Actor, IDEMPOTENCY_HEADER, Role};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ApiError;
use crate::app::{Committed, PageRequest};

const MAX_KEY_LEN: usize = 255;
const DEFAULT_PAGE: usize = 20;
const MAX_PAGE: usize = 100;

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

    /// The caller, if it acts for `merchant` (the merchant itself or an operator).
    pub fn for_merchant(&self, merchant: Uuid) -> Result<&Actor, ApiError> {
        let actor = self.signed_in()?;
        if actor.acts_for_merchant(merchant) {
            Ok(actor)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    pub fn acts_for_merchant(&self, merchant: Uuid) -> bool {
        self.0
            .as_ref()
            .is_some_and(|a| a.acts_for_merchant(merchant))
    }
}

/// A command request: the caller, the idempotency metadata and the JSON body.
/// An empty body reads as `{}`.
pub struct Command<T> {
    pub caller: Caller,
    pub meta: CommandMeta,
    pub body: T,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Command<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let (mut parts, body) = request.into_parts();
        let caller = Caller::from_request_parts(&mut parts, state).await?;
        let method = parts.method.clone();
        let path = parts.uri.path().to_owned();
        let headers = parts.headers.clone();
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(body_error)?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        let body = parse_body(bytes)?;
        let idempotency = idempotency(&headers, &caller, method.as_str(), &path, bytes)?;
        let meta = CommandMeta {
            idempotency,
            traceparent: headers
                .get("traceparent")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            ..CommandMeta::default()
        };
        Ok(Command { caller, meta, body })
    }
}

fn body_error(rejection: BytesRejection) -> ApiError {
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
}

/// Parses JSON, naming the field at fault (`lines.0.quantity`). The message
/// is written for partners; serde's own wording is logged, never returned.
fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string().replace('[', ".").replace(']', "");
        let inner = error.into_inner();
        let detail = inner.to_string();
        tracing::info!(%detail, at = %path, "request body refused");
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::BadRequest {
                code: "MALFORMED_BODY",
                message: "the request body is not valid JSON".to_owned(),
                field: None,
            };
        }
        let join = |name: &str| match path.as_str() {
            "." | "" => name.to_owned(),
            parent => format!("{parent}.{name}"),
        };
        let quoted = detail.split('`').nth(1).map(str::to_owned);
        let (code, field) = match quoted {
            Some(name) if detail.starts_with("missing field") => ("FIELD_REQUIRED", join(&name)),
            Some(_) if detail.starts_with("unknown field") => ("UNKNOWN_FIELD", path.clone()),
            _ => ("INVALID_FIELD", path.clone()),
        };
        let field = Some(field).filter(|f| f != "." && !f.is_empty());
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

/// The idempotency key, scoped to the caller, with a digest of the request.
fn idempotency(
    headers: &HeaderMap,
    caller: &Caller,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<Option<Idempotency>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
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
    let mut canonical_body = String::new();
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => canonical(&value, &mut canonical_body),
        Err(_) => canonical_body.push_str(&String::from_utf8_lossy(body)),
    }
    let digest = Sha256::new()
        .chain_update(method)
        .chain_update(b"\n")
        .chain_update(path)
        .chain_update(b"\n")
        .chain_update(canonical_body)
        .finalize();
    Ok(Some(Idempotency {
        key: format!("{}:{subject}:{key}", subject.len()),
        fingerprint: format!("{digest:x}"),
    }))
}

/// JSON with object keys sorted, so equal bodies digest equally.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            out.push('{');
            let sorted: BTreeMap<_, _> = map.iter().collect();
            for (i, (key, value)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
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
        let Query(params) = Query::<BTreeMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                tracing::info!(detail = %e.body_text(), "query string refused");
                ApiError::BadRequest {
                    code: "INVALID_QUERY",
                    message: "the query string cannot be read".to_owned(),
                    field: None,
                }
            })?;
        Ok(ListParams(params))
    }
}

impl ListParams {
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
        let after = match self.0.get("after") {
            None => None,
            Some(cursor) => Some(Uuid::parse_str(cursor).map(|id| id.to_string()).map_err(
                |_| ApiError::bad_request("INVALID_CURSOR", "after", "not a cursor of this list"),
            )?),
        };
        Ok(PageRequest { first, after })
    }

    pub fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).filter(|v| !v.is_empty()).cloned()
    }

    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.0.get(name).map(String::as_str) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(ApiError::bad_request(
                "INVALID_PARAMETER",
                name,
                format!("{name} is true or false"),
            )),
        }
    }
}

/// A command's answer: the status, the body, and `x-golmok-consistency: stale`
/// when the read models had not caught up within the consistency timeout.
pub struct Reply<T>(pub StatusCode, pub Committed<T>);

impl<T: serde::Serialize> IntoResponse for Reply<T> {
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

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        product_id: Uuid,
        quantity: i64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        lines: Vec<Line>,
    }

    fn field_of(json: &str) -> (&'static str, Option<String>) {
        match parse_body::<Body>(json.as_bytes()).unwrap_err() {
            ApiError::BadRequest { code, field, .. } => (code, field),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn body_errors_name_the_field() {
        assert_eq!(
            field_of(r#"{"lines":[]}"#),
            ("FIELD_REQUIRED", Some("name".into()))
        );
        assert_eq!(
            field_of(r#"{"name":"a","lines":[{"productId":"x","quantity":1}]}"#),
            ("INVALID_FIELD", Some("lines.0.productId".into()))
        );
        assert_eq!(
            field_of(
                r#"{"name":"a","lines":[{"productId":"0190a0a0-0000-7000-8000-000000000000"}]}"#
            ),
            ("FIELD_REQUIRED", Some("lines.0.quantity".into()))
        );
        assert_eq!(
            field_of(r#"{"name":"a","lines":[],"colour":1}"#),
            ("UNKNOWN_FIELD", Some("colour".into()))
        );
        assert_eq!(field_of(r#"{"name":"#), ("MALFORMED_BODY", None));
    }

    #[test]
    fn canonical_json_ignores_key_order_and_spacing() {
        let digest = |text: &str| {
            let mut out = String::new();
            canonical(&serde_json::from_str(text).unwrap(), &mut out);
            out
        };
        assert_eq!(
            digest(r#"{"b":1, "a":[{"y":2,"x":"é"}]}"#),
            digest(r#"{"a":[{"x":"é","y":2}],"b":1}"#)
        );
        assert_ne!(digest(r#"{"a":1}"#), digest(r#"{"a":2}"#));
    }
}
