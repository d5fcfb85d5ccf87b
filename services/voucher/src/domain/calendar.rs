//! Dates: the kernel's shared calendar values. The month of the per-person
//! purchase cap is a [`YearMonth`] of a [`seoul_date`]; settlements are paid on
//! [`BusinessCalendar`] days.

pub use golmok_kernel::{BusinessCalendar, YearMonth, seoul_date};

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

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
