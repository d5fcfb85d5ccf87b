//! `schemas/asyncapi.json` describes every topic Golmok publishes for the
//! partners who consume them (AsyncAPI 3.1). It is generated here from what
//! the code really does, so it cannot drift:
//!
//! - one channel per service, at the address the relay publishes to
//!   ([`events_topic`]), one message per event type and version of the
//!   service's committed corpus in `schemas/events/<service>/` (which each
//!   service's `tests/schemas.rs` checks against its codec), its payload the
//!   event's JSON Schema;
//! - the headers are those [`cloudevents::encode`] writes, each required, and
//!   `ce_type`/`ce_source` fixed per message;
//! - the dead-letter channel at [`dead_letter_topic`], with the reason header.
//!
//! Regenerate with `GOLMOK_UPDATE_SCHEMAS=1 cargo test -p golmok-kafka --test asyncapi`;
//! the test command also validates the document with the AsyncAPI CLI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use golmok_kafka::cloudevents::{self, header};
use golmok_kafka::{dead_letter_header, dead_letter_topic, events_topic};
use golmok_kernel::{Envelope, RecordedEvent};
use rdkafka::message::Headers;
use serde_json::{Map, Value, json};
use uuid::Uuid;

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

/// `(service, [(event, version)])` of the committed corpus, sorted.
fn corpus(schemas: &Path) -> BTreeMap<String, Vec<(String, u32)>> {
    let mut services = BTreeMap::new();
    let events = std::fs::read_dir(schemas.join("events")).expect("schemas/events is readable");
    for service in events {
        let service = service.expect("entry").path();
        let name = service
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a service directory name")
            .to_owned();
        let mut versions = Vec::new();
        for file in std::fs::read_dir(&service).expect("service corpus is readable") {
            let file = file.expect("entry").file_name();
            let file = file.to_str().expect("file name");
            let Some(stem) = file.strip_suffix(".schema.json") else {
                continue;
            };
            let (event, version) = stem.rsplit_once(".v").expect("<Event>.v<N>.schema.json");
            versions.push((event.to_owned(), version.parse().expect("a version number")));
        }
        versions.sort();
        assert!(!versions.is_empty(), "{name} has no event schemas");
        services.insert(name, versions);
    }
    services
}

/// A committed event as the relay would publish it.
fn sample_record() -> RecordedEvent {
    RecordedEvent {
        position: 7,
        envelope: Envelope {
            id: Uuid::from_u128(1),
            source: "/golmok/storefront".into(),
            event_type: "kr.golmok.storefront.MerchantRegistered.v1".into(),
            subject: "merchant-01900c3e-8d4a-7b2e-9f10-000000000001".into(),
            time: Utc
                .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
                .single()
                .expect("a time"),
            stream_version: 1,
            correlation_id: Uuid::from_u128(2),
            causation_id: Uuid::from_u128(3),
            traceparent: None,
            data: json!({}),
        },
    }
}

/// The header names `cloudevents::encode` writes, in its order.
fn written_headers() -> Vec<String> {
    let encoded = cloudevents::encode(&sample_record());
    (0..encoded.headers.count())
        .map(|i| encoded.headers.get(i).key.to_owned())
        .collect()
}

fn describe(name: &str) -> &'static str {
    match name {
        header::SPEC_VERSION => "CloudEvents specification version, always 1.0.",
        header::ID => "Event id (UUID v7); unique per event, the consumer's deduplication key.",
        header::SOURCE => "The producing service, /golmok/<service>.",
        header::TYPE => "kr.golmok.<service>.<Event>.v<N>: the event type and its schema version.",
        header::SUBJECT => "The stream (aggregate) id the event belongs to; also the record key.",
        header::TIME => "When the event happened (RFC 3339, UTC).",
        header::STREAM_VERSION => "The event's 1-based version within its stream.",
        header::CORRELATION_ID => "Id of the request that led to the event.",
        header::CAUSATION_ID => "Id of the command or event that caused this event.",
        header::POSITION => {
            "The event's position in the producing service's log (Golmok extension attribute)."
        }
        header::CONTENT_TYPE => "Content type of the payload, always application/json.",
        header::TRACEPARENT => "W3C trace context of the request that produced the event.",
        _ => panic!(
            "header {name} is written by the relay but not described in the AsyncAPI document"
        ),
    }
}

fn headers_schema(written: &[String], fixed: &[(&str, &str)]) -> Value {
    let mut properties = Map::new();
    for name in written {
        let mut property = json!({"type": "string", "description": describe(name)});
        if let Some((_, value)) = fixed.iter().find(|(key, _)| key == name) {
            property["const"] = json!(value);
        }
        properties.insert(name.clone(), property);
    }
    json!({"type": "object", "required": written, "properties": properties})
}

fn channel_id(service: &str) -> String {
    format!("{service}Events")
}

