//! The service's one error table: status, code and field of every
//! [`AppError`]; the edge renders it.

use axum::http::StatusCode;
use golmok_runtime::edge::{Failure, Problem, Row};

use crate::app::AppError;
use crate::domain::collaboration::CollaborationError;
use crate::domain::commission::CommissionError;
use crate::domain::creator::CreatorError;
use crate::domain::live::LiveError;
use crate::domain::promotion::PromotionError;
use crate::domain::studio::{BookingError, StudioError};
use crate::domain::tie_in::TieInError;
use crate::domain::training::CohortError;
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
            AppError::Cohort(error) => {
                Row::new(cohort_status(error), error.code()).field(error.field())
            }
            AppError::Live(error) => {
                Row::new(live_status(error), error.code()).field(error.field())
            }
            AppError::Video(error) => {
                Row::new(super::videos::status(error), error.code()).field(error.field())
            }
            AppError::MerchantNotFound => Row::new(StatusCode::NOT_FOUND, "MERCHANT_NOT_FOUND"),
            AppError::MerchantSuspended => Row::new(StatusCode::CONFLICT, "MERCHANT_SUSPENDED"),
            AppError::TieIn(error) => {
                Row::new(tie_in_status(error), error.code()).field(error.field())
            }
            AppError::Promotion(error) => {
                Row::new(promotion_status(error), error.code()).field(error.field())
            }
            AppError::Collaboration(error) => {
                Row::new(collaboration_status(error), error.code()).field(error.field())
            }
            AppError::Webhook(error) => {
                Row::new(webhook_status(error), error.code()).field(error.field())
            }
            AppError::Commission(error) => Row::new(commission_status(error), error.code()),
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

fn live_status(error: &LiveError) -> StatusCode {
    match error {
        LiveError::NotFound => StatusCode::NOT_FOUND,
        LiveError::AlreadyScheduled | LiveError::NotScheduled(_) | LiveError::NotLive(_) => {
            StatusCode::CONFLICT
        }
        LiveError::Text { .. }
        | LiveError::ProductCount
        | LiveError::DuplicateProduct
        | LiveError::LivePriceInvalid
        | LiveError::StartOutOfRange
        | LiveError::ProductNotTagged => StatusCode::BAD_REQUEST,
    }
}

fn cohort_status(error: &CohortError) -> StatusCode {
    match error {
        CohortError::NotFound => StatusCode::NOT_FOUND,
        CohortError::AlreadyOpened | CohortError::Full | CohortError::Completed => {
            StatusCode::CONFLICT
        }
        CohortError::Text { .. }
        | CohortError::SessionsInvalid
        | CohortError::CapacityInvalid
        | CohortError::PassMarkInvalid
        | CohortError::NotEnrolled
        | CohortError::SessionNotFound => StatusCode::BAD_REQUEST,
    }
}

fn tie_in_status(error: &TieInError) -> StatusCode {
    match error {
        TieInError::NotFound => StatusCode::NOT_FOUND,
        TieInError::AlreadyExists => StatusCode::CONFLICT,
        TieInError::Text { .. } | TieInError::TooMany { .. } | TieInError::PeriodInvalid => {
            StatusCode::BAD_REQUEST
        }
    }
}

fn promotion_status(error: &PromotionError) -> StatusCode {
    match error {
        PromotionError::NotFound => StatusCode::NOT_FOUND,
        PromotionError::AlreadyExists | PromotionError::NotLive | PromotionError::NotEnded => {
            StatusCode::CONFLICT
        }
        PromotionError::Text { .. }
        | PromotionError::Empty { .. }
        | PromotionError::TooMany { .. }
        | PromotionError::Duplicate { .. }
        | PromotionError::OfferInvalid
        | PromotionError::PeriodInvalid
        | PromotionError::EndsInPast => StatusCode::BAD_REQUEST,
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

fn webhook_status(error: &WebhookError) -> StatusCode {
    match error {
        WebhookError::UrlInvalid(_) | WebhookError::Description(_) => StatusCode::BAD_REQUEST,
        WebhookError::NotFound => StatusCode::NOT_FOUND,
        WebhookError::AlreadyExists => StatusCode::CONFLICT,
    }
}

fn commission_status(error: &CommissionError) -> StatusCode {
    match error {
        CommissionError::NotFound => StatusCode::NOT_FOUND,
        CommissionError::NothingToPayOut
        | CommissionError::PayoutExists
        | CommissionError::NotDue => StatusCode::CONFLICT,
        CommissionError::LinesEmpty
        | CommissionError::RateInvalid
        | CommissionError::AmountInvalid
        | CommissionError::AmountTooLarge => StatusCode::BAD_REQUEST,
    }
}
