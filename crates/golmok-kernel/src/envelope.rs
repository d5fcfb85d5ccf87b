use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A stored or published event: the CloudEvents 1.0 attributes Golmok uses plus
/// the payload. On Kafka the attributes travel as `ce_*` headers (binary mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// UUIDv7, unique across the platform.
    pub id: Uuid,
    /// `/golmok/<service>`.
    pub source: String,
    /// `kr.golmok.<service>.<Event>.v<N>`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The stream id.
    pub subject: String,
    pub time: DateTime<Utc>,
    /// 1-based version of this event within its stream; set by the log on append.
    #[serde(rename = "streamversion")]
    pub stream_version: u64,
    #[serde(rename = "correlationid")]
    pub correlation_id: Uuid,
    #[serde(rename = "causationid")]
    pub causation_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// The payload in the wire format of `schemas/events/`.
    pub data: serde_json::Value,
}

impl Envelope {
    /// The event name and schema version encoded in `type`, e.g. `("MerchantRegistered", 1)`.
    pub fn name_and_version(&self) -> Option<(&str, u32)> {
        let (rest, version) = self.event_type.rsplit_once(".v")?;
        let (_, name) = rest.rsplit_once('.')?;
        Some((name, version.parse().ok()?))
    }
}

/// An event as read back from a log: its envelope and its global position.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// 1-based position in the log's total order; never reused, never skipped.
    pub position: u64,
    pub envelope: Envelope,
}

/// A well-formed envelope for `stream` whose payload carries `label`; the log
/// sets its `stream_version`. For the conformance suites and the crash-test
/// workers that append to a real store.
pub fn sample_envelope(stream: &str, label: &str) -> Envelope {
    let id = Uuid::now_v7();
    Envelope {
        id,
        source: "/golmok/conformance".to_owned(),
        event_type: "kr.golmok.conformance.SampleRecorded.v1".to_owned(),
        subject: stream.to_owned(),
        time: Utc::now(),
        stream_version: 0,
        correlation_id: id,
        causation_id: id,
        traceparent: None,
        data: serde_json::json!({ "label": label }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_attribute_splits_into_name_and_version() {
        let envelope = Envelope {
            id: Uuid::now_v7(),
            source: "/golmok/storefront".into(),
            event_type: "kr.golmok.storefront.MerchantRegistered.v12".into(),
            subject: "merchant-1".into(),
            time: Utc::now(),
            stream_version: 1,
            correlation_id: Uuid::now_v7(),
            causation_id: Uuid::now_v7(),
            traceparent: None,
            data: serde_json::json!({}),
        };
        assert_eq!(
            envelope.name_and_version(),
            Some(("MerchantRegistered", 12))
        );
    }
}
