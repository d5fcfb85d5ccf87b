//! A service's codec written as a table: one entry per event, from which
//! [`event_table!`](crate::event_table) generates the service event enum and
//! its narrowing, the names in schema order, the schemas, the encode and
//! decode dispatch and the round-trip test over the samples.

use crate::CodecError;

/// Declares a service's events and generates its codec.
///
/// ```ignore
/// golmok_kernel::event_table! {
///     /// Every event the storefront writes.
///     pub enum StorefrontEvent;
///     /// The codec of every storefront event.
///     pub struct StorefrontCodec for SERVICE;
///
///     Merchant(MerchantEvent) {
///         // a tuple variant carrying a domain struct, field by field
///         Registered(Registered { merchant_id, business_number, name, at })
///             => MerchantRegistered @ 1: MerchantRegisteredV1,
///         // a struct variant; `domain_field: wire_field` renames
///         Claimed { number: business_number, at } => NumberClaimed @ 1: ClaimedV1,
///         // a check of the wire struct before it is converted
///         Diagnosed(Diagnosis { score, at }) => Diagnosed @ 1: DiagnosedV1 check at_most_100,
///         // a hand-written conversion where wire and domain really differ
///         Created { terms, at } => Created @ 1: CreatedV1 via(created_to_wire, created_from_wire),
///         // an older version, upcast to the current wire struct
///         Priced { product, price } => Priced @ 2: PricedV2 upcast 1: PricedV1 by priced_v1,
///     }
/// }
/// ```
///
/// Each entry maps one variant of an aggregate's event enum onto one event
/// type: its wire name, current version and wire struct (a
/// `golmok_contracts` struct). Every field converts through [`Wire`](crate::Wire);
/// a struct pattern lists every field, so a field added to the domain does not
/// compile until the table says where it goes. The generated items:
/// - the service event enum, one variant per aggregate, with `From` and
///   `TryFrom` between it and each aggregate's event enum (what
///   [`AggregateCodec`](crate::AggregateCodec) narrows through);
/// - [`AggregateEvents`](crate::AggregateEvents) for each aggregate's event enum;
/// - the codec struct with `NAMES` (schema order) and its
///   [`EventCodec`](crate::EventCodec) impl;
/// - under `cfg(test)`, a round-trip test over the codec's
///   [`EventSamples`](crate::EventSamples) (the service implements it).
///
/// `check f`: `fn f(&Wire) -> Result<(), &'static str>` refuses a payload
/// that is well-formed but inconsistent. `via(to, from)`: `fn to(&field, …) ->
/// Wire` and `fn from(Wire) -> Result<(field, …,), String>`. `upcast N: OldWire
/// by f`: `fn f(OldWire) -> Wire` reads version `N` of the event.
#[macro_export]
macro_rules! event_table {
    (
        $(#[$enum_meta:meta])*
        $enum_vis:vis enum $service_event:ident;
        $(#[$codec_meta:meta])*
        $codec_vis:vis struct $codec:ident for $service:expr;
        $(
            $agg_variant:ident($agg:ident) {
                $(
                    $variant:ident $shape:tt => $name:ident @ $version:literal : $wire:ident
                        $(check $check:ident)?
                        $(via($to:ident, $from:ident))?
                        $(upcast $old_version:literal : $old_wire:ident by $upcast:ident)*
                ),+ $(,)?
            }
        )+
    ) => {
        $(#[$enum_meta])*
        #[derive(Debug, Clone, PartialEq)]
        $enum_vis enum $service_event {
            $($agg_variant($agg),)+
        }

        $(
            impl ::core::convert::From<$agg> for $service_event {
                fn from(event: $agg) -> Self {
                    $service_event::$agg_variant(event)
                }
            }

            impl ::core::convert::TryFrom<$service_event> for $agg {
                type Error = $service_event;

                #[allow(unreachable_patterns)]
                fn try_from(event: $service_event) -> Result<Self, $service_event> {
                    match event {
                        $service_event::$agg_variant(event) => Ok(event),
                        other => Err(other),
                    }
                }
            }

            impl $crate::AggregateEvents for $agg {
                const NAMES: &'static [&'static str] = &[$(stringify!($name)),+];
            }
        )+

        $(#[$codec_meta])*
        $codec_vis struct $codec;

        impl $codec {
            /// Names of all current event types, in schema order.
            pub const NAMES: &'static [&'static str] = &[$($(stringify!($name)),+),+];
        }

        impl $crate::EventCodec for $codec {
            type Event = $service_event;
            const SERVICE: &'static str = $service;

            fn encode(event: &$service_event) -> $crate::EncodedEvent {
                match event {
                    $($service_event::$agg_variant(event) => match event {
                        $(
                            $crate::__event_pattern!([$agg::$variant] $shape) => $crate::encoded(
                                stringify!($name),
                                $version,
                                $crate::__event_to_wire!($wire $shape $(via $to)?),
                            ),
                        )+
                    },)+
                }
            }

            fn decode(
                name: &str,
                version: u32,
                data: $crate::__private::Value,
            ) -> Result<$service_event, $crate::CodecError> {
                match (name, version) {
                    $($(
                        (stringify!($name), $version $(| $old_version)*) => {
                            let wire: $wire = match version {
                                $($old_version => $upcast(
                                    $crate::from_wire::<$old_wire>(name, version, data)?,
                                ),)*
                                _ => $crate::from_wire(name, version, data)?,
                            };
                            $crate::__private::convert(name, version, move || {
                                $($check(&wire)?;)?
                                Ok($service_event::$agg_variant($crate::__event_from_wire!(
                                    wire; [$agg::$variant] $shape $(via $from)?
                                )))
                            })
                        }
                    )+)+
                    _ => Err($crate::CodecError::UnknownType {
                        name: name.to_owned(),
                        version,
                    }),
                }
            }

            fn schemas() -> Vec<(&'static str, u32, $crate::__private::Value)> {
                vec![$($($crate::schema::<$wire>(stringify!($name), $version),)+)+]
            }
        }

        #[cfg(test)]
        mod event_table_tests {
            use $crate::{EventCodec as _, EventSamples as _};

            #[test]
            fn every_sample_round_trips_through_the_wire() {
                let samples = super::$codec::samples();
                let names: Vec<&str> = samples
                    .iter()
                    .map(|e| super::$codec::encode(e).name)
                    .collect();
                assert_eq!(
                    names,
                    super::$codec::NAMES.to_vec(),
                    "one sample per event type, in order"
                );
                for event in samples {
                    let encoded = super::$codec::encode(&event);
                    let decoded =
                        super::$codec::decode(encoded.name, encoded.version, encoded.data)
                            .expect("a sample decodes");
                    assert_eq!(decoded, event);
                }
            }
        }
    };
}

/// The pattern of a table entry's variant, binding every field.
#[doc(hidden)]
#[macro_export]
macro_rules! __event_pattern {
    ([$($ctor:tt)*] ($struct:ident { $($field:ident $(: $wire_field:ident)?),* $(,)? })) => {
        $($ctor)*($struct { $($field),* })
    };
    ([$($ctor:tt)*] { $($field:ident $(: $wire_field:ident)?),* $(,)? }) => {
        $($ctor)* { $($field),* }
    };
}

/// The wire struct of a table entry, from the fields its pattern bound.
#[doc(hidden)]
#[macro_export]
macro_rules! __event_to_wire {
    (@fields $wire:ident [$($done:tt)*]) => {
        $wire { $($done)* }
    };
    (@fields $wire:ident [$($done:tt)*] $field:ident : $wire_field:ident $(, $($rest:tt)*)?) => {
        $crate::__event_to_wire!(
            @fields $wire [$($done)* $wire_field: $crate::Wire::to_wire($field),] $($($rest)*)?
        )
    };
    (@fields $wire:ident [$($done:tt)*] $field:ident $(, $($rest:tt)*)?) => {
        $crate::__event_to_wire!(
            @fields $wire [$($done)* $field: $crate::Wire::to_wire($field),] $($($rest)*)?
        )
    };
    ($wire:ident { $($field:ident),* $(,)? } via $to:ident) => {
        $to($($field),*)
    };
    ($wire:ident ($struct:ident { $($fields:tt)* })) => {
        $crate::__event_to_wire!(@fields $wire [] $($fields)*)
    };
    ($wire:ident { $($fields:tt)* }) => {
        $crate::__event_to_wire!(@fields $wire [] $($fields)*)
    };
}

/// The domain value of a table entry, from its wire struct `$wire`; `?` fails
/// with the reason a field does not convert.
#[doc(hidden)]
#[macro_export]
macro_rules! __event_from_wire {
    (@fields $wire:ident [$($ctor:tt)*] [$($done:tt)*]) => {
        $($ctor)* { $($done)* }
    };
    (@fields $wire:ident $ctor:tt [$($done:tt)*]
        $field:ident : $wire_field:ident $(, $($rest:tt)*)?) => {
        $crate::__event_from_wire!(
            @fields $wire $ctor [$($done)* $field: $crate::Wire::from_wire($wire.$wire_field)?,]
            $($($rest)*)?
        )
    };
    (@fields $wire:ident $ctor:tt [$($done:tt)*] $field:ident $(, $($rest:tt)*)?) => {
        $crate::__event_from_wire!(
            @fields $wire $ctor [$($done)* $field: $crate::Wire::from_wire($wire.$field)?,]
            $($($rest)*)?
        )
    };
    ($wire:ident; [$($ctor:tt)*] { $($field:ident),* $(,)? } via $from:ident) => {{
        let ($($field,)*) = $from($wire)?;
        $($ctor)* { $($field),* }
    }};
    ($wire:ident; [$($ctor:tt)*] ($struct:ident { $($fields:tt)* })) => {
        $($ctor)*($crate::__event_from_wire!(@fields $wire [$struct] [] $($fields)*))
    };
    ($wire:ident; $ctor:tt { $($fields:tt)* }) => {
        $crate::__event_from_wire!(@fields $wire $ctor [] $($fields)*)
    };
}

#[doc(hidden)]
pub mod __private {
    pub use serde_json::Value;

    use super::CodecError;

    /// Runs a table entry's conversion, reporting its failure as malformed.
    pub fn convert<T>(
        name: &str,
        version: u32,
        convert: impl FnOnce() -> Result<T, String>,
    ) -> Result<T, CodecError> {
        convert().map_err(|reason| CodecError::Malformed {
            name: name.to_owned(),
            version,
            reason,
        })
    }
}
