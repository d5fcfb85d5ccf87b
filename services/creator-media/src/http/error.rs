//! The service's one error table: status, code and field of every
//! [`AppError`]; the edge renders it.

use axum::http::StatusCode;
use golmok_runtime::edge::{Failure, Problem, Row};

use crate::app::AppError;
use crate::domain::collaboration::CollaborationError;
use crate::domain::creator::CreatorError;
use crate::domain::studio::{BookingError, StudioError};

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
            AppError::Collaboration(error) => {
                Row::new(collaboration_status(error), error.code()).field(error.field())
            }
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

fn collaboration_status(error: &CollaborationError) -> StatusCode {
    match error {
        CollaborationError::NotFound | CollaborationError::EntryNotFound => StatusCode::NOT_FOUND,
        CollaborationError::AlreadyExists
        | CollaborationError::NotProposed
        | CollaborationError::NotActive
        | CollaborationError::NotDue
        | CollaborationError::EntryCompleted => StatusCode::CONFLICT,
        CollaborationError::NotTheCounterparty
        | CollaborationError::ScopeMissing
        | CollaborationError::ProductNotCovered => StatusCode::FORBIDDEN,
        CollaborationError::PriceBelowFloor { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        CollaborationError::CommissionOutOfRange { .. }
        | CollaborationError::RevenueShareOutOfRange
        | CollaborationError::ValidityInvalid
        | CollaborationError::RespondByInvalid
        | CollaborationError::TooManyProducts { .. }
        | CollaborationError::DuplicateProduct { .. }
        | CollaborationError::ProductNotListed
        | CollaborationError::DelegationRequired
        | CollaborationError::DelegationUnexpected
        | CollaborationError::ScopeUnknown(_)
        | CollaborationError::PriceFloorInvalid
        | CollaborationError::Summary(_) => StatusCode::BAD_REQUEST,
    }
}
