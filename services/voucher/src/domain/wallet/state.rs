use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::Decline;
use crate::domain::{Won, YearMonth, seoul_date};

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

    /// Still needed by decisions on Seoul day `day`: an open hold, or a
    /// redemption settled (captured, voided, …) on `day` or later, since a
    /// capture can be refunded on its own business day only.
    pub fn live_on(&self, day: NaiveDate) -> bool {
        match self.status {
            RedemptionStatus::Held { .. } => true,
            RedemptionStatus::Captured { at } => seoul_date(at) >= day,
            _ => seoul_date(self.at) >= day,
        }
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
    /// The redemptions decisions still need (see [`Redemption::live_on`]):
    /// once the wallet's events reach a later Seoul day, older settled
    /// redemptions are let go, so the state stays bounded however long the
    /// history. They stay in the wallet's history read model, and a command
    /// about one is decided with it recalled (`WalletCommand::Recalled`).
    /// Filed and settled through [`WalletState::file`] and
    /// [`WalletState::settle`], which keep the index of open holds.
    pub redemptions: BTreeMap<Uuid, Redemption>,
    /// The ids of the open holds among `redemptions`: what is reserved is
    /// summed over these alone, so a payment's decision costs what the open
    /// holds number, not what the day's redemptions number.
    open: BTreeSet<Uuid>,
    pub expired: Won,
    /// The Seoul day of the latest event.
    pub day: Option<NaiveDate>,
}

impl WalletState {
    /// What open holds reserve at `at`; a hold whose time is up reserves
    /// nothing. Each hold was at most the balance available when placed, so
    /// the sum fits; it saturates rather than wrap if the log says otherwise.
    pub fn held_at(&self, at: DateTime<Utc>) -> Won {
        Won(self
            .open_holds()
            .filter(|(_, r)| r.holds_at(at))
            .fold(0i64, |sum, (_, r)| sum.saturating_add(r.amount.0)))
    }

    /// What can be spent or refunded at `at`.
    pub fn available_at(&self, at: DateTime<Utc>) -> Won {
        Won(self.balance.0.saturating_sub(self.held_at(at).0))
    }

    /// Lets go of the redemptions no decision on `day` needs, when `day` is
    /// later than the latest event's.
    pub fn move_to(&mut self, day: NaiveDate) {
        if self.day.is_some_and(|latest| latest >= day) {
            return;
        }
        self.day = Some(day);
        self.redemptions.retain(|_, r| r.live_on(day));
    }

    /// Holds not yet captured, voided or released, whatever their time, in
    /// the order of their ids.
    pub fn open_holds(&self) -> impl Iterator<Item = (&Uuid, &Redemption)> {
        self.open
            .iter()
            .filter_map(|id| self.redemptions.get_key_value(id))
    }

    /// Files `redemption` under `id` (replacing what was filed there).
    pub fn file(&mut self, id: Uuid, redemption: Redemption) {
        self.index(id, &redemption.status);
        self.redemptions.insert(id, redemption);
    }

    /// The redemption `id`, if kept, now has `status`.
    pub fn settle(&mut self, id: Uuid, status: RedemptionStatus) {
        if let Some(redemption) = self.redemptions.get_mut(&id) {
            redemption.status = status;
            self.index(id, &status);
        }
    }

    fn index(&mut self, id: Uuid, status: &RedemptionStatus) {
        if matches!(status, RedemptionStatus::Held { .. }) {
            self.open.insert(id);
        } else {
            self.open.remove(&id);
        }
    }
}
