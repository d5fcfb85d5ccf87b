use golmok_kernel::{CodecError, CommandError, StorageError};

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
    #[error("idempotency key {0} was already used for a different request")]
    IdempotencyKeyReused(String),
    #[error("stream {0} is too busy; try again")]
    Contention(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("stored data cannot be decoded: {0}")]
    Codec(#[from] CodecError),
    /// A single read met a read-model row it cannot decode (logged and counted).
    #[error("the stored record {0} cannot be read; it has been reported to the operators")]
    UnreadableRecord(String),
}

impl<E> From<CommandError<E>> for AppError
where
    E: std::error::Error + Into<AppError> + 'static,
{
    fn from(error: CommandError<E>) -> Self {
        match error {
            CommandError::Rejected(rejection) => rejection.into(),
            CommandError::Contention(stream) => AppError::Contention(stream),
            CommandError::IdempotencyKeyReused(key) => AppError::IdempotencyKeyReused(key),
            CommandError::Storage(error) => AppError::Storage(error),
            CommandError::Codec(error) => AppError::Codec(error),
        }
    }
}

impl From<ClaimError> for AppError {
    fn from(error: ClaimError) -> Self {
        AppError::BusinessNumberTaken(error)
    }
}
