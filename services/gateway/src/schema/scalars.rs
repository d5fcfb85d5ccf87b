use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;
use serde::Serialize;

use crate::errors::coded;

/// A count from a service (stock, a quantity, a version) as a GraphQL `Int`,
/// which the spec makes 32-bit. The services refuse counts above
/// 2,147,483,647, so this fails only on a value the gateway cannot carry.
pub(crate) fn int<T: TryInto<i32>>(value: T) -> async_graphql::Result<i32> {
    value.try_into().map_err(|_| {
        coded(
            "VALUE_OUT_OF_RANGE",
            "this number is outside the range a GraphQL Int can carry (±2,147,483,647)",
        )
    })
}

/// An amount of Korean won, whole won only (no fractions), as a JSON integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(crate) struct Won(pub(crate) i64);

/// An amount of Korean won, whole won only (no fractions), as a JSON integer.
#[Scalar(name = "Won")]
impl ScalarType for Won {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(number) => number
                .as_i64()
                .map(Won)
                .ok_or_else(|| InputValueError::custom("won are whole numbers within ±9.2e18")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

/// A calendar date, `YYYY-MM-DD` (business dates are in Asia/Seoul).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(crate) struct Date(pub(crate) NaiveDate);

/// A calendar date, `YYYY-MM-DD` (business dates are in Asia/Seoul).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom(format!("{text:?} is not a YYYY-MM-DD date"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_beyond_32_bits_are_an_error_not_a_wrap() {
        assert_eq!(int(2_147_483_647_i64).unwrap(), i32::MAX);
        assert_eq!(int(-2_147_483_648_i64).unwrap(), i32::MIN);
        for bad in [2_147_483_648_i64, i64::MAX, i64::MIN] {
            let error = int(bad).unwrap_err();
            assert_eq!(
                crate::errors::code_of(&error).as_deref(),
                Some("VALUE_OUT_OF_RANGE")
            );
        }
        assert!(int(u64::MAX).is_err());
    }

    #[test]
    fn won_takes_whole_numbers_only() {
        assert_eq!(Won::parse(Value::from(15_000)).unwrap(), Won(15_000));
        assert_eq!(Won::parse(Value::from(i64::MAX)).unwrap(), Won(i64::MAX));
        assert!(Won::parse(Value::from(1.5)).is_err());
        assert!(Won::parse(Value::from("15000")).is_err());
        assert_eq!(serde_json::to_string(&Won(-3)).unwrap(), "-3");
    }

    #[test]
    fn dates_are_iso_calendar_dates() {
        let date = Date::parse(Value::from("1988-02-29")).unwrap();
        assert_eq!(date.to_value(), Value::from("1988-02-29"));
        assert_eq!(serde_json::to_string(&date).unwrap(), "\"1988-02-29\"");
        for bad in ["1989-02-29", "29.02.1988", "1988-2-29x", ""] {
            assert!(Date::parse(Value::from(bad)).is_err(), "{bad}");
        }
    }
}
