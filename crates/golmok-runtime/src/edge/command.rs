use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode};
use golmok_kernel::{CommandMeta, Idempotency};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{ApiError, Caller};
use crate::IDEMPOTENCY_HEADER;

const MAX_KEY_LEN: usize = 255;

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
        ApiError::body_too_large()
    } else {
        tracing::info!(detail = %rejection.body_text(), "request body unreadable");
        ApiError::bad_input("MALFORMED_BODY", "the request body cannot be read")
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
            return ApiError::bad_input("MALFORMED_BODY", "the request body is not valid JSON");
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
        match Some(field).filter(|f| f != "." && !f.is_empty()) {
            Some(field) => ApiError::bad_request(code, &field, body_problem(code, Some(&field))),
            None => ApiError::bad_input(code, body_problem(code, None)),
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

/// The idempotency key, scoped to the caller, with the request's
/// fingerprint: a digest of `method\npath\nbody`, the body as canonical JSON
/// (keys sorted, no spacing) so key order and spacing do not matter and a
/// changed value does.
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
        key: caller.scoped_key(key),
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

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::{Actor, Role};

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
    struct Order {
        name: String,
        lines: Vec<Line>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Tiers {
        micro: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Programme {
        amount: i64,
        fee_tiers: Tiers,
    }

    fn problem<T: DeserializeOwned + std::fmt::Debug>(json: &str) -> (String, Option<String>) {
        let error = parse_body::<T>(json.as_bytes()).unwrap_err();
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        (error.body().code.clone(), error.body().field.clone())
    }

    #[test]
    fn body_errors_name_the_field() {
        let orders = [
            (r#"{"lines":[]}"#, "FIELD_REQUIRED", Some("name")),
            (
                r#"{"name":"a","lines":[{"productId":"x","quantity":1}]}"#,
                "INVALID_FIELD",
                Some("lines.0.productId"),
            ),
            (
                r#"{"name":"a","lines":[{"productId":"0190a0a0-0000-7000-8000-000000000000"}]}"#,
                "FIELD_REQUIRED",
                Some("lines.0.quantity"),
            ),
            (
                r#"{"name":"a","lines":[],"colour":1}"#,
                "UNKNOWN_FIELD",
                Some("colour"),
            ),
            (r#"{"name":"#, "MALFORMED_BODY", None),
        ];
        let programmes = [
            (
                r#"{"feeTiers":{"micro":0}}"#,
                "FIELD_REQUIRED",
                Some("amount"),
            ),
            (
                r#"{"amount":1,"feeTiers":{}}"#,
                "FIELD_REQUIRED",
                Some("feeTiers.micro"),
            ),
            (
                r#"{"amount":"x","feeTiers":{"micro":0}}"#,
                "INVALID_FIELD",
                Some("amount"),
            ),
            (
                r#"{"amount":1,"feeTiers":{"micro":0},"x":1}"#,
                "UNKNOWN_FIELD",
                Some("x"),
            ),
            (r#"{"amount":"#, "MALFORMED_BODY", None),
        ];
        let expected =
            |code: &str, field: Option<&str>| (code.to_owned(), field.map(str::to_owned));
        for (json, code, field) in orders {
            assert_eq!(problem::<Order>(json), expected(code, field), "{json}");
        }
        for (json, code, field) in programmes {
            assert_eq!(problem::<Programme>(json), expected(code, field), "{json}");
        }
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

    #[test]
    fn the_fingerprint_ignores_key_order_but_not_values_method_or_path() {
        let mut headers = HeaderMap::new();
        headers.insert(IDEMPOTENCY_HEADER, "k".parse().unwrap());
        let caller = Caller(None);
        let print = |method: &str, path: &str, json: &str| {
            idempotency(&headers, &caller, method, path, json.as_bytes())
                .unwrap()
                .unwrap()
                .fingerprint
        };
        let first = print("POST", "/x", r#"{"amount":1,"feeTiers":{"micro":2}}"#);
        assert_eq!(
            first,
            print("POST", "/x", r#"{ "feeTiers":{"micro":2}, "amount":1 }"#)
        );
        assert_ne!(
            first,
            print("POST", "/x", r#"{"amount":2,"feeTiers":{"micro":2}}"#)
        );
        assert_ne!(
            first,
            print("POST", "/y", r#"{"amount":1,"feeTiers":{"micro":2}}"#)
        );
        assert_ne!(
            first,
            print("PUT", "/x", r#"{"amount":1,"feeTiers":{"micro":2}}"#)
        );
    }

    #[test]
    fn keys_belong_to_their_caller_and_must_be_well_formed() {
        let key = |caller: &Caller, value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(IDEMPOTENCY_HEADER, value.parse().unwrap());
            idempotency(&headers, caller, "POST", "/x", b"{}").map(|i| i.unwrap().key)
        };
        let kim = Caller(Some(Actor {
            subject: "kim".into(),
            role: Role::Citizen,
            merchant_id: None,
        }));
        assert_eq!(key(&kim, "k-1").unwrap(), "3:kim:k-1");
        assert_eq!(key(&Caller(None), "k-1").unwrap(), "1:-:k-1");
        let refused = key(&kim, "has space").unwrap_err();
        assert_eq!(refused.body().code, "INVALID_IDEMPOTENCY_KEY");
        assert_eq!(refused.body().field.as_deref(), Some(IDEMPOTENCY_HEADER));
        let none = idempotency(&HeaderMap::new(), &kim, "POST", "/x", b"{}").unwrap();
        assert_eq!(none, None);
    }
}
