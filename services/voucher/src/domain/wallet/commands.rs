use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Redemption, WalletSubject};
use crate::domain::Won;
use crate::domain::programme::{MerchantFacts, Terms};

/// A discounted purchase of one voucher of `face` value.
#[derive(Debug, Clone)]
pub struct PurchaseRequest {
    pub purchase_id: Uuid,
    pub wallet_id: Uuid,
    /// The citizen's subject.
    pub owner: String,
    pub terms: Terms,
    pub face: Won,
    pub at: DateTime<Utc>,
}

/// A redemption at a merchant, held or paid at once.
#[derive(Debug, Clone)]
pub struct RedemptionRequest {
    pub redemption_id: Uuid,
    pub merchant: MerchantFacts,
    pub amount: Won,
    pub terms: Terms,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub enum WalletCommand {
    Purchase(PurchaseRequest),
    RefundPurchase {
        purchase_id: Uuid,
        terms: Terms,
        at: DateTime<Utc>,
    },
    /// Reserve the amount until `expires_at`; a capture before then takes it.
    Hold {
        request: RedemptionRequest,
        expires_at: DateTime<Utc>,
    },
    /// Redeem in one step.
    Pay(RedemptionRequest),
    Capture {
        redemption_id: Uuid,
        at: DateTime<Utc>,
    },
    Void {
        redemption_id: Uuid,
        at: DateTime<Utc>,
    },
    /// The merchant gives back part or all of a captured redemption, on the
    /// business day of its capture (before the day's settlement batch).
    RefundRedemption {
        redemption_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    /// `command`, about a redemption the state has let go (see
    /// `WalletState::redemptions`), decided with the redemption as the
    /// wallet's history recalls it; a redemption still in the state wins.
    Recalled {
        redemption_id: Uuid,
        redemption: Redemption,
        command: Box<WalletCommand>,
    },
    /// Release every hold whose time is up.
    ReleaseTimedOutHolds {
        at: DateTime<Utc>,
    },
    /// After the validity period: release open holds and expire the balance.
    Expire {
        terms: Terms,
        at: DateTime<Utc>,
    },
}

impl WalletCommand {
    /// What the command is about.
    pub fn subject(&self) -> WalletSubject {
        match self {
            WalletCommand::Purchase(request) => WalletSubject::Purchase(request.purchase_id),
            WalletCommand::RefundPurchase { purchase_id, .. } => {
                WalletSubject::Purchase(*purchase_id)
            }
            WalletCommand::Hold { request, .. } | WalletCommand::Pay(request) => {
                WalletSubject::Redemption(request.redemption_id)
            }
            WalletCommand::Capture { redemption_id, .. }
            | WalletCommand::Void { redemption_id, .. }
            | WalletCommand::RefundRedemption { redemption_id, .. } => {
                WalletSubject::Redemption(*redemption_id)
            }
            WalletCommand::Recalled { command, .. } => command.subject(),
            WalletCommand::ReleaseTimedOutHolds { .. } | WalletCommand::Expire { .. } => {
                WalletSubject::Wallet
            }
        }
    }
}
