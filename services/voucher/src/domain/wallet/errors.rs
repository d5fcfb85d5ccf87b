use crate::domain::Won;

/// Why the wallet aggregate refused a command (nothing is recorded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    #[error("no wallet with this id")]
    NotFound,
    #[error("the amount must be more than 0 won")]
    AmountNotPositive,
    #[error("the programme does not offer this face value")]
    FaceValueNotOffered,
    #[error("the programme is not valid on this day")]
    ProgrammeNotValid,
    #[error("the programme is still valid; its balances expire after {0}")]
    NotYetExpired(chrono::NaiveDate),
    #[error(
        "this purchase would pass the monthly cap; {remaining:?} can still be bought this month"
    )]
    MonthlyCapExceeded { remaining: Won },
    #[error("no purchase with this id in the wallet")]
    PurchaseNotFound,
    #[error("a purchase with this id already exists")]
    PurchaseExists,
    #[error("the purchase was already refunded")]
    PurchaseAlreadyRefunded,
    #[error("the purchase is partly spent: only {available:?} is available")]
    PurchaseUsed { available: Won },
    #[error("no redemption with this id in the wallet")]
    RedemptionNotFound,
    #[error("a redemption with this id already exists")]
    RedemptionExists,
    #[error("the redemption is not an open hold")]
    NotHeld,
    #[error("the hold timed out")]
    HoldExpired,
    #[error("the redemption was not captured")]
    NotCaptured,
    #[error("the {field} would take the wallet's amounts beyond what can be represented")]
    AmountTooLarge { field: &'static str },
    #[error("a refund may not exceed the {refundable:?} still refundable")]
    RefundTooLarge { refundable: Won },
    #[error("a redemption can be refunded only on the business day of its capture")]
    RefundWindowClosed,
}

impl WalletError {
    /// Stable code for partners.
    pub fn code(&self) -> &'static str {
        match self {
            WalletError::NotFound => "WALLET_NOT_FOUND",
            WalletError::AmountNotPositive => "AMOUNT_NOT_POSITIVE",
            WalletError::FaceValueNotOffered => "FACE_VALUE_NOT_OFFERED",
            WalletError::ProgrammeNotValid => "PROGRAMME_NOT_VALID",
            WalletError::NotYetExpired(_) => "PROGRAMME_STILL_VALID",
            WalletError::MonthlyCapExceeded { .. } => "MONTHLY_CAP_EXCEEDED",
            WalletError::PurchaseNotFound => "PURCHASE_NOT_FOUND",
            WalletError::PurchaseExists => "PURCHASE_EXISTS",
            WalletError::PurchaseAlreadyRefunded => "PURCHASE_ALREADY_REFUNDED",
            WalletError::PurchaseUsed { .. } => "PURCHASE_USED",
            WalletError::RedemptionNotFound => "REDEMPTION_NOT_FOUND",
            WalletError::RedemptionExists => "REDEMPTION_EXISTS",
            WalletError::NotHeld => "REDEMPTION_NOT_HELD",
            WalletError::HoldExpired => "HOLD_EXPIRED",
            WalletError::NotCaptured => "REDEMPTION_NOT_CAPTURED",
            WalletError::AmountTooLarge { .. } => "AMOUNT_TOO_LARGE",
            WalletError::RefundTooLarge { .. } => "REFUND_TOO_LARGE",
            WalletError::RefundWindowClosed => "REFUND_WINDOW_CLOSED",
        }
    }

    /// The field at fault, as named on the API.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            WalletError::AmountNotPositive | WalletError::RefundTooLarge { .. } => Some("amount"),
            WalletError::FaceValueNotOffered | WalletError::MonthlyCapExceeded { .. } => {
                Some("faceValue")
            }
            WalletError::AmountTooLarge { field } => Some(field),
            _ => None,
        }
    }
}

impl super::Decline {
    /// Stable code for partners.
    pub fn code(&self) -> &'static str {
        use crate::domain::programme::Ineligible;
        match self {
            super::Decline::InsufficientBalance { .. } => "INSUFFICIENT_BALANCE",
            super::Decline::MerchantIneligible(Ineligible::OutsideRegion) => {
                "MERCHANT_OUTSIDE_REGION"
            }
            super::Decline::MerchantIneligible(Ineligible::CategoryNotEligible) => {
                "MERCHANT_CATEGORY_NOT_ELIGIBLE"
            }
            super::Decline::MerchantIneligible(Ineligible::Suspended) => "MERCHANT_SUSPENDED",
            super::Decline::OutsideValidity => "PROGRAMME_NOT_VALID",
        }
    }

    /// The decline of a `code`; an insufficient balance's figure is not in
    /// the code and comes back as zero (no decision reads it).
    pub fn from_code(code: &str) -> Option<super::Decline> {
        use crate::domain::programme::Ineligible;
        [
            super::Decline::InsufficientBalance {
                available: crate::domain::Won::ZERO,
            },
            super::Decline::MerchantIneligible(Ineligible::OutsideRegion),
            super::Decline::MerchantIneligible(Ineligible::CategoryNotEligible),
            super::Decline::MerchantIneligible(Ineligible::Suspended),
            super::Decline::OutsideValidity,
        ]
        .into_iter()
        .find(|decline| decline.code() == code)
    }
}

impl std::fmt::Display for super::Decline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::domain::programme::Ineligible;
        match self {
            super::Decline::InsufficientBalance { available } => {
                write!(f, "only {} won is available", available.0)
            }
            super::Decline::MerchantIneligible(Ineligible::OutsideRegion) => {
                f.write_str("the merchant is outside the programme's region")
            }
            super::Decline::MerchantIneligible(Ineligible::CategoryNotEligible) => {
                f.write_str("the merchant's category is not eligible")
            }
            super::Decline::MerchantIneligible(Ineligible::Suspended) => {
                f.write_str("the merchant is suspended")
            }
            super::Decline::OutsideValidity => f.write_str("the programme is not valid today"),
        }
    }
}
