use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use golmok_runtime::ErrorBody;

use crate::app::AppError;
use crate::domain::merchant::MerchantError;
use crate::domain::shop::ShopError;

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

impl ApiError {
    pub fn bad_request(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    fn parts(&self) -> (StatusCode, &'static str, Option<String>) {
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
            ApiError::App(AppError::Merchant(error)) => (
                merchant_status(error),
                error.code(),
                error.field().map(str::to_owned),
            ),
            ApiError::App(AppError::Shop(error)) => {
                (shop_status(error), error.code(), error.field())
            }
            ApiError::App(AppError::BusinessNumber(error)) => (
                StatusCode::BAD_REQUEST,
                error.code(),
                Some("businessNumber".into()),
            ),
            ApiError::App(AppError::BusinessNumberTaken(error)) => (
                StatusCode::CONFLICT,
                error.code(),
                Some("businessNumber".into()),
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, field) = self.parts();
        let message = if let ApiError::App(AppError::UnreadableRecord(_)) = self {
            self.to_string()
        } else if status.is_server_error() {
            tracing::error!(error = %self, source = ?std::error::Error::source(&self), "request failed");
            match status {
                StatusCode::SERVICE_UNAVAILABLE => {
                    "the storefront is busy or its storage is unavailable; try again".to_owned()
                }
                _ => "the storefront failed to handle this request".to_owned(),
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
