//! 사업자등록번호: the value object, and the claim aggregate (stream
//! `business-number-<digits>`) that keeps one number to one merchant.

mod claim;
mod number;
#[cfg(test)]
mod tests;

pub use claim::{CLAIM_GRACE, Claim, ClaimCommand, ClaimError, ClaimEvent, ClaimState};
pub use number::{BusinessNumber, BusinessNumberError};
