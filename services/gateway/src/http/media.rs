//! Media types of `POST /graphql`: the request body must be JSON (a form or
//! `text/plain` body, which a browser sends cross-site without a preflight,
//! is refused), and the answer is `application/graphql-response+json` when
//! the caller asks for it, `application/json` otherwise (GraphQL over HTTP).

use axum::http::HeaderValue;

pub(crate) const JSON: &str = "application/json";
pub(crate) const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
/// GraphQL over Server-Sent Events (the graphql-sse "distinct connections" mode).
pub(crate) const EVENT_STREAM: &str = "text/event-stream";

/// Whether `content_type` is `application/json`, with at most a UTF-8 charset.
pub(crate) fn is_json(content_type: Option<&HeaderValue>) -> bool {
    let Some(value) = content_type.and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    essence.eq_ignore_ascii_case(JSON)
        && parts.all(|parameter| {
            parameter.is_empty() || {
                let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
                name.trim().eq_ignore_ascii_case("charset")
                    && value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
        })
}

/// The content type to answer with, given the request's `Accept`:
/// `application/graphql-response+json` when it is named and weighed at
/// least as high as `application/json`, `application/json` otherwise.
pub(crate) fn response_type(accept: Option<&HeaderValue>) -> &'static str {
    let Some(accept) = accept.and_then(|value| value.to_str().ok()) else {
        return JSON;
    };
    let named = weight(accept, GRAPHQL_RESPONSE, Match::Exact);
    match named {
        Some(weight) if weight > 0.0 && weight >= self::weight_any(accept, JSON) => {
            GRAPHQL_RESPONSE
        }
        _ => JSON,
    }
}

/// Whether the caller asks for an event stream (`text/event-stream`, named
/// and weighed above zero): the operation is answered over SSE.
pub(crate) fn wants_event_stream(accept: Option<&HeaderValue>) -> bool {
    accept
        .and_then(|value| value.to_str().ok())
        .and_then(|accept| weight(accept, EVENT_STREAM, Match::Exact))
        .is_some_and(|weight| weight > 0.0)
}

/// How a media range must match a type.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Match {
    /// Only the type itself, not `application/*` or `*/*`.
    Exact,
    /// The type or a wildcard covering it.
    Any,
}

/// The weight `accept` gives `media_type` through its most specific
/// matching range (`type/subtype` over `type/*` over `*/*`), if any.
fn weight(accept: &str, media_type: &str, matching: Match) -> Option<f32> {
    let (kind, _) = media_type.split_once('/').unwrap_or((media_type, ""));
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let essence = parts.next().unwrap_or_default();
        let specificity = if essence.eq_ignore_ascii_case(media_type) {
            3
        } else if matching == Match::Exact {
            continue;
        } else if essence.eq_ignore_ascii_case(&format!("{kind}/*")) {
            2
        } else if essence == "*/*" {
            1
        } else {
            continue;
        };
        let quality = parts
            .filter_map(|parameter| parameter.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, value)| value.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if best.is_none_or(|(found, _)| specificity > found) {
            best = Some((specificity, quality));
        }
    }
    best.map(|(_, quality)| quality)
}

fn weight_any(accept: &str, media_type: &str) -> f32 {
    weight(accept, media_type, Match::Any).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(value: &str) -> HeaderValue {
        HeaderValue::from_str(value).expect("a header value")
    }

    #[test]
    fn only_json_bodies_are_accepted() {
        for accepted in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"UTF-8\"",
        ] {
            assert!(is_json(Some(&header(accepted))), "{accepted}");
        }
        for refused in [
            "text/plain",
            "text/plain; charset=utf-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
            "application/jsonp",
            "application/graphql",
        ] {
            assert!(!is_json(Some(&header(refused))), "{refused}");
        }
        assert!(!is_json(None));
    }

    #[test]
    fn the_response_type_follows_accept() {
        assert_eq!(response_type(None), JSON);
        assert_eq!(response_type(Some(&header("*/*"))), JSON);
        assert_eq!(response_type(Some(&header("application/json"))), JSON);
        assert_eq!(
            response_type(Some(&header("application/graphql-response+json"))),
            GRAPHQL_RESPONSE
        );
        assert_eq!(
            response_type(Some(&header(
                "application/graphql-response+json, application/json;q=0.9"
            ))),
            GRAPHQL_RESPONSE
        );
        assert_eq!(
            response_type(Some(&header(
                "application/graphql-response+json;q=0.5, application/json"
            ))),
            JSON
        );
        assert_eq!(
            response_type(Some(&header("application/graphql-response+json;q=0"))),
            JSON
        );
    }
}
