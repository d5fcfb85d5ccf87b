pub use golmok_kernel::Won;

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
