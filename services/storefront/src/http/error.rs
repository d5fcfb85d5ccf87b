//! The storefront's one error table: status, code, field and the partner's
//! sentence of every [`AppError`]; the edge renders it.

use axum::http::StatusCode;
use golmok_runtime::edge::{KEY_REUSED, Problem, failed, unavailable};

use crate::app::AppError;
use crate::domain::merchant::MerchantError;
use crate::domain::shop::ShopError;

/// How partners read this service's name.
const SERVICE: &str = "the storefront";

impl Problem for AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Merchant(error) => merchant_status(error),
            AppError::Shop(error) => shop_status(error),
            AppError::BusinessNumber(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::BusinessNumberTaken(_) | AppError::IdempotencyKeyReused(_) => {
                StatusCode::CONFLICT
            }
            AppError::Contention(_) | AppError::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Codec(_) | AppError::UnreadableRecord(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::Merchant(error) => error.code(),
            AppError::Shop(error) => error.code(),
            AppError::BusinessNumber(error) => error.code(),
            AppError::BusinessNumberTaken(error) => error.code(),
            AppError::Forbidden => "FORBIDDEN",
            AppError::IdempotencyKeyReused(_) => "IDEMPOTENCY_KEY_REUSED",
            AppError::Contention(_) | AppError::Storage(_) => "UNAVAILABLE",
            AppError::Codec(_) => "INTERNAL",
            AppError::UnreadableRecord(_) => "RECORD_UNREADABLE",
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            AppError::Merchant(error) => error.field().map(str::to_owned),
            AppError::Shop(error) => error.field(),
            AppError::BusinessNumber(_) | AppError::BusinessNumberTaken(_) => {
                Some("businessNumber".into())
            }
            AppError::IdempotencyKeyReused(_) => Some("idempotency-key".into()),
            _ => None,
        }
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

fn merchant_status(error: &MerchantError) -> StatusCode {
    match error {
        MerchantError::NotFound | MerchantError::OnboardingNotFound => StatusCode::NOT_FOUND,
        MerchantError::Text { .. }
        | MerchantError::FoundedInFuture
        | MerchantError::FoundedTooEarly { .. }
        | MerchantError::ScoreOutOfRange { .. } => StatusCode::BAD_REQUEST,
        MerchantError::AlreadyRegistered
        | MerchantError::RegistrationAbandoned
        | MerchantError::AlreadySuspended
        | MerchantError::NotSuspended
        | MerchantError::HeritagePending
        | MerchantError::HeritageAlreadyApproved
        | MerchantError::NoPendingHeritage
        | MerchantError::OnboardingAlreadyOpen
        | MerchantError::OnboardingTransition { .. } => StatusCode::CONFLICT,
        MerchantError::Suspended
        | MerchantError::HeritageTooYoung { .. }
        | MerchantError::HeritageRequiresManufacturer => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

fn shop_status(error: &ShopError) -> StatusCode {
    match error {
        ShopError::MerchantNotFound | ShopError::ProductNotFound | ShopError::OrderNotFound => {
            StatusCode::NOT_FOUND
        }
        ShopError::Text { .. }
        | ShopError::PriceNotPositive
        | ShopError::StockNegative
        | ShopError::DeltaZero
        | ShopError::NoLines
        | ShopError::TooManyLines { .. }
        | ShopError::QuantityNotPositive { .. }
        | ShopError::QuantityOutOfRange { .. }
        | ShopError::DuplicateLine { .. } => StatusCode::BAD_REQUEST,
        ShopError::ProductAlreadyExists
        | ShopError::OrderAlreadyCancelled
        | ShopError::OrderAlreadyConfirmed
        | ShopError::PaymentTransition { .. } => StatusCode::CONFLICT,
        ShopError::MerchantNotActive
        | ShopError::StockWouldGoNegative { .. }
        | ShopError::StockOutOfRange { .. }
        | ShopError::UnknownProduct { .. }
        | ShopError::ProductNotPublished { .. }
        | ShopError::InsufficientStock { .. }
        | ShopError::AmountTooLarge
        | ShopError::PaymentMethodNotVoucher
        | ShopError::PaymentNotHeld
        | ShopError::PaymentAlreadyCaptured => StatusCode::UNPROCESSABLE_ENTITY,
    }
}
