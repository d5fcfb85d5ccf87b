use golmok_kernel::{CodecError, CommandError, StorageError};

use crate::domain::case::CaseError;
use crate::domain::order_payment::PaymentError;
use crate::domain::programme::ProgrammeError;
use crate::domain::settlement::SettlementError;
use crate::domain::wallet::{Decline, WalletError};

/// Why the voucher service could not carry out a request: domain rejections
/// and recorded declines kept apart from storage failures.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Programme(#[from] ProgrammeError),
    #[error(transparent)]
    Wallet(#[from] WalletError),
    #[error(transparent)]
    Settlement(#[from] SettlementError),
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// The redemption was declined; the decline is recorded.
    #[error("the redemption was declined: {0}")]
    Declined(Decline),
    #[error("no merchant with this id is known to the voucher service")]
    MerchantNotFound,
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