fn document(schemas: &Path) -> Value {
    let written = written_headers();
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    for (service, events) in corpus(schemas) {
        let source = format!("/golmok/{service}");
        let mut channel_messages = Map::new();
        for (event, version) in events {
            let id = format!("{service}.{event}.v{version}");
            let event_type = format!("kr.golmok.{service}.{event}.v{version}");
            let fixed = [
                (header::TYPE, event_type.as_str()),
                (header::SOURCE, source.as_str()),
                (header::SPEC_VERSION, "1.0"),
                (header::CONTENT_TYPE, "application/json"),
            ];
            messages.insert(
                id.clone(),
                json!({
                    "name": event,
                    "title": format!("{event} v{version}"),
                    "summary": format!("A {service} event of type {event_type}."),
                    "contentType": "application/json",
                    "headers": headers_schema(&written, &fixed),
                    "payload": {
                        "schemaFormat": "application/schema+json;version=draft-07",
                        "schema": {"$ref": format!("./events/{service}/{event}.v{version}.schema.json")}
                    },
                    "bindings": {"kafka": {
                        "key": {"type": "string", "description": "The stream id (same as ce_subject): events of one stream stay in order on one partition."},
                        "bindingVersion": "0.5.0"
                    }}
                }),
            );
            channel_messages.insert(
                id.clone(),
                json!({"$ref": format!("#/components/messages/{id}")}),
            );
        }
        let channel = channel_id(&service);
        operations.insert(
            format!("publish{}", capitalised(&service)),
            json!({
                "action": "send",
                "summary": format!("The {service} service's relay publishes every committed event, in log order per stream, at least once."),
                "channel": {"$ref": format!("#/channels/{channel}")}
            }),
        );
        channels.insert(
            channel,
            json!({
                "address": events_topic(&service),
                "title": format!("{service} events"),
                "description": format!("Every event the {service} service commits, in CloudEvents 1.0 binary mode: attributes in ce_* headers, the event's JSON data as the value. Delivery is at least once: deduplicate by ce_id."),
                "messages": channel_messages
            }),
        );
    }
    let dead_letter = dead_letter_topic("{consumer}");
    let mut dead_headers = written.clone();
    dead_headers.push(dead_letter_header::REASON.to_owned());
    messages.insert(
        "deadLetter".into(),
        json!({
            "name": "DeadLetter",
            "title": "A dead letter",
            "summary": "A message a consumer could not handle, as it arrived, with the reason.",
            "headers": {
                "type": "object",
                "required": [dead_letter_header::REASON],
                "properties": {
                    dead_letter_header::REASON: {"type": "string", "description": "Why the consumer could not handle the message."}
                }
            },
            "payload": {"description": "The original message's value, unchanged."}
        }),
    );
    channels.insert(
        "deadLetters".into(),
        json!({
            "address": dead_letter,
            "title": "A consumer's dead letters",
            "description": "Messages a consumer group could not handle (undecodable, unknown version, a permanent handler error); the original headers are kept and the reason is added.",
            "parameters": {"consumer": {"description": "The consumer's name, which is also its group id."}},
            "messages": {"deadLetter": {"$ref": "#/components/messages/deadLetter"}}
        }),
    );
    operations.insert(
        "deadLetter".into(),
        json!({
            "action": "send",
            "summary": "A consumer dead-letters a message it cannot handle, then moves past it.",
            "channel": {"$ref": "#/channels/deadLetters"}
        }),
    );
    json!({
        "asyncapi": "3.1.0",
        "info": {
            "title": "Golmok events",
            "version": "1.0.0",
            "description": "The Kafka topics Golmok's services publish for other services and partners. Generated by crates/golmok-kafka/tests/asyncapi.rs from the code and the event schemas in schemas/events/; do not edit by hand."
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "localhost:9092",
                "protocol": "kafka",
                "description": "The cluster given to golmok serve --brokers."
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages}
    })
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[test]
fn the_committed_asyncapi_document_describes_what_the_relay_publishes() {
    let schemas = schemas_dir();
    let path = schemas.join("asyncapi.json");
    let generated = serde_json::to_string_pretty(&document(&schemas)).expect("JSON") + "\n";
    if std::env::var("GOLMOK_UPDATE_SCHEMAS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("writing the AsyncAPI document");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date; regenerate it with GOLMOK_UPDATE_SCHEMAS=1 cargo test -p golmok-kafka --test asyncapi",
        path.display()
    );
}

#[test]
fn every_header_the_relay_writes_is_required_by_every_event_message() {
    let document = document(&schemas_dir());
    let written = written_headers();
    assert!(written.contains(&header::TRACEPARENT.to_owned()));
    let messages = document["components"]["messages"]
        .as_object()
        .expect("messages");
    let events: Vec<_> = messages
        .iter()
        .filter(|(id, _)| *id != "deadLetter")
        .collect();
    assert!(events.len() > 40, "found {} event messages", events.len());
    for (id, message) in events {
        let required: Vec<&str> = message["headers"]["required"]
            .as_array()
            .expect("required headers")
            .iter()
            .map(|v| v.as_str().expect("a header name"))
            .collect();
        assert_eq!(required, written, "{id}");
        let service = id.split('.').next().expect("service prefix");
        let address = document["channels"][channel_id(service)]["address"].clone();
        assert_eq!(address, json!(events_topic(service)), "{id}");
    }
    // The sample's headers carry the values the document fixes.
    let encoded = cloudevents::encode(&sample_record());
    let value_of = |name: &str| {
        (0..encoded.headers.count())
            .map(|i| encoded.headers.get(i))
            .find(|h| h.key == name)
            .and_then(|h| h.value.map(|v| String::from_utf8_lossy(v).into_owned()))
    };
    let message = &messages["storefront.MerchantRegistered.v1"]["headers"]["properties"];
    for name in [
        header::TYPE,
        header::SOURCE,
        header::SPEC_VERSION,
        header::CONTENT_TYPE,
    ] {
        assert_eq!(
            message[name]["const"].as_str(),
            value_of(name).as_deref(),
            "{name}"
        );
    }
    assert_eq!(encoded.key, sample_record().envelope.subject);
}
