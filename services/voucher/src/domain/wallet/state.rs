use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Decline;
use crate::domain::{Won, YearMonth};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletInfo {
    pub wallet_id: Uuid,
    pub programme_id: Uuid,
    pub owner: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    pub face: Won,
    pub discount: Won,
    pub paid: Won,
    pub at: DateTime<Utc>,
    pub refunded: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedemptionStatus {
    Held { expires_at: DateTime<Utc> },
    Captured { at: DateTime<Utc> },
    Voided,
    TimedOut,
    Declined(Decline),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    pub merchant_id: Uuid,
    pub amount: Won,
    pub status: RedemptionStatus,
    /// Given back to the wallet by the merchant after capture.
    pub refunded: Won,
    pub at: DateTime<Utc>,
}

impl Redemption {
    /// The hold still reserves its amount at `at`.
    pub fn holds_at(&self, at: DateTime<Utc>) -> bool {
        matches!(self.status, RedemptionStatus::Held { expires_at } if at < expires_at)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalletState {
    pub wallet: Option<WalletInfo>,
    /// Face value in the wallet, including what open holds reserve.
    pub balance: Won,
    pub purchases: BTreeMap<Uuid, Purchase>,
    /// Face value bought per month (Asia/Seoul), for the per-person cap.
    pub purchased_in: BTreeMap<YearMonth, Won>,
    pub redemptions: BTreeMap<Uuid, Redemption>,
    pub expired: Won,
}

impl WalletState {
    /// What open holds reserve at `at`; a hold whose time is up reserves
    /// nothing. Each hold was at most the balance available when placed, so
    /// the sum fits; it saturates rather than wrap if the log says otherwise.
    pub fn held_at(&self, at: DateTime<Utc>) -> Won {
        Won(self
            .redemptions
            .values()
            .filter(|r| r.holds_at(at))
            .fold(0i64, |sum, r| sum.saturating_add(r.amount.0)))
    }

    /// What can be spent or refunded at `at`.
    pub fn available_at(&self, at: DateTime<Utc>) -> Won {
        Won(self.balance.0.saturating_sub(self.held_at(at).0))
    }

    /// Holds not yet captured, voided or released, whatever their time.
    pub fn open_holds(&self) -> impl Iterator<Item = (&Uuid, &Redemption)> {
        self.redemptions
            .iter()
            .filter(|(_, r)| matches!(r.status, RedemptionStatus::Held { .. }))
    }
}
