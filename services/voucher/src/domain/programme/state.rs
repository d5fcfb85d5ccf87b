use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::domain::{Bps, Rounding, Won};

/// A merchant's annual revenue band, as registered in the storefront.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RevenueTier {
    Micro,
    Small,
    Medium,
}

/// The merchant fee per revenue tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeTiers {
    pub micro: Bps,
    pub small: Bps,
    pub medium: Bps,
}

impl FeeTiers {
    pub fn rate(&self, tier: RevenueTier) -> Bps {
        match tier {
            RevenueTier::Micro => self.micro,
            RevenueTier::Small => self.small,
            RevenueTier::Medium => self.medium,
        }
    }
}

/// A programme's terms, fixed when it is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub programme_id: Uuid,
    /// The issuing local government, e.g. `서울특별시 중구`.
    pub issuer: String,
    pub name: String,
    /// The region's name; `districts` are the storefront districts inside it.
    pub region: String,
    pub districts: BTreeSet<String>,
    /// The denominations a citizen can buy.
    pub face_values: BTreeSet<Won>,
    /// Discount on purchases, paid from the subsidy budget.
    pub discount: Bps,
    /// Face value one person may buy per calendar month (Asia/Seoul).
    pub monthly_cap: Won,
    /// First and last day (inclusive, Asia/Seoul) vouchers can be bought and spent.
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Merchant categories where the vouchers are accepted.
    pub categories: BTreeSet<String>,
    pub fees: FeeTiers,
    /// The subsidy budget discounts are paid from.
    pub budget: Won,
}

/// What the voucher service knows of a merchant from the storefront and its own cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantFacts {
    pub merchant_id: Uuid,
    pub district: String,
    pub category: String,
    pub revenue_tier: RevenueTier,
    pub registered_on: NaiveDate,
    /// Suspended in the storefront.
    pub suspended: bool,
    /// Suspended from accepting this programme's vouchers after a fraud case.
    pub voucher_suspended: bool,
}

/// Why a merchant may not accept a programme's vouchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    OutsideRegion,
    CategoryNotEligible,
    Suspended,
}

impl Terms {
    /// The subsidised part of a purchase of `face`, rounded down so the budget
    /// never pays a fraction of a won; `None` if it cannot be represented.
    pub fn discount_on(&self, face: Won) -> Option<Won> {
        self.discount.of(face, Rounding::Down)
    }

    /// Whether `date` (Asia/Seoul) lies in the validity period.
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && date <= self.valid_until
    }

    /// Whether `merchant` may accept these vouchers.
    pub fn admits(&self, merchant: &MerchantFacts) -> Result<(), Ineligible> {
        if merchant.suspended || merchant.voucher_suspended {
            Err(Ineligible::Suspended)
        } else if !self.districts.contains(&merchant.district) {
            Err(Ineligible::OutsideRegion)
        } else if !self.categories.contains(&merchant.category) {
            Err(Ineligible::CategoryNotEligible)
        } else {
            Ok(())
        }
    }
}

#[derive(Debug, Clone)]
pub enum ProgrammeCommand {
    Create {
        terms: Terms,
        at: DateTime<Utc>,
    },
    /// Reserve `amount` of the budget for the discount of `purchase_id`.
    CommitSubsidy {
        purchase_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    /// Give back the subsidy of a purchase that was refunded or never completed.
    ReleaseSubsidy {
        purchase_id: Uuid,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProgrammeEvent {
    Created {
        terms: Terms,
        at: DateTime<Utc>,
    },
    SubsidyCommitted {
        purchase_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    SubsidyReleased {
        purchase_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProgrammeState {
    pub terms: Option<Terms>,
    /// Subsidy committed to purchases that stand.
    pub committed: Won,
    pub commitments: BTreeMap<Uuid, Won>,
}

impl ProgrammeState {
    /// Budget not yet committed.
    pub fn remaining(&self) -> Won {
        self.terms.as_ref().map_or(Won::ZERO, |t| {
            Won(t.budget.0.saturating_sub(self.committed.0))
        })
    }
}
