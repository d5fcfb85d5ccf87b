//! Plain values that every service's domain and application share: money in
//! whole won, rates in basis points, the business date in Asia/Seoul, its
//! month and the Korean business-day calendar, and one page of a list. Pure
//! (no I/O, no clock), so a domain may use them; they live here once so that
//! no service borrows them from a sibling.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, Utc, Weekday};
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

/// How a fraction of a won is rounded to whole won.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Towards zero: the payer of the rate never pays a fraction it does not owe.
    Down,
    /// To the nearest won, halves away from zero.
    HalfUp,
}

/// A rate in basis points: 1 bp = 0.01 %, 10,000 bp = 100 % (fees, discounts,
/// commissions).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bps(pub u32);

impl Bps {
    pub const FULL: Bps = Bps(10_000);

    /// `amount × rate`, rounded as asked, in integer arithmetic; `None` when
    /// the result does not fit (a rate above 100 % of a huge amount).
    pub fn of(self, amount: Won, rounding: Rounding) -> Option<Won> {
        let product = i128::from(amount.0) * i128::from(self.0);
        let full = i128::from(Self::FULL.0);
        let quotient = match rounding {
            Rounding::Down => product / full,
            Rounding::HalfUp => {
                let half = if product >= 0 { full / 2 } else { -(full / 2) };
                (product + half) / full
            }
        };
        i64::try_from(quotient).ok().map(Won)
    }
}

/// A calendar month in Asia/Seoul (of a [`seoul_date`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }
}

/// Korean business days: Monday to Friday except the configured public holidays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessCalendar {
    holidays: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// The `days`-th business day after `date` (T+`days`); `date` itself never counts.
    pub fn add_business_days(&self, date: NaiveDate, days: u32) -> NaiveDate {
        let mut current = date;
        let mut counted = 0;
        while counted < days {
            current = current
                .checked_add_days(Days::new(1))
                .expect("business dates stay far from the end of the calendar");
            if self.is_business_day(current) {
                counted += 1;
            }
        }
        current
    }
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
