use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};
/// The business date in Asia/Seoul of an instant (UTC+9, no daylight saving).
pub use golmok_kernel::seoul_date;

/// A calendar month in Asia/Seoul: the period of the per-person purchase cap.
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

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn t_plus_two_skips_weekends_and_holidays() {
        let plain = BusinessCalendar::default();
        // Thursday → Monday.
        assert_eq!(
            plain.add_business_days(date(2026, 11, 26), 2),
            date(2026, 11, 30)
        );
        // Friday → Tuesday.
        assert_eq!(
            plain.add_business_days(date(2026, 11, 27), 2),
            date(2026, 12, 1)
        );
        // A batch of a Saturday is paid on Tuesday.
        assert_eq!(
            plain.add_business_days(date(2026, 11, 28), 2),
            date(2026, 12, 1)
        );
        // 추석 2026: 24–26 September.
        let chuseok =
            BusinessCalendar::new([date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26)]);
        assert_eq!(
            chuseok.add_business_days(date(2026, 9, 23), 2),
            date(2026, 9, 29)
        );
        assert!(!chuseok.is_business_day(date(2026, 9, 25)));
    }

    #[test]
    fn months_follow_the_seoul_date() {
        let at: chrono::DateTime<chrono::Utc> = "2026-03-31T15:30:00Z".parse().unwrap();
        assert_eq!(
            YearMonth::of(seoul_date(at)),
            YearMonth {
                year: 2026,
                month: 4
            }
        );
    }
}
