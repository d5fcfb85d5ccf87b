//! Money and rates: the kernel's shared values (`Won`, `Bps`, `Rounding`).

pub use golmok_kernel::{Bps, Rounding, Won};

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn basis_points_round_explicitly() {
        assert_eq!(Bps(1_000).of(Won(10_000), Rounding::Down), Some(Won(1_000)));
        // 0.3 % of 12,345 = 37.035
        assert_eq!(Bps(30).of(Won(12_345), Rounding::Down), Some(Won(37)));
        assert_eq!(Bps(30).of(Won(12_345), Rounding::HalfUp), Some(Won(37)));
        // 0.5 % of 9,900 = 49.5
        assert_eq!(Bps(50).of(Won(9_900), Rounding::Down), Some(Won(49)));
        assert_eq!(Bps(50).of(Won(9_900), Rounding::HalfUp), Some(Won(50)));
        assert_eq!(Bps(0).of(Won(9_900), Rounding::HalfUp), Some(Won(0)));
    }

    #[test]
    fn basis_points_of_extreme_amounts_are_exact_or_refused() {
        assert_eq!(
            Bps::FULL.of(Won(i64::MAX), Rounding::HalfUp),
            Some(Won(i64::MAX))
        );
        assert_eq!(
            Bps::FULL.of(Won(i64::MIN), Rounding::Down),
            Some(Won(i64::MIN))
        );
        assert_eq!(
            Bps(5_000).of(Won(i64::MAX), Rounding::Down),
            Some(Won(i64::MAX / 2))
        );
        assert_eq!(Bps(10_001).of(Won(i64::MAX), Rounding::Down), None);
        assert_eq!(Bps(u32::MAX).of(Won(i64::MIN), Rounding::HalfUp), None);
    }

    #[test]
    fn sums_refuse_to_overflow() {
        assert_eq!(Won::sum([Won(1), Won(2)]), Some(Won(3)));
        assert_eq!(Won::sum([Won(i64::MAX), Won(1)]), None);
        assert_eq!(Won(i64::MIN).minus(Won(1)), None);
    }

    proptest! {
        #[test]
        fn a_rate_never_exceeds_the_amount(amount in 0i64..1_000_000_000_000, bps in 0u32..=10_000) {
            let down = Bps(bps).of(Won(amount), Rounding::Down).unwrap();
            let half = Bps(bps).of(Won(amount), Rounding::HalfUp).unwrap();
            prop_assert!(down.0 >= 0 && down.0 <= amount);
            prop_assert!(half.0 - down.0 <= 1 && half.0 <= amount);
        }
    }
}
