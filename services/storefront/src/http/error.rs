//! The storefront's one error table: status, code, field and the partner's
//! sentence of every [`AppError`]; the edge renders it.

use axum::http::StatusCode;
use golmok_runtime::edge::{Failure, Problem, Row};

use crate::app::AppError;
use crate::domain::merchant::MerchantError;
use crate::domain::shop::ShopError;

/// How partners read this service's name.
const SERVICE: &str = "the storefront";

impl Problem for AppError {
    fn row(&self) -> Row {
        match self {
            AppError::Merchant(error) => {
                Row::new(merchant_status(error), error.code()).field(error.field())
            }
            AppError::Shop(error) => {
                Row::new(shop_status(error), error.code()).field(error.field())
            }
            AppError::BusinessNumber(error) => {
                Row::new(StatusCode::BAD_REQUEST, error.code()).at("businessNumber")
            }
            AppError::BusinessNumberTaken(error) => {
                Row::new(StatusCode::CONFLICT, error.code()).at("businessNumber")
            }
            AppError::Forbidden => Failure::Forbidden.row(SERVICE),
            AppError::Fault(fault) => Failure::of(fault).row(SERVICE),
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
        ShopError::MerchantNotFound
        | ShopError::ProductNotFound
        | ShopError::OrderNotFound
        | ShopError::ReturnNotFound => StatusCode::NOT_FOUND,
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
        | ShopError::PaymentTransition { .. }
        | ShopError::OrderNotReturnable
        | ShopError::ReturnWindowClosed { .. } => StatusCode::CONFLICT,
        ShopError::MerchantNotActive
        | ShopError::StockWouldGoNegative { .. }
        | ShopError::StockOutOfRange { .. }
        | ShopError::UnknownProduct { .. }
        | ShopError::ProductNotPublished { .. }
        | ShopError::InsufficientStock { .. }
        | ShopError::AmountTooLarge
        | ShopError::PaymentMethodNotVoucher
        | ShopError::PaymentNotHeld
        | ShopError::PaymentAlreadyCaptured
        | ShopError::OrderLineNotFound { .. }
        | ShopError::ReturnQuantityExceeded { .. }
        | ShopError::LiveNotFound
        | ShopError::LiveNotOnAir
        | ShopError::CreatorCodeUnknown => StatusCode::UNPROCESSABLE_ENTITY,
    }
}
