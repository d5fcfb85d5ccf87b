use golmok_kernel::Fault;

use crate::domain::business_number::{BusinessNumberError, ClaimError};
use crate::domain::merchant::MerchantError;
use crate::domain::shop::ShopError;

/// Why the storefront could not carry out a request: domain rejections kept
/// apart from storage failures.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Merchant(#[from] MerchantError),
    #[error(transparent)]
    Shop(#[from] ShopError),
    #[error(transparent)]
    BusinessNumber(#[from] BusinessNumberError),
    #[error(transparent)]
    BusinessNumberTaken(ClaimError),
    #[error("the caller may not do this")]
    Forbidden,
    /// The machinery failed (storage, contention, a reused key, a damaged record).
    #[error(transparent)]
    Fault(#[from] Fault),
}

golmok_kernel::service_error!(AppError);

impl From<ClaimError> for AppError {
    fn from(error: ClaimError) -> Self {
        AppError::BusinessNumberTaken(error)
    }
}
