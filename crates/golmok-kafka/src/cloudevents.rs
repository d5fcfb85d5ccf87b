//! Events on Kafka in CloudEvents 1.0 binary mode: the attributes travel as
//! `ce_*` headers, the payload is the event's JSON data, the key is the
//! stream id. A W3C `traceparent` header carries the trace.

use chrono::{DateTime, SecondsFormat, Utc};
use golmok_kernel::{Envelope, RecordedEvent};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use uuid::Uuid;

const SPEC_VERSION: &str = "1.0";
const CONTENT_TYPE: &str = "application/json";

/// Header names; `ce_position` is Golmok's extension attribute: the event's
/// position in the producing service's log.
pub mod header {
    pub const SPEC_VERSION: &str = "ce_specversion";
    pub const ID: &str = "ce_id";
    pub const SOURCE: &str = "ce_source";
    pub const TYPE: &str = "ce_type";
    pub const SUBJECT: &str = "ce_subject";
    pub const TIME: &str = "ce_time";
    pub const STREAM_VERSION: &str = "ce_streamversion";
    pub const CORRELATION_ID: &str = "ce_correlationid";
    pub const CAUSATION_ID: &str = "ce_causationid";
    pub const POSITION: &str = "ce_position";
    pub const CONTENT_TYPE: &str = "content-type";
    pub const TRACEPARENT: &str = "traceparent";
}

/// An event ready to produce: key, headers, payload.
pub struct Encoded {
    pub key: String,
    pub headers: OwnedHeaders,
    pub payload: Vec<u8>,
}

/// The event's trace context, or a new one rooted at the event when it has
/// none (trace id = event id, parent id from the causation id), so every
/// message carries one and a republished message carries the same.
pub fn traceparent(envelope: &Envelope) -> String {
    envelope.traceparent.clone().unwrap_or_else(|| {
        let parent = envelope.causation_id.simple().to_string();
        format!("00-{}-{}-01", envelope.id.simple(), &parent[16..])
    })
}

/// Encodes a committed event for its topic.
pub fn encode(event: &RecordedEvent) -> Encoded {
    encode_traced(event, traceparent(&event.envelope))
}

/// Encodes a committed event for its topic with `traceparent` as its trace
/// context (the relay's publish span while traces are recorded).
pub fn encode_traced(event: &RecordedEvent, traceparent: String) -> Encoded {
    let envelope = &event.envelope;
    let time = envelope.time.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let attributes = [
        (header::SPEC_VERSION, SPEC_VERSION.to_owned()),
        (header::ID, envelope.id.to_string()),
        (header::SOURCE, envelope.source.clone()),
        (header::TYPE, envelope.event_type.clone()),
        (header::SUBJECT, envelope.subject.clone()),
        (header::TIME, time),
        (header::STREAM_VERSION, envelope.stream_version.to_string()),
        (header::CORRELATION_ID, envelope.correlation_id.to_string()),
        (header::CAUSATION_ID, envelope.causation_id.to_string()),
        (header::POSITION, event.position.to_string()),
        (header::CONTENT_TYPE, CONTENT_TYPE.to_owned()),
        (header::TRACEPARENT, traceparent),
    ];
    let headers = attributes.iter().fold(
        OwnedHeaders::new_with_capacity(attributes.len()),
        |headers, (key, value)| {
            headers.insert(Header {
                key,
                value: Some(value.as_bytes()),
            })
        },
    );
    Encoded {
        key: envelope.subject.clone(),
        headers,
        // A JSON value always serializes.
        payload: serde_json::to_vec(&envelope.data).unwrap_or_default(),
    }
}

/// The value of header `key` as text, if present.
pub fn header_text<'a>(message: &'a impl Message, key: &str) -> Option<&'a str> {
    let headers = message.headers()?;
    headers
        .iter()
        .filter(|h| h.key == key)
        .find_map(|h| h.value.and_then(|v| std::str::from_utf8(v).ok()))
}

fn required<'a>(message: &'a impl Message, key: &str) -> Result<&'a str, String> {
    header_text(message, key).ok_or_else(|| format!("header {key} is missing"))
}

fn parsed<T: std::str::FromStr>(message: &impl Message, key: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    let text = required(message, key)?;
    text.parse()
        .map_err(|e| format!("header {key} {text:?} is invalid: {e}"))
}

