use golmok_kernel::Fault;

use crate::domain::collaboration::CollaborationError;
use crate::domain::creator::{CreatorError, HandleMalformed, HandleTaken};
use crate::domain::promotion::PromotionError;
use crate::domain::studio::{BookingError, StudioError};
use crate::domain::tie_in::TieInError;
use crate::domain::webhook::WebhookError;

/// Why the creator-media service could not carry out a request: domain
/// rejections kept apart from storage failures.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Creator(#[from] CreatorError),
    #[error(transparent)]
    Handle(#[from] HandleMalformed),
    #[error(transparent)]
    HandleTaken(#[from] HandleTaken),
    #[error(transparent)]
    Studio(#[from] StudioError),
    #[error("no such studio")]
    StudioNotFound,
    #[error(transparent)]
    Booking(#[from] BookingError),
    #[error(transparent)]
    Cohort(#[from] crate::domain::training::CohortError),
    #[error(transparent)]
    Live(#[from] crate::domain::live::LiveError),
    #[error(transparent)]
    Video(#[from] crate::domain::video::VideoError),
    #[error("no such merchant")]
    MerchantNotFound,
    #[error("the merchant is suspended")]
    MerchantSuspended,
    #[error(transparent)]
    TieIn(#[from] TieInError),
    #[error(transparent)]
    Promotion(#[from] PromotionError),
    #[error(transparent)]
    Collaboration(#[from] CollaborationError),
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    #[error(transparent)]
    Commission(#[from] crate::domain::commission::CommissionError),
    #[error("no such tie-in")]
    TieInNotFound,
    #[error("not a feed cursor")]
    FeedCursorInvalid,
    #[error("the webhook is disabled")]
    WebhookDisabled,
    #[error("the caller may not do this")]
    Forbidden,
    /// The machinery failed (storage, contention, a reused key, a damaged record).
    #[error(transparent)]
    Fault(#[from] Fault),
}

golmok_kernel::service_error!(AppError);
