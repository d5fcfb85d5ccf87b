//! The voucher service's one error table: status, code, field and the
//! partner's sentence of every [`AppError`]; the edge renders it.

use axum::http::StatusCode;
use golmok_runtime::edge::{KEY_REUSED, Problem, failed, unavailable};

use crate::app::AppError;
use crate::domain::case::CaseError;
use crate::domain::programme::ProgrammeError;
use crate::domain::settlement::SettlementError;
use crate::domain::wallet::{Decline, WalletError};

/// How partners read this service's name.
const SERVICE: &str = "the voucher service";

impl Problem for AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Programme(error) => programme_status(error),
            AppError::Wallet(error) => wallet_status(error),
            AppError::Declined(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Settlement(SettlementError::BatchNotFound)
            | AppError::Case(CaseError::NotFound)
            | AppError::MerchantNotFound => StatusCode::NOT_FOUND,
            AppError::Settlement(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Case(CaseError::Reason) => StatusCode::BAD_REQUEST,
            AppError::Case(CaseError::Transition { .. })
            | AppError::Payment(_)
            | AppError::IdempotencyKeyReused(_) => StatusCode::CONFLICT,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Contention(_) | AppError::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Codec(_) | AppError::UnreadableRecord(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::Programme(error) => error.code(),
            AppError::Wallet(error) => error.code(),
            AppError::Declined(decline) => decline.code(),
            AppError::Settlement(error) => error.code(),
            AppError::Case(error) => error.code(),
            AppError::Payment(error) => error.code(),
            AppError::MerchantNotFound => "MERCHANT_NOT_FOUND",
            AppError::Forbidden => "FORBIDDEN",
            AppError::IdempotencyKeyReused(_) => "IDEMPOTENCY_KEY_REUSED",
            AppError::Contention(_) | AppError::Storage(_) => "UNAVAILABLE",
            AppError::Codec(_) => "INTERNAL",
            AppError::UnreadableRecord(_) => "RECORD_UNREADABLE",
        }
    }

    fn field(&self) -> Option<String> {
        let field = match self {
            AppError::Programme(error) => error.field(),
            AppError::Wallet(error) => error.field(),
            AppError::Declined(Decline::InsufficientBalance { .. }) => Some("amount"),
            AppError::Declined(Decline::MerchantIneligible(_)) | AppError::MerchantNotFound => {
                Some("merchantId")
            }
            AppError::Settlement(SettlementError::DayNotClosed(_)) => Some("businessDate"),
            AppError::Case(CaseError::Reason) => Some("reason"),
            AppError::IdempotencyKeyReused(_) => Some("idempotency-key"),
            _ => None,
        };
        field.map(str::to_owned)
    }

    fn message(&self) -> String {
        match self {
            AppError::IdempotencyKeyReused(_) => KEY_REUSED.to_owned(),
            AppError::Contention(_) | AppError::Storage(_) => unavailable(SERVICE),
            AppError::Codec(_) => failed(SERVICE),
            _ => self.to_string(),
        }
    }
}

fn programme_status(error: &ProgrammeError) -> StatusCode {
    match error {
        ProgrammeError::NotFound => StatusCode::NOT_FOUND,
        ProgrammeError::AlreadyExists => StatusCode::CONFLICT,
        ProgrammeError::BudgetExhausted { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn wallet_status(error: &WalletError) -> StatusCode {
    match error {
        WalletError::NotFound | WalletError::PurchaseNotFound | WalletError::RedemptionNotFound => {
            StatusCode::NOT_FOUND
        }
        WalletError::AmountNotPositive | WalletError::FaceValueNotOffered => {
            StatusCode::BAD_REQUEST
        }
        WalletError::PurchaseAlreadyRefunded
        | WalletError::PurchaseExists
        | WalletError::RedemptionExists
        | WalletError::NotHeld
        | WalletError::NotCaptured => StatusCode::CONFLICT,
        WalletError::ProgrammeNotValid
        | WalletError::NotYetExpired(_)
        | WalletError::MonthlyCapExceeded { .. }
        | WalletError::PurchaseUsed { .. }
        | WalletError::HoldExpired
        | WalletError::RefundTooLarge { .. }
        | WalletError::RefundWindowClosed
        | WalletError::AmountTooLarge { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    }
}
