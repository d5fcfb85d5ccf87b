//! The one conversion of a domain value to and from its wire form, used field
//! by field by the codecs that [`event_table!`](crate::event_table) generates.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::{Bps, Won};

/// A domain value's wire form. Implemented once per type: as the identity for
/// plain values, `Won ⇄ i64` here, code enums by `golmok_contracts::map_codes!`,
/// validated values (e.g. a business number) by their service.
pub trait Wire: Sized {
    type Wire;

    fn to_wire(&self) -> Self::Wire;

    /// The value of a wire form, or why the wire form is not a valid value
    /// (the codec reports it as `CodecError::Malformed`).
    fn from_wire(wire: Self::Wire) -> Result<Self, String>;
}

macro_rules! identity {
    ($($t:ty),+ $(,)?) => {$(
        impl Wire for $t {
            type Wire = $t;

            fn to_wire(&self) -> $t {
                self.clone()
            }

            fn from_wire(wire: $t) -> Result<$t, String> {
                Ok(wire)
            }
        }
    )+};
}

identity!(
    String,
    Uuid,
    DateTime<Utc>,
    NaiveDate,
    bool,
    u8,
    u16,
    u32,
    u64,
    i32,
    i64
);

/// Implements [`Wire`] for a newtype over a plain value (`Won(i64)`): its wire
/// form is the value inside.
#[macro_export]
macro_rules! wire_newtype {
    ($newtype:ident($inner:ty)) => {
        impl $crate::Wire for $newtype {
            type Wire = $inner;

            fn to_wire(&self) -> $inner {
                self.0
            }

            fn from_wire(wire: $inner) -> Result<$newtype, String> {
                Ok($newtype(wire))
            }
        }
    };
}

wire_newtype!(Won(i64));
wire_newtype!(Bps(u32));

impl<T: Wire> Wire for Option<T> {
    type Wire = Option<T::Wire>;

    fn to_wire(&self) -> Option<T::Wire> {
        self.as_ref().map(T::to_wire)
    }

    fn from_wire(wire: Option<T::Wire>) -> Result<Self, String> {
        wire.map(T::from_wire).transpose()
    }
}

impl<T: Wire> Wire for Vec<T> {
    type Wire = Vec<T::Wire>;

    fn to_wire(&self) -> Vec<T::Wire> {
        self.iter().map(T::to_wire).collect()
    }

    fn from_wire(wire: Vec<T::Wire>) -> Result<Self, String> {
        wire.into_iter().map(T::from_wire).collect()
    }
}

impl<T: Wire + Ord> Wire for BTreeSet<T>
where
    T::Wire: Ord,
{
    type Wire = BTreeSet<T::Wire>;

    fn to_wire(&self) -> BTreeSet<T::Wire> {
        self.iter().map(T::to_wire).collect()
    }

    fn from_wire(wire: BTreeSet<T::Wire>) -> Result<Self, String> {
        wire.into_iter().map(T::from_wire).collect()
    }
}

/// Implements [`Wire`] for a domain struct nested in an event (an order line,
/// a settlement line) field by field onto its wire struct; `field: wire_field`
/// renames.
///
/// ```ignore
/// wire_struct!(OrderLine { product_id, name, unit_price, quantity } <=> OrderLineV1);
/// ```
#[macro_export]
macro_rules! wire_struct {
    ($domain:ident { $($fields:tt)* } <=> $wire:ident) => {
        impl $crate::Wire for $domain {
            type Wire = $wire;

            fn to_wire(&self) -> $wire {
                let $crate::__event_pattern!([$domain] { $($fields)* }) = self;
                $crate::__event_to_wire!($wire { $($fields)* })
            }

            fn from_wire(wire: $wire) -> Result<Self, String> {
                Ok($crate::__event_from_wire!(wire; [$domain] { $($fields)* }))
            }
        }
    };
}
