//! The service's one error table: status, code and field of every
//! [`AppError`]; the edge renders it.

use axum::http::StatusCode;
use golmok_runtime::edge::{Failure, Problem, Row};

use crate::app::AppError;
use crate::domain::creator::CreatorError;
use crate::domain::studio::{BookingError, StudioError};
use crate::domain::webhook::WebhookError;

/// How partners read this service's name.
const SERVICE: &str = "the creator-media service";

impl Problem for AppError {
    fn row(&self) -> Row {
        match self {
            AppError::Creator(error) => {
                Row::new(creator_status(error), error.code()).field(error.field())
            }
            AppError::Handle(error) => Row::new(StatusCode::BAD_REQUEST, error.code()).at("handle"),
            AppError::HandleTaken(error) => {
                Row::new(StatusCode::CONFLICT, error.code()).at("handle")
            }
            AppError::Studio(StudioError::AlreadyExists) => {
                Row::new(StatusCode::CONFLICT, "STUDIO_EXISTS")
            }
            AppError::Studio(error) => {
                Row::new(StatusCode::BAD_REQUEST, error.code()).field(error.field())
            }
            AppError::StudioNotFound => Row::new(StatusCode::NOT_FOUND, "STUDIO_NOT_FOUND"),
            AppError::Booking(error) => {
                Row::new(booking_status(error), error.code()).field(error.field())
            }
            AppError::Webhook(error) => {
                Row::new(webhook_status(error), error.code()).field(error.field())
            }
            AppError::TieInNotFound => {
                Row::new(StatusCode::NOT_FOUND, "TIE_IN_NOT_FOUND").at("tieIn")
            }
            AppError::FeedCursorInvalid => {
                Row::new(StatusCode::BAD_REQUEST, "INVALID_CURSOR").at("after")
            }
            AppError::WebhookDisabled => Row::new(StatusCode::CONFLICT, "WEBHOOK_DISABLED"),
            AppError::Forbidden => Failure::Forbidden.row(SERVICE),
            AppError::Fault(fault) => Failure::of(fault).row(SERVICE),
        }
    }
}

fn creator_status(error: &CreatorError) -> StatusCode {
    match error {
        CreatorError::NotFound => StatusCode::NOT_FOUND,
        CreatorError::AlreadyRegistered => StatusCode::CONFLICT,
        CreatorError::Text { .. }
        | CreatorError::Empty { .. }
        | CreatorError::TooMany { .. }
        | CreatorError::Duplicate { .. }
        | CreatorError::UrlInvalid { .. }
        | CreatorError::AudienceOutOfRange { .. }
        | CreatorError::LanguageInvalid { .. }
        | CreatorError::NothingToChange => StatusCode::BAD_REQUEST,
    }
}

fn booking_status(error: &BookingError) -> StatusCode {
    match error {
        BookingError::SlotMisaligned | BookingError::SlotOutOfRange => StatusCode::BAD_REQUEST,
        BookingError::SlotInPast => StatusCode::UNPROCESSABLE_ENTITY,
        BookingError::SlotTaken { .. }
        | BookingError::BookingExists
        | BookingError::AlreadyCancelled => StatusCode::CONFLICT,
        BookingError::BookingNotFound => StatusCode::NOT_FOUND,
    }
}

fn webhook_status(error: &WebhookError) -> StatusCode {
    match error {
        WebhookError::UrlInvalid(_) | WebhookError::Description(_) => StatusCode::BAD_REQUEST,
        WebhookError::NotFound => StatusCode::NOT_FOUND,
        WebhookError::AlreadyExists => StatusCode::CONFLICT,
    }
}
