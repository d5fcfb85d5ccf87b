use golmok_kernel::Fault;

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
    /// The machinery failed (storage, contention, a reused key, a damaged record).
    #[error(transparent)]
    Fault(#[from] Fault),
}

golmok_kernel::service_error!(AppError);
