//! What both paths send: order-placed events and producer settings.

use anyhow::bail;
use chrono::Utc;
use golmok_kafka::KafkaSettings;
use golmok_kernel::{AppendRequest, Envelope, ExpectedVersion};
use rdkafka::ClientConfig;
use rdkafka::producer::FutureProducer;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::PRODUCER;

pub(crate) fn request(stream: &str, n: usize) -> AppendRequest {
    AppendRequest {
        stream: stream.to_owned(),
        expected: ExpectedVersion::Any,
        events: vec![envelope(stream, n)],
        idempotency: None,
    }
}

/// An order-placed event of about 300 bytes of JSON.
pub(crate) fn envelope(stream: &str, n: usize) -> Envelope {
    let id = Uuid::now_v7();
    let quantity = 1 + n % 4;
    Envelope {
        id,
        source: "/golmok/bench".to_owned(),
        event_type: "kr.golmok.bench.OrderPlaced.v1".to_owned(),
        subject: stream.to_owned(),
        time: Utc::now(),
        stream_version: 0,
        correlation_id: id,
        causation_id: id,
        traceparent: None,
        data: payload(stream, quantity),
    }
}

fn payload(stream: &str, quantity: usize) -> Value {
    json!({
        "orderId": stream,
        "merchantId": Uuid::now_v7(),
        "lines": [
            {"productId": Uuid::now_v7(), "name": "소금빵", "quantity": quantity, "unitPrice": 3500},
        ],
        "total": 3500 * quantity,
        "currency": "KRW",
        "payment": "VOUCHER",
        "placedAt": Utc::now(),
    })
}

/// A client configuration like `KafkaSettings` makes one: `properties`,
/// then the settings' own.
pub(crate) fn client(settings: &KafkaSettings, properties: &[(&str, &str)]) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", &settings.bootstrap_servers);
    for (key, value) in properties {
        config.set(*key, *value);
    }
    for (key, value) in &settings.properties {
        config.set(key, value);
    }
    config
}

pub(crate) fn producer(settings: &KafkaSettings) -> anyhow::Result<FutureProducer> {
    Ok(client(settings, &PRODUCER).create()?)
}

pub(crate) fn acknowledged(
    ack: Option<
        Result<rdkafka::producer::future_producer::OwnedDeliveryResult, impl std::fmt::Debug>,
    >,
) -> anyhow::Result<()> {
    match ack {
        Some(Ok(Ok(_))) => Ok(()),
        Some(Ok(Err((error, _)))) => bail!("send failed: {error}"),
        Some(Err(error)) => bail!("producer dropped: {error:?}"),
        None => bail!("no send in flight"),
    }
}
