//! Plain values that every service's domain and application share: money in
//! whole won, the business date in Asia/Seoul, and one page of a list. Pure
//! (no I/O, no clock), so a domain may use them; they live here once so that
//! no service borrows them from a sibling.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// An amount of Korean won, whole won only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Won(pub i64);

impl Won {
    pub const ZERO: Won = Won(0);

    /// `self × quantity`, `None` on overflow.
    pub fn times(self, quantity: u64) -> Option<Won> {
        i64::try_from(quantity)
            .ok()
            .and_then(|q| self.0.checked_mul(q))
            .map(Won)
    }

    /// `self + other`, `None` on overflow.
    pub fn plus(self, other: Won) -> Option<Won> {
        self.0.checked_add(other.0).map(Won)
    }

    /// `self - other`, `None` on overflow.
    pub fn minus(self, other: Won) -> Option<Won> {
        self.0.checked_sub(other.0).map(Won)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// The sum of `amounts`, `None` on overflow.
    pub fn sum(amounts: impl IntoIterator<Item = Won>) -> Option<Won> {
        amounts
            .into_iter()
            .try_fold(Won::ZERO, |total, amount| total.plus(amount))
    }
}

/// Korea Standard Time; Korea has kept UTC+9 without daylight saving since 1988.
const KST_SECONDS: i32 = 9 * 3600;

/// The business date in Asia/Seoul of an instant (UTC+9, no daylight saving).
pub fn seoul_date(at: DateTime<Utc>) -> NaiveDate {
    let kst = FixedOffset::east_opt(KST_SECONDS).expect("UTC+9 is a valid offset");
    at.with_timezone(&kst).date_naive()
}

/// `first` items strictly after the cursor `after` (a clustering key from an
/// earlier page's `next_cursor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub first: usize,
    pub after: Option<String>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_refuses_to_overflow() {
        assert_eq!(Won(1_500).times(3), Some(Won(4_500)));
        assert_eq!(Won(i64::MAX).times(2), None);
        assert_eq!(Won(1).times(u64::MAX), None);
        assert_eq!(Won(i64::MAX).plus(Won(1)), None);
        assert_eq!(Won(2).plus(Won(3)), Some(Won(5)));
        assert_eq!(Won(i64::MIN).minus(Won(1)), None);
        assert_eq!(Won::sum([Won(1), Won(2)]), Some(Won(3)));
        assert_eq!(Won::sum([Won(i64::MAX), Won(1)]), None);
    }

    #[test]
    fn the_seoul_date_turns_at_15_00_utc() {
        let date = |d| NaiveDate::from_ymd_opt(2024, 3, d).unwrap();
        assert_eq!(seoul_date("2024-03-01T14:59:59Z".parse().unwrap()), date(1));
        assert_eq!(seoul_date("2024-03-01T15:00:00Z".parse().unwrap()), date(2));
    }
}
