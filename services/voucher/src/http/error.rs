use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use golmok_runtime::ErrorBody;

use crate::app::AppError;
use crate::domain::case::CaseError;
use crate::domain::programme::ProgrammeError;
use crate::domain::settlement::SettlementError;
use crate::domain::wallet::{Decline, WalletError};

/// Every error the HTTP API answers, with its status and stable code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the x-golmok-actor header is malformed: {0}")]
    BadActor(String),
    #[error("sign in first")]
    Unauthenticated,
    #[error("the caller may not do this")]
    Forbidden,
    #[error("{message}")]
    BadRequest {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    #[error("the request body is too large")]
    BodyTooLarge,
    #[error("no such {1}")]
    NotFound(&'static str, &'static str),
    #[error("no such route")]
    RouteNotFound,
    #[error("this route does not take that method")]
    MethodNotAllowed,
    #[error(transparent)]
    App(#[from] AppError),
}

type Parts = (StatusCode, &'static str, Option<&'static str>);

fn programme(error: &ProgrammeError) -> Parts {
    let status = match error {
        ProgrammeError::NotFound => StatusCode::NOT_FOUND,
        ProgrammeError::AlreadyExists => StatusCode::CONFLICT,
        ProgrammeError::BudgetExhausted { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    };
    (status, error.code(), error.field())
}

fn wallet(error: &WalletError) -> Parts {
    let status = match error {
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
    };
    (status, error.code(), error.field())
}

fn declined(decline: &Decline) -> Parts {
    let field = match decline {
        Decline::InsufficientBalance { .. } => Some("amount"),
        Decline::MerchantIneligible(_) => Some("merchantId"),
        Decline::OutsideValidity => None,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, decline.code(), field)
}

fn settlement(error: &SettlementError) -> Parts {
    match error {
        SettlementError::BatchNotFound => (StatusCode::NOT_FOUND, error.code(), None),
        SettlementError::DayNotClosed(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            error.code(),
            Some("businessDate"),
        ),
        SettlementError::NotDue(_) | SettlementError::Overflow => {
            (StatusCode::UNPROCESSABLE_ENTITY, error.code(), None)
        }
    }
}

fn case(error: &CaseError) -> Parts {
    match error {
        CaseError::NotFound => (StatusCode::NOT_FOUND, error.code(), None),
        CaseError::Reason => (StatusCode::BAD_REQUEST, error.code(), Some("reason")),
        CaseError::Transition { .. } => (StatusCode::CONFLICT, error.code(), None),
    }
}

impl ApiError {
    pub fn bad_request(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    fn parts(&self) -> (StatusCode, &'static str, Option<String>) {
        let owned = |(status, code, field): Parts| (status, code, field.map(str::to_owned));
        match self {
            ApiError::BadActor(_) => (StatusCode::BAD_REQUEST, "BAD_ACTOR", None),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", None),
            ApiError::Forbidden | ApiError::App(AppError::Forbidden) => {
                (StatusCode::FORBIDDEN, "FORBIDDEN", None)
            }
            ApiError::BadRequest { code, field, .. } => {
                (StatusCode::BAD_REQUEST, code, field.clone())
            }
            ApiError::BodyTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "BODY_TOO_LARGE", None),
            ApiError::NotFound(code, _) => (StatusCode::NOT_FOUND, code, None),
            ApiError::RouteNotFound => (StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", None),
            ApiError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", None)
            }
            ApiError::App(AppError::Programme(error)) => owned(programme(error)),
            ApiError::App(AppError::Wallet(error)) => owned(wallet(error)),
            ApiError::App(AppError::Declined(decline)) => owned(declined(decline)),
            ApiError::App(AppError::Settlement(error)) => owned(settlement(error)),
            ApiError::App(AppError::Case(error)) => owned(case(error)),
            ApiError::App(AppError::Payment(error)) => (StatusCode::CONFLICT, error.code(), None),
            ApiError::App(AppError::MerchantNotFound) => (
                StatusCode::NOT_FOUND,
                "MERCHANT_NOT_FOUND",
                Some("merchantId".into()),
            ),
            ApiError::App(AppError::IdempotencyKeyReused(_)) => (
                StatusCode::CONFLICT,
                "IDEMPOTENCY_KEY_REUSED",
                Some("idempotency-key".into()),
            ),
            ApiError::App(AppError::Contention(_) | AppError::Storage(_)) => {
                (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", None)
            }
            ApiError::App(AppError::Codec(_)) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", None)
            }
            ApiError::App(AppError::UnreadableRecord(_)) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "RECORD_UNREADABLE", None)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, field) = self.parts();
        let message = if let ApiError::App(AppError::UnreadableRecord(_)) = self {
            self.to_string()
        } else if status.is_server_error() {
            tracing::error!(error = %self, source = ?std::error::Error::source(&self), "request failed");
            match status {
                StatusCode::SERVICE_UNAVAILABLE => {
                    "the voucher service is busy or its storage is unavailable; try again"
                        .to_owned()
                }
                _ => "the voucher service failed to handle this request".to_owned(),
            }
        } else if let ApiError::App(AppError::IdempotencyKeyReused(_)) = &self {
            // The kernel's message names the stored key; partners know only theirs.
            "this idempotency key was already used for a request with other parameters; \
             use a new key for a new request"
                .to_owned()
        } else {
            self.to_string()
        };
        let body = ErrorBody {
            code: code.to_owned(),
            message,
            field,
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
