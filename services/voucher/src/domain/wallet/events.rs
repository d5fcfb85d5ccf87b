use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::Won;
use crate::domain::programme::Ineligible;

/// Why a redemption was declined. A decline is recorded, so a retry with the
/// same idempotency key answers the same decline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decline {
    InsufficientBalance { available: Won },
    MerchantIneligible(Ineligible),
    OutsideValidity,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WalletEvent {
    Opened {
        wallet_id: Uuid,
        programme_id: Uuid,
        owner: String,
        at: DateTime<Utc>,
    },
    /// The citizen paid `paid`; the subsidy budget paid `discount`; the wallet holds `face` more.
    Purchased {
        purchase_id: Uuid,
        face: Won,
        discount: Won,
        paid: Won,
        at: DateTime<Utc>,
    },
    PurchaseRefunded {
        purchase_id: Uuid,
        face: Won,
        discount: Won,
        paid: Won,
        at: DateTime<Utc>,
    },
    HoldPlaced {
        redemption_id: Uuid,
        merchant_id: Uuid,
        amount: Won,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    HoldCaptured {
        redemption_id: Uuid,
        merchant_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    HoldVoided {
        redemption_id: Uuid,
        merchant_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    HoldTimedOut {
        redemption_id: Uuid,
        merchant_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    Paid {
        redemption_id: Uuid,
        merchant_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    RedemptionDeclined {
        redemption_id: Uuid,
        merchant_id: Uuid,
        amount: Won,
        reason: Decline,
        at: DateTime<Utc>,
    },
    RedemptionRefunded {
        redemption_id: Uuid,
        merchant_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    BalanceExpired {
        amount: Won,
        at: DateTime<Utc>,
    },
}

/// What a wallet event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalletSubject {
    Wallet,
    Purchase(Uuid),
    Redemption(Uuid),
}

impl WalletEvent {
    pub fn subject(&self) -> WalletSubject {
        match self {
            WalletEvent::Opened { .. } | WalletEvent::BalanceExpired { .. } => {
                WalletSubject::Wallet
            }
            WalletEvent::Purchased { purchase_id, .. }
            | WalletEvent::PurchaseRefunded { purchase_id, .. } => {
                WalletSubject::Purchase(*purchase_id)
            }
            WalletEvent::HoldPlaced { redemption_id, .. }
            | WalletEvent::HoldCaptured { redemption_id, .. }
            | WalletEvent::HoldVoided { redemption_id, .. }
            | WalletEvent::HoldTimedOut { redemption_id, .. }
            | WalletEvent::Paid { redemption_id, .. }
            | WalletEvent::RedemptionDeclined { redemption_id, .. }
            | WalletEvent::RedemptionRefunded { redemption_id, .. } => {
                WalletSubject::Redemption(*redemption_id)
            }
        }
    }

    pub fn at(&self) -> DateTime<Utc> {
        match self {
            WalletEvent::Opened { at, .. }
            | WalletEvent::Purchased { at, .. }
            | WalletEvent::PurchaseRefunded { at, .. }
            | WalletEvent::HoldPlaced { at, .. }
            | WalletEvent::HoldCaptured { at, .. }
            | WalletEvent::HoldVoided { at, .. }
            | WalletEvent::HoldTimedOut { at, .. }
            | WalletEvent::Paid { at, .. }
            | WalletEvent::RedemptionDeclined { at, .. }
            | WalletEvent::RedemptionRefunded { at, .. }
            | WalletEvent::BalanceExpired { at, .. } => *at,
        }
    }
}
