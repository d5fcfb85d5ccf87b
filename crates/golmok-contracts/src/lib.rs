//! The published language of Golmok's services, one module per service:
//! the serde structs of every event a service writes (the JSON of
//! `schemas/events/<service>/`), its name and version, and the code enums
//! those events carry; and in `<service>::http` the request bodies and views
//! of its HTTP API, which the service and the gateway both use.
//!
//! A service that follows another's events reads them through this crate,
//! never through the other service's crate: a change inside a service's
//! domain can not break a sibling's build, and a change here is a change of
//! the published wire format (the schema and sample tests of the producer
//! catch it).

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub mod creator_media;
pub mod storefront;
pub mod voucher;

/// The name and version of a published event type
/// `kr.golmok.<service>.<Event>.v<N>`, or `None` for another service's
/// events or a type that does not follow that form.
pub fn event_of<'a>(service: &str, event_type: &'a str) -> Option<(&'a str, u32)> {
    let rest = event_type
        .strip_prefix("kr.golmok.")?
        .strip_prefix(service)?
        .strip_prefix('.')?;
    let (name, version) = rest.rsplit_once(".v")?;
    Some((name, version.parse().ok()?))
}

/// Reads a published event's payload as a consumer: the contract's struct,
/// tolerating top-level fields the contract does not know (a producer may add
/// an optional field before its consumers update). A missing or mistyped
/// field is still an error.
pub fn read<T: DeserializeOwned + JsonSchema>(data: Value) -> Result<T, serde_json::Error> {
    let data = match data {
        Value::Object(mut fields) => {
            let schema = schemars::SchemaGenerator::default().into_root_schema_for::<T>();
            if let Some(known) = schema
                .as_value()
                .get("properties")
                .and_then(Value::as_object)
            {
                fields.retain(|name, _| known.contains_key(name));
            }
            Value::Object(fields)
        }
        other => other,
    };
    serde_json::from_value(data)
}

/// Maps a wire code enum (e.g. one of a contract) one to one onto a domain
/// enum with the same variant names, both ways, and makes it the domain
/// enum's `golmok_kernel::Wire` form (the caller depends on `golmok-kernel`;
/// the domain enum is `Copy`).
#[macro_export]
macro_rules! map_codes {
    ($name:ident <=> $module:ident :: $domain:ident { $($variant:ident),+ $(,)? }) => {
        impl ::golmok_kernel::Wire for $module::$domain {
            type Wire = $name;

            fn to_wire(&self) -> $name {
                (*self).into()
            }

            fn from_wire(wire: $name) -> Result<Self, String> {
                Ok(wire.into())
            }
        }

        impl From<$module::$domain> for $name {
            fn from(value: $module::$domain) -> Self {
                match value {
                    $($module::$domain::$variant => $name::$variant),+
                }
            }
        }

        impl From<$name> for $module::$domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => $module::$domain::$variant),+
                }
            }
        }
    };
}

/// A code enum that a contract's events carry: SCREAMING_SNAKE codes, never
/// renamed. The literal after the name is its description in the published
/// event schemas; its doc comments are the rustdoc and, with the `graphql`
/// feature, the descriptions of the GraphQL enum the gateway serves (the two
/// audiences read different words, so the schema is written by hand here:
/// a derived one would take the doc comments).
macro_rules! wire_codes {
    ($(#[$meta:meta])* $name:ident : $wire:literal { $($(#[$doc:meta])* $variant:ident),+ $(,)? }) => {
        $crate::api_codes!(@enum $(#[$meta])* $name { $($(#[$doc])* $variant),+ });

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_id() -> std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let codes: Vec<serde_json::Value> = [$($name::$variant),+]
                    .iter()
                    .map(|code| serde_json::to_value(code).unwrap_or_default())
                    .collect();
                schemars::json_schema!({ "description": $wire, "enum": codes, "type": "string" })
            }
        }
    };
}
pub(crate) use wire_codes;

/// A code enum of a service's HTTP API (not carried by its events):
/// SCREAMING_SNAKE on the wire and, with the `graphql` feature, a GraphQL
/// enum of the same values whose doc comments are the GraphQL descriptions.
macro_rules! api_codes {
    ($(#[$meta:meta])* $name:ident { $($(#[$doc:meta])* $variant:ident),+ $(,)? }) => {
        $crate::api_codes!(@enum #[derive(schemars::JsonSchema)] $(#[$meta])* $name { $($(#[$doc])* $variant),+ });
    };
    (@enum $(#[$meta:meta])* $name:ident { $($(#[$doc:meta])* $variant:ident),+ }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        $(#[$meta])*
        pub enum $name {
            $($(#[$doc])* $variant),+
        }
    };
}
pub(crate) use api_codes;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_name_their_service() {
        assert_eq!(
            event_of("voucher", "kr.golmok.voucher.OrderPaymentHeld.v1"),
            Some(("OrderPaymentHeld", 1))
        );
        assert_eq!(
            event_of("voucher", "kr.golmok.storefront.OrderPlaced.v1"),
            None
        );
        assert_eq!(event_of("voucher", "kr.golmok.voucherx.A.v1"), None);
        assert_eq!(
            event_of("storefront", "kr.golmok.storefront.OrderPlaced.vx"),
            None
        );
    }

    #[test]
    fn a_consumer_reads_past_unknown_fields_but_not_missing_ones() {
        let id = uuid::Uuid::nil();
        let known = serde_json::json!({
            "orderId": id, "merchantId": id, "paymentId": id, "at": "2024-01-01T00:00:00Z"
        });
        let mut added = known.clone();
        added["newField"] = serde_json::json!(1);
        let payment: voucher::OrderPaymentV1 = read(added).unwrap();
        assert_eq!(payment.order_id, id);
        assert!(serde_json::from_value::<voucher::OrderPaymentV1>(
            serde_json::json!({"orderId": id, "merchantId": id, "paymentId": id, "at": "2024-01-01T00:00:00Z", "x": 1})
        ).is_err(), "the producer's own struct stays strict");
        let mut missing = known;
        missing.as_object_mut().unwrap().remove("paymentId");
        assert!(read::<voucher::OrderPaymentV1>(missing).is_err());
    }
}
