//! The versioned codec contract: old versions upcast on read, and the committed
//! corpus catches any drift between code and schemas.

use golmok_kernel::{CodecError, EncodedEvent, EventCodec, EventSamples, SchemaCatalog, from_wire};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Priced {
        product: String,
        price_won: i64,
        currency_note: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PricedV1 {
    product: String,
    price: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PricedV2 {
    product: String,
    price_won: i64,
    currency_note: String,
}

struct Codec;

impl EventCodec for Codec {
    type Event = Event;
    const SERVICE: &'static str = "test";

    fn encode(event: &Event) -> EncodedEvent {
        match event {
            Event::Priced {
                product,
                price_won,
                currency_note,
            } => EncodedEvent {
                name: "Priced",
                version: 2,
                data: serde_json::to_value(PricedV2 {
                    product: product.clone(),
                    price_won: *price_won,
                    currency_note: currency_note.clone(),
                })
                .unwrap(),
            },
        }
    }

    fn decode(name: &str, version: u32, data: Value) -> Result<Event, CodecError> {
        match (name, version) {
            // v1 had no currency note and called the amount `price`.
            ("Priced", 1) => {
                let v1: PricedV1 = from_wire(name, version, data)?;
                Ok(Event::Priced {
                    product: v1.product,
                    price_won: v1.price,
                    currency_note: "KRW".into(),
                })
            }
            ("Priced", 2) => {
                let v2: PricedV2 = from_wire(name, version, data)?;
                Ok(Event::Priced {
                    product: v2.product,
                    price_won: v2.price_won,
                    currency_note: v2.currency_note,
                })
            }
            _ => Err(CodecError::UnknownType {
                name: name.into(),
                version,
            }),
        }
    }

    fn schemas() -> Vec<(&'static str, u32, Value)> {
        vec![("Priced", 2, schema_v2())]
    }
}

impl EventSamples for Codec {
    fn samples() -> Vec<Event> {
        vec![Event::Priced {
            product: "p-1".into(),
            price_won: 12_000,
            currency_note: "KRW".into(),
        }]
    }
}

fn schema_v1() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["product", "price"],
        "properties": {"product": {"type": "string"}, "price": {"type": "integer"}}
    })
}

fn schema_v2() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["product", "priceWon", "currencyNote"],
        "properties": {
            "product": {"type": "string"},
            "priceWon": {"type": "integer"},
            "currencyNote": {"type": "string"}
        }
    })
}

fn write(dir: &std::path::Path, file: &str, value: &Value) {
    std::fs::write(dir.join(file), serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// A corpus with the published v1 and the current v2.
fn corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Priced.v1.schema.json", &schema_v1());
    write(
        dir.path(),
        "Priced.v1.sample.json",
        &json!({"product": "p-0", "price": 9000}),
    );
    write(dir.path(), "Priced.v2.schema.json", &schema_v2());
    write(
        dir.path(),
        "Priced.v2.sample.json",
        &json!({"product": "p-1", "priceWon": 12000, "currencyNote": "KRW"}),
    );
    dir
}

#[test]
fn old_versions_upcast_to_the_current_event() {
    let event = Codec::decode_type(
        "kr.golmok.test.Priced.v1",
        json!({"product": "p", "price": 500}),
    )
    .unwrap();
    assert_eq!(
        event,
        Event::Priced {
            product: "p".into(),
            price_won: 500,
            currency_note: "KRW".into()
        }
    );
    assert_eq!(Codec::encode(&event).version, 2);
}

#[test]
fn malformed_payloads_and_unknown_types_are_errors() {
    assert!(matches!(
        Codec::decode("Priced", 2, json!({"product": 1})),
        Err(CodecError::Malformed { .. })
    ));
    assert!(matches!(
        Codec::decode("Priced", 3, json!({})),
        Err(CodecError::UnknownType { .. })
    ));
    assert!(matches!(
        Codec::decode_type("nonsense", json!({})),
        Err(CodecError::BadType(_))
    ));
}

#[test]
fn a_consistent_corpus_checks_every_version() {
    let dir = corpus();
    assert_eq!(SchemaCatalog::new(dir.path()).check::<Codec>().unwrap(), 2);
}

#[test]
fn a_schema_that_drifted_from_the_code_is_caught() {
    let dir = corpus();
    let mut drifted = schema_v2();
    drifted["required"] = json!(["product"]);
    write(dir.path(), "Priced.v2.schema.json", &drifted);
    let error = SchemaCatalog::new(dir.path())
        .check::<Codec>()
        .unwrap_err()
        .to_string();
    assert!(error.contains("committed schema differs"), "{error}");
}

#[test]
fn an_old_sample_that_no_longer_decodes_is_caught() {
    let dir = corpus();
    write(
        dir.path(),
        "Priced.v1.sample.json",
        &json!({"product": "p-0", "price": "nine"}),
    );
    let error = SchemaCatalog::new(dir.path())
        .check::<Codec>()
        .unwrap_err()
        .to_string();
    assert!(error.contains("Priced v1"), "{error}");
}

#[test]
fn a_schema_without_a_sample_is_caught() {
    let dir = corpus();
    std::fs::remove_file(dir.path().join("Priced.v1.sample.json")).unwrap();
    let error = SchemaCatalog::new(dir.path())
        .check::<Codec>()
        .unwrap_err()
        .to_string();
    assert!(error.contains("schema without a sample"), "{error}");
}
