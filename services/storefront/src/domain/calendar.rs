use chrono::{Datelike, NaiveDate};
/// The business date in Asia/Seoul of an instant.
pub use golmok_kernel::seoul_date;

/// Whole years from `from` to `to` (an anniversary counts on its day; 0 when `to` is earlier).
pub fn full_years(from: NaiveDate, to: NaiveDate) -> u32 {
    if to < from {
        return 0;
    }
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_seoul_date_turns_at_15_00_utc() {
        let before = "2024-03-01T14:59:59Z".parse().unwrap();
        let after = "2024-03-01T15:00:00Z".parse().unwrap();
        assert_eq!(seoul_date(before), date(2024, 3, 1));
        assert_eq!(seoul_date(after), date(2024, 3, 2));
    }

    #[test]
    fn full_years_count_on_the_anniversary() {
        assert_eq!(full_years(date(1994, 5, 10), date(2024, 5, 9)), 29);
        assert_eq!(full_years(date(1994, 5, 10), date(2024, 5, 10)), 30);
        assert_eq!(full_years(date(2000, 2, 29), date(2015, 2, 28)), 14);
        assert_eq!(full_years(date(2000, 2, 29), date(2015, 3, 1)), 15);
        assert_eq!(full_years(date(2024, 1, 1), date(2023, 1, 1)), 0);
    }
}
