//! A codec written as an `event_table!`: one entry per event generates the
//! dispatch, the names, the schemas, the narrowing and the round-trip test; an
//! entry can read an older version by upcasting it to the current wire struct.

use golmok_kernel::{
    AggregateCodec, CodecError, EventCodec, EventSamples, SchemaCatalog, Won, event_table,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
enum PriceEvent {
    Priced {
        product: String,
        price: Won,
        currency_note: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum StockEvent {
    Restocked { product: String, units: u64 },
}

/// Version 1: no currency note, the amount called `price`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PricedV1 {
    product: String,
    price: i64,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PricedV2 {
    product: String,
    price_won: i64,
    currency_note: String,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RestockedV1 {
    product: String,
    quantity: u64,
}

fn priced_v1(v1: PricedV1) -> PricedV2 {
    PricedV2 {
        product: v1.product,
        price_won: v1.price,
        currency_note: "KRW".into(),
    }
}

fn some_units(wire: &RestockedV1) -> Result<(), &'static str> {
    if wire.quantity == 0 {
        Err("a restock adds at least one unit")
    } else {
        Ok(())
    }
}

event_table! {
    /// Every event of the test service.
    enum TestEvent;
    /// The codec of the test service.
    struct TestCodec for "test";

    Price(PriceEvent) {
        Priced { product, price: price_won, currency_note } => Priced @ 2: PricedV2
            upcast 1: PricedV1 by priced_v1,
    }
    Stock(StockEvent) {
        Restocked { product, units: quantity } => Restocked @ 1: RestockedV1 check some_units,
    }
}

impl EventSamples for TestCodec {
    fn samples() -> Vec<TestEvent> {
        vec![
            PriceEvent::Priced {
                product: "p-1".into(),
                price: Won(12_000),
                currency_note: "KRW".into(),
            }
            .into(),
            StockEvent::Restocked {
                product: "p-1".into(),
                units: 3,
            }
            .into(),
        ]
    }
}

type StockCodec = AggregateCodec<TestCodec, StockEvent>;

#[test]
fn a_table_entry_upcasts_an_older_version() {
    let event = TestCodec::decode_type(
        "kr.golmok.test.Priced.v1",
        json!({"product": "p", "price": 500}),
    )
    .unwrap();
    assert_eq!(
        event,
        TestEvent::Price(PriceEvent::Priced {
            product: "p".into(),
            price: Won(500),
            currency_note: "KRW".into()
        })
    );
    let encoded = TestCodec::encode(&event);
    assert_eq!((encoded.name, encoded.version), ("Priced", 2));
    assert_eq!(
        encoded.data,
        json!({"product": "p", "priceWon": 500, "currencyNote": "KRW"})
    );
}

#[test]
fn the_table_lists_names_and_schemas_in_order_and_narrows() {
    assert_eq!(TestCodec::NAMES, ["Priced", "Restocked"]);
    let schemas: Vec<(&str, u32)> = TestCodec::schemas()
        .into_iter()
        .map(|(name, version, _)| (name, version))
        .collect();
    assert_eq!(schemas, [("Priced", 2), ("Restocked", 1)]);
    assert_eq!(StockCodec::schemas().len(), 1);
    assert_eq!(StockCodec::samples().len(), 1);
    let priced = TestCodec::encode(&TestCodec::samples()[0]);
    assert!(matches!(
        StockCodec::decode(priced.name, priced.version, priced.data),
        Err(CodecError::UnknownType { .. })
    ));
}

#[test]
fn checks_and_bad_fields_are_malformed_and_unknown_versions_unknown() {
    let empty = json!({"product": "p", "quantity": 0});
    match TestCodec::decode("Restocked", 1, empty) {
        Err(CodecError::Malformed { reason, .. }) => {
            assert_eq!(reason, "a restock adds at least one unit");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        TestCodec::decode("Priced", 1, json!({"product": "p"})),
        Err(CodecError::Malformed { .. })
    ));
    assert!(matches!(
        TestCodec::decode("Priced", 3, Value::Null),
        Err(CodecError::UnknownType { .. })
    ));
    assert!(matches!(
        TestCodec::decode("Restocked", 2, Value::Null),
        Err(CodecError::UnknownType { .. })
    ));
}

#[test]
fn a_corpus_with_the_old_version_checks_both() {
    let dir = tempfile::tempdir().unwrap();
    let write = |file: &str, value: &Value| {
        std::fs::write(dir.path().join(file), value.to_string()).unwrap();
    };
    let v1 = serde_json::to_value(schemars::schema_for!(PricedV1)).unwrap();
    write("Priced.v1.schema.json", &v1);
    write(
        "Priced.v1.sample.json",
        &json!({"product": "p-0", "price": 9000}),
    );
    for (name, version, schema) in TestCodec::schemas() {
        write(&format!("{name}.v{version}.schema.json"), &schema);
    }
    for event in TestCodec::samples() {
        let encoded = TestCodec::encode(&event);
        let file = format!("{}.v{}.sample.json", encoded.name, encoded.version);
        write(&file, &encoded.data);
    }
    assert_eq!(
        SchemaCatalog::new(dir.path()).check::<TestCodec>().unwrap(),
        3
    );
}
