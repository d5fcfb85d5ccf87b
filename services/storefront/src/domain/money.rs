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

    pub fn is_positive(self) -> bool {
        self.0 > 0
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
    }
}
