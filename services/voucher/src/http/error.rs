//! The voucher service's one error table: status, code, field and the
//! partner's sentence of every [`AppError`]; the edge renders it.

use axum::http::StatusCode;
use golmok_runtime::edge::{Failure, Problem, Row};

use crate::app::AppError;
use crate::domain::case::CaseError;
use crate::domain::programme::ProgrammeError;
use crate::domain::settlement::SettlementError;
use crate::domain::wallet::{Decline, WalletError};

/// How partners read this service's name.
const SERVICE: &str = "the voucher service";

impl Problem for AppError {
    fn row(&self) -> Row {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        match self {
            AppError::Programme(error) => {
                Row::new(programme_status(error), error.code()).field(error.field())
            }
            AppError::Wallet(error) => {
                Row::new(wallet_status(error), error.code()).field(error.field())
            }
            AppError::Declined(decline) => {
                let field = match decline {
                    Decline::InsufficientBalance { .. } => Some("amount"),
                    Decline::MerchantIneligible(_) => Some("merchantId"),
                    Decline::OutsideValidity => None,
                };
                Row::new(unprocessable, decline.code()).field(field)
            }
            AppError::Settlement(error @ SettlementError::BatchNotFound) => {
                Row::new(StatusCode::NOT_FOUND, error.code())
            }
            AppError::Settlement(error @ SettlementError::DayNotClosed(_)) => {
                Row::new(unprocessable, error.code()).at("businessDate")
            }
            AppError::Settlement(error) => Row::new(unprocessable, error.code()),
            AppError::Case(error @ CaseError::NotFound) => {
                Row::new(StatusCode::NOT_FOUND, error.code())
            }
            AppError::Case(error @ CaseError::Reason) => {
                Row::new(StatusCode::BAD_REQUEST, error.code()).at("reason")
            }
            AppError::Case(error) => Row::new(StatusCode::CONFLICT, error.code()),
            AppError::Payment(error) => Row::new(StatusCode::CONFLICT, error.code()),
            AppError::MerchantNotFound => {
                Row::new(StatusCode::NOT_FOUND, "MERCHANT_NOT_FOUND").at("merchantId")
            }
            AppError::Forbidden => Failure::Forbidden.row(SERVICE),
            AppError::Fault(fault) => Failure::of(fault).row(SERVICE),
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
