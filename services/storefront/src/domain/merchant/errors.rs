use super::{HeritageBadge, OnboardingStatus};
use crate::domain::TextProblem;

/// Why the merchant aggregate refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerchantError {
    #[error("no merchant is registered under this id")]
    NotFound,
    #[error("the merchant is already registered")]
    AlreadyRegistered,
    #[error("this merchant id belongs to an abandoned registration")]
    RegistrationAbandoned,
    #[error("{field} {problem}")]
    Text {
        field: &'static str,
        problem: TextProblem,
    },
    #[error("the founding date lies in the future")]
    FoundedInFuture,
    #[error("the founding date must not be before {earliest}")]
    FoundedTooEarly { earliest: chrono::NaiveDate },
    #[error("the merchant is already suspended")]
    AlreadySuspended,
    #[error("the merchant is not suspended")]
    NotSuspended,
    #[error("the merchant is suspended")]
    Suspended,
    #[error("{badge:?} requires {required} years in business; the merchant has {years}")]
    HeritageTooYoung {
        badge: HeritageBadge,
        years: u32,
        required: u32,
    },
    #[error("명문소공인 is only for manufacturers (소공인)")]
    HeritageRequiresManufacturer,
    #[error("a heritage application is already waiting for a decision")]
    HeritagePending,
    #[error("the merchant already holds an approved heritage badge")]
    HeritageAlreadyApproved,
    #[error("there is no heritage application waiting for a decision")]
    NoPendingHeritage,
    #[error("{field} must be between 0 and 100")]
    ScoreOutOfRange { field: &'static str },
    #[error("an onboarding to this channel and market is already open")]
    OnboardingAlreadyOpen,
    #[error("no channel onboarding request with this id")]
    OnboardingNotFound,
    #[error("a channel onboarding cannot go from {from:?} to {to:?}")]
    OnboardingTransition {
        from: OnboardingStatus,
        to: OnboardingStatus,
    },
}

impl MerchantError {
    /// Stable code for partners.
    pub fn code(&self) -> &'static str {
        match self {
            MerchantError::NotFound => "MERCHANT_NOT_FOUND",
            MerchantError::AlreadyRegistered => "MERCHANT_ALREADY_REGISTERED",
            MerchantError::RegistrationAbandoned => "MERCHANT_REGISTRATION_ABANDONED",
            MerchantError::Text { problem, .. } => problem.code(),
            MerchantError::FoundedInFuture => "FOUNDED_IN_FUTURE",
            MerchantError::FoundedTooEarly { .. } => "FOUNDED_ON_OUT_OF_RANGE",
            MerchantError::AlreadySuspended => "MERCHANT_ALREADY_SUSPENDED",
            MerchantError::NotSuspended => "MERCHANT_NOT_SUSPENDED",
            MerchantError::Suspended => "MERCHANT_SUSPENDED",
            MerchantError::HeritageTooYoung { .. } => "HERITAGE_TOO_YOUNG",
            MerchantError::HeritageRequiresManufacturer => "HERITAGE_REQUIRES_MANUFACTURER",
            MerchantError::HeritagePending => "HERITAGE_APPLICATION_PENDING",
            MerchantError::HeritageAlreadyApproved => "HERITAGE_ALREADY_APPROVED",
            MerchantError::NoPendingHeritage => "NO_PENDING_HERITAGE_APPLICATION",
            MerchantError::ScoreOutOfRange { .. } => "SCORE_OUT_OF_RANGE",
            MerchantError::OnboardingAlreadyOpen => "ONBOARDING_ALREADY_OPEN",
            MerchantError::OnboardingNotFound => "ONBOARDING_NOT_FOUND",
            MerchantError::OnboardingTransition { .. } => "ONBOARDING_TRANSITION_NOT_ALLOWED",
        }
    }

    /// The command field at fault, as named on the API.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            MerchantError::Text { field, .. } | MerchantError::ScoreOutOfRange { field } => {
                Some(field)
            }
            MerchantError::FoundedInFuture | MerchantError::FoundedTooEarly { .. } => {
                Some("foundedOn")
            }
            MerchantError::HeritageTooYoung { .. }
            | MerchantError::HeritageRequiresManufacturer => Some("badge"),
            MerchantError::OnboardingTransition { .. } => Some("status"),
            _ => None,
        }
    }
}
