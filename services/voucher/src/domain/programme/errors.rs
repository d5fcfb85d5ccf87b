use crate::domain::Won;

/// Why the programme aggregate refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgrammeError {
    #[error("no programme with this id")]
    NotFound,
    #[error("a programme with this id already exists")]
    AlreadyExists,
    #[error("{field} must not be blank, at most {max} characters, and free of control characters")]
    Text { field: &'static str, max: usize },
    #[error("{field} needs at least one entry")]
    Empty { field: &'static str },
    #[error("face values must be more than 0 won")]
    FaceValueNotPositive,
    #[error("{field} must be between 0 and {max} basis points")]
    RateOutOfRange { field: &'static str, max: u32 },
    #[error("{field} must be at most {} won", max.0)]
    AmountTooLarge { field: &'static str, max: Won },
    #[error("the monthly cap must be more than 0 won")]
    CapNotPositive,
    #[error("the budget must be more than 0 won")]
    BudgetNotPositive,
    #[error("the validity period ends before it starts")]
    ValidityReversed,
    #[error("the subsidy budget has {remaining:?} left")]
    BudgetExhausted { remaining: Won },
}

impl ProgrammeError {
    /// Stable code for partners.
    pub fn code(&self) -> &'static str {
        match self {
            ProgrammeError::NotFound => "PROGRAMME_NOT_FOUND",
            ProgrammeError::AlreadyExists => "PROGRAMME_ALREADY_EXISTS",
            ProgrammeError::Text { .. } => "INVALID_TEXT",
            ProgrammeError::Empty { .. } => "FIELD_REQUIRED",
            ProgrammeError::FaceValueNotPositive => "FACE_VALUE_NOT_POSITIVE",
            ProgrammeError::RateOutOfRange { .. } => "RATE_OUT_OF_RANGE",
            ProgrammeError::AmountTooLarge { .. } => "AMOUNT_TOO_LARGE",
            ProgrammeError::CapNotPositive => "CAP_NOT_POSITIVE",
            ProgrammeError::BudgetNotPositive => "BUDGET_NOT_POSITIVE",
            ProgrammeError::ValidityReversed => "VALIDITY_REVERSED",
            ProgrammeError::BudgetExhausted { .. } => "SUBSIDY_BUDGET_EXHAUSTED",
        }
    }

    /// The field at fault, as named on the API.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ProgrammeError::Text { field, .. }
            | ProgrammeError::Empty { field }
            | ProgrammeError::RateOutOfRange { field, .. }
            | ProgrammeError::AmountTooLarge { field, .. } => Some(field),
            ProgrammeError::FaceValueNotPositive => Some("faceValues"),
            ProgrammeError::CapNotPositive => Some("monthlyCap"),
            ProgrammeError::BudgetNotPositive => Some("budget"),
            ProgrammeError::ValidityReversed => Some("validUntil"),
            _ => None,
        }
    }
}