/// Decodes a message into the event the relay published; the error says
/// why it is not one.
pub fn decode(message: &impl Message) -> Result<RecordedEvent, String> {
    let spec = required(message, header::SPEC_VERSION)?;
    if spec != SPEC_VERSION {
        return Err(format!(
            "ce_specversion is {spec:?}, expected {SPEC_VERSION}"
        ));
    }
    let content_type = required(message, header::CONTENT_TYPE)?;
    if content_type != CONTENT_TYPE {
        return Err(format!(
            "content-type is {content_type:?}, expected {CONTENT_TYPE}"
        ));
    }
    let time = required(message, header::TIME)?;
    let time = DateTime::parse_from_rfc3339(time)
        .map_err(|e| format!("header ce_time {time:?} is invalid: {e}"))?
        .with_timezone(&Utc);
    let data = serde_json::from_slice(message.payload().unwrap_or_default())
        .map_err(|e| format!("payload is not JSON: {e}"))?;
    Ok(RecordedEvent {
        position: parsed(message, header::POSITION)?,
        envelope: Envelope {
            id: parsed::<Uuid>(message, header::ID)?,
            source: required(message, header::SOURCE)?.to_owned(),
            event_type: required(message, header::TYPE)?.to_owned(),
            subject: required(message, header::SUBJECT)?.to_owned(),
            time,
            stream_version: parsed(message, header::STREAM_VERSION)?,
            correlation_id: parsed(message, header::CORRELATION_ID)?,
            causation_id: parsed(message, header::CAUSATION_ID)?,
            traceparent: header_text(message, header::TRACEPARENT).map(str::to_owned),
            data,
        },
    })
}

#[cfg(test)]
mod tests {
    use golmok_kernel::conformance::sample_envelope;
    use rdkafka::Timestamp;
    use rdkafka::message::OwnedMessage;

    use super::*;

    fn message(encoded: Encoded) -> OwnedMessage {
        OwnedMessage::new(
            Some(encoded.payload),
            Some(encoded.key.into_bytes()),
            "golmok.test.events.v1".into(),
            Timestamp::NotAvailable,
            0,
            7,
            Some(encoded.headers),
        )
    }

    fn recorded() -> RecordedEvent {
        let mut envelope = sample_envelope("merchant-1", "골목 떡집");
        envelope.stream_version = 3;
        envelope.traceparent =
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into());
        RecordedEvent {
            position: 42,
            envelope,
        }
    }

    #[test]
    fn an_event_round_trips_through_binary_mode() {
        let event = recorded();
        let message = message(encode(&event));
        assert_eq!(message.key(), Some("merchant-1".as_bytes()));
        assert_eq!(header_text(&message, "ce_specversion"), Some("1.0"));
        assert_eq!(
            header_text(&message, "content-type"),
            Some("application/json")
        );
        assert_eq!(decode(&message), Ok(event));
    }

    #[test]
    fn an_event_without_trace_context_gets_a_valid_stable_one() {
        let mut event = recorded();
        event.envelope.traceparent = None;
        let first = traceparent(&event.envelope);
        let parts: Vec<&str> = first.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [2, 32, 16, 2],
            "{first}"
        );
        assert!(first.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_eq!(traceparent(&event.envelope), first, "a republish keeps it");
        let decoded = decode(&message(encode(&event))).expect("decodes");
        assert_eq!(
            decoded.envelope.traceparent.as_deref(),
            Some(first.as_str())
        );
    }

    #[test]
    fn a_message_that_is_not_an_event_says_why() {
        let good = encode(&recorded());
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: "ce_specversion",
                value: Some("1.0"),
            })
            .insert(Header {
                key: "content-type",
                value: Some("application/json"),
            });
        let no_id = message(encode(&recorded())).replace_headers(Some(headers));
        assert!(decode(&no_id).unwrap_err().contains("is missing"));

        let not_json = OwnedMessage::new(
            Some(b"{not json".to_vec()),
            None,
            "t".into(),
            Timestamp::NotAvailable,
            0,
            0,
            Some(good.headers),
        );
        assert!(
            decode(&not_json)
                .unwrap_err()
                .contains("payload is not JSON")
        );

        let bare = OwnedMessage::new(None, None, "t".into(), Timestamp::NotAvailable, 0, 0, None);
        assert_eq!(
            decode(&bare).unwrap_err(),
            "header ce_specversion is missing"
        );
    }
}
