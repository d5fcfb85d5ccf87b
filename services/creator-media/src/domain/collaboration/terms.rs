use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::domain::{Refusal, TextRule};

/// An audit entry's summary: one line.
pub const SUMMARY: TextRule = TextRule { max: 200 };

/// How long the other party has to answer a proposal, unless it says otherwise.
pub const RESPOND_WITHIN: TimeDelta = TimeDelta::days(7);

/// The most products one collaboration names.
const MAX_PRODUCTS: usize = 100;
/// A whole: 100 % in basis points.
const FULL_BPS: u32 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Party {
    Merchant,
    Creator,
}

impl Party {
    pub fn other(self) -> Party {
        match self {
            Party::Merchant => Party::Creator,
            Party::Creator => Party::Merchant,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Promotion,
    DelegatedSelling,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    EditListings,
    ChangePrices,
    AdjustStock,
    PublishListings,
    RunLives,
}

/// What a creator does on the merchant's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionKind {
    CreateProduct,
    UpdateProduct,
    ChangePrice,
    AdjustStock,
    PublishProduct,
    UnpublishProduct,
    ScheduleLive,
    StartLive,
    PinLiveProduct,
    EndLive,
    CancelLive,
}

impl ActionKind {
    pub const ALL: [ActionKind; 11] = [
        ActionKind::CreateProduct,
        ActionKind::UpdateProduct,
        ActionKind::ChangePrice,
        ActionKind::AdjustStock,
        ActionKind::PublishProduct,
        ActionKind::UnpublishProduct,
        ActionKind::ScheduleLive,
        ActionKind::StartLive,
        ActionKind::PinLiveProduct,
        ActionKind::EndLive,
        ActionKind::CancelLive,
    ];

    /// The scope that allows it.
    pub fn scope(self) -> Scope {
        match self {
            ActionKind::CreateProduct | ActionKind::UpdateProduct => Scope::EditListings,
            ActionKind::ChangePrice => Scope::ChangePrices,
            ActionKind::AdjustStock => Scope::AdjustStock,
            ActionKind::PublishProduct | ActionKind::UnpublishProduct => Scope::PublishListings,
            ActionKind::ScheduleLive
            | ActionKind::StartLive
            | ActionKind::PinLiveProduct
            | ActionKind::EndLive
            | ActionKind::CancelLive => Scope::RunLives,
        }
    }
}

/// One action asked for: its kind, the product (none when creating one) and
/// the price it sets, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    pub product_id: Option<Uuid>,
    pub price: Option<i64>,
    pub summary: String,
}

/// The delegated-selling terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub scopes: BTreeSet<Scope>,
    /// Won: no price set for the merchant may be lower.
    pub price_floor: i64,
    pub revenue_share_bps: u32,
}

/// What the parties agree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// Storefront product ids; empty covers every product of the merchant.
    pub products: Vec<Uuid>,
    pub commission_bps: u32,
    pub product_commissions: BTreeMap<Uuid, u32>,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub mode: Mode,
    /// Exactly in the delegated-selling mode.
    pub delegation: Option<Delegation>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CollaborationError {
    #[error("no such collaboration")]
    NotFound,
    #[error("the collaboration exists already, with other terms")]
    AlreadyExists,
    #[error("the collaboration is not waiting for an answer")]
    NotProposed,
    #[error("the collaboration is not active")]
    NotActive,
    #[error("only the other party answers a proposal")]
    NotTheCounterparty,
    #[error("{field} is a rate from 0 to 10,000 basis points")]
    CommissionOutOfRange { field: &'static str },
    #[error("a revenue share is 0 to 10,000 basis points")]
    RevenueShareOutOfRange,
    #[error("a collaboration starts before it ends and ends in the future")]
    ValidityInvalid,
    #[error("the answer is due after the proposal and no later than the start")]
    RespondByInvalid,
    #[error("{field} names at most 100 products")]
    TooManyProducts { field: &'static str },
    #[error("{field} names a product twice")]
    DuplicateProduct { field: &'static str },
    #[error("a commission override names a product the collaboration does not cover")]
    ProductNotListed,
    #[error("delegated selling needs at least one scope, a price floor and a revenue share")]
    DelegationRequired,
    #[error("scopes, a price floor and a revenue share belong to delegated selling only")]
    DelegationUnexpected,
    #[error("unknown scope {0:?}")]
    ScopeUnknown(String),
    #[error("a price floor is zero or more won")]
    PriceFloorInvalid,
    #[error("the collaboration does not allow this action")]
    ScopeMissing,
    #[error("the collaboration does not cover this product")]
    ProductNotCovered,
    #[error("the price is below the collaboration's floor of {floor} won")]
    PriceBelowFloor { floor: i64 },
    #[error("the collaboration is not due to expire")]
    NotDue,
    #[error("the summary {0}")]
    Summary(Refusal),
    #[error("no such audit entry")]
    EntryNotFound,
    #[error("the audit entry already has another outcome")]
    EntryCompleted,
}

impl CollaborationError {
    pub fn code(&self) -> &'static str {
        match self {
            CollaborationError::NotFound => "COLLABORATION_NOT_FOUND",
            CollaborationError::AlreadyExists => "COLLABORATION_EXISTS",
            CollaborationError::NotProposed => "COLLABORATION_NOT_PROPOSED",
            CollaborationError::NotActive => "COLLABORATION_NOT_ACTIVE",
            CollaborationError::NotTheCounterparty => "NOT_THE_COUNTERPARTY",
            CollaborationError::CommissionOutOfRange { .. } => "COMMISSION_OUT_OF_RANGE",
            CollaborationError::RevenueShareOutOfRange => "REVENUE_SHARE_OUT_OF_RANGE",
            CollaborationError::ValidityInvalid => "VALIDITY_INVALID",
            CollaborationError::RespondByInvalid => "RESPOND_BY_INVALID",
            CollaborationError::TooManyProducts { .. } => "LIST_TOO_LONG",
            CollaborationError::DuplicateProduct { .. } => "DUPLICATE_ENTRY",
            CollaborationError::ProductNotListed => "PRODUCT_NOT_LISTED",
            CollaborationError::DelegationRequired => "DELEGATION_REQUIRED",
            CollaborationError::DelegationUnexpected => "DELEGATION_UNEXPECTED",
            CollaborationError::ScopeUnknown(_) => "SCOPE_UNKNOWN",
            CollaborationError::PriceFloorInvalid => "PRICE_FLOOR_INVALID",
            CollaborationError::ScopeMissing => "DELEGATION_SCOPE_MISSING",
            CollaborationError::ProductNotCovered => "PRODUCT_NOT_COVERED",
            CollaborationError::PriceBelowFloor { .. } => "PRICE_BELOW_FLOOR",
            CollaborationError::NotDue => "COLLABORATION_NOT_DUE",
            CollaborationError::Summary(refusal) => refusal.code(),
            CollaborationError::EntryNotFound => "AUDIT_ENTRY_NOT_FOUND",
            CollaborationError::EntryCompleted => "AUDIT_ENTRY_COMPLETED",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            CollaborationError::CommissionOutOfRange { field }
            | CollaborationError::TooManyProducts { field }
            | CollaborationError::DuplicateProduct { field } => Some(field),
            CollaborationError::RevenueShareOutOfRange => Some("revenueShareBps"),
            CollaborationError::ValidityInvalid => Some("ends"),
            CollaborationError::RespondByInvalid => Some("respondBy"),
            CollaborationError::ProductNotListed => Some("productCommissions"),
            CollaborationError::DelegationRequired | CollaborationError::ScopeUnknown(_) => {
                Some("scopes")
            }
            CollaborationError::DelegationUnexpected => Some("mode"),
            CollaborationError::PriceFloorInvalid => Some("priceFloor"),
            CollaborationError::PriceBelowFloor { .. } => Some("price"),
            CollaborationError::Summary(_) => Some("summary"),
            CollaborationError::NotFound
            | CollaborationError::AlreadyExists
            | CollaborationError::NotProposed
            | CollaborationError::NotActive
            | CollaborationError::NotTheCounterparty
            | CollaborationError::ScopeMissing
            | CollaborationError::ProductNotCovered
            | CollaborationError::NotDue
            | CollaborationError::EntryNotFound
            | CollaborationError::EntryCompleted => None,
        }
    }
}

impl Scope {
    /// A scope by its API name (`EDIT_LISTINGS`).
    pub fn parse(name: &str) -> Result<Scope, CollaborationError> {
        match name {
            "EDIT_LISTINGS" => Ok(Scope::EditListings),
            "CHANGE_PRICES" => Ok(Scope::ChangePrices),
            "ADJUST_STOCK" => Ok(Scope::AdjustStock),
            "PUBLISH_LISTINGS" => Ok(Scope::PublishListings),
            "RUN_LIVES" => Ok(Scope::RunLives),
            other => Err(CollaborationError::ScopeUnknown(other.to_owned())),
        }
    }
}

fn rate(bps: u32, field: &'static str) -> Result<(), CollaborationError> {
    if bps <= FULL_BPS {
        Ok(())
    } else {
        Err(CollaborationError::CommissionOutOfRange { field })
    }
}

impl Terms {
    /// Checks terms proposed at `now`: rates within 0..=10,000 bps, starts
    /// before ends and ends in the future, at most 100 distinct products,
    /// overrides only for covered products, delegation terms exactly in the
    /// delegated-selling mode.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), CollaborationError> {
        rate(self.commission_bps, "commissionBps")?;
        for bps in self.product_commissions.values() {
            rate(*bps, "productCommissions")?;
        }
        if self.starts >= self.ends || self.ends <= now {
            return Err(CollaborationError::ValidityInvalid);
        }
        if self.products.len() > MAX_PRODUCTS {
            return Err(CollaborationError::TooManyProducts { field: "products" });
        }
        if self.product_commissions.len() > MAX_PRODUCTS {
            return Err(CollaborationError::TooManyProducts {
                field: "productCommissions",
            });
        }
        let distinct: BTreeSet<&Uuid> = self.products.iter().collect();
        if distinct.len() != self.products.len() {
            return Err(CollaborationError::DuplicateProduct { field: "products" });
        }
        if self
            .product_commissions
            .keys()
            .any(|product| !self.covers(*product))
        {
            return Err(CollaborationError::ProductNotListed);
        }
        match (self.mode, &self.delegation) {
            (Mode::Promotion, None) => Ok(()),
            (Mode::Promotion, Some(_)) => Err(CollaborationError::DelegationUnexpected),
            (Mode::DelegatedSelling, None) => Err(CollaborationError::DelegationRequired),
            (Mode::DelegatedSelling, Some(delegation)) => {
                if delegation.scopes.is_empty() {
                    Err(CollaborationError::DelegationRequired)
                } else if delegation.price_floor < 0 {
                    Err(CollaborationError::PriceFloorInvalid)
                } else if delegation.revenue_share_bps > FULL_BPS {
                    Err(CollaborationError::RevenueShareOutOfRange)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Whether the collaboration covers `product` (an empty list covers all).
    pub fn covers(&self, product: Uuid) -> bool {
        self.products.is_empty() || self.products.contains(&product)
    }

    /// Whether these terms let the creator take `action`: delegated selling
    /// with the action's scope, on a covered product (creating one needs a
    /// collaboration that covers every product), never a price below the
    /// floor. The one rule of delegated selling; whether the collaboration is
    /// active is the decider's.
    pub fn permits(&self, action: &Action) -> Result<(), CollaborationError> {
        let delegation = self
            .delegation
            .as_ref()
            .filter(|_| self.mode == Mode::DelegatedSelling)
            .ok_or(CollaborationError::ScopeMissing)?;
        if !delegation.scopes.contains(&action.kind.scope()) {
            return Err(CollaborationError::ScopeMissing);
        }
        let covered = match action.product_id {
            Some(product) => self.covers(product),
            None => self.products.is_empty(),
        };
        if !covered {
            return Err(CollaborationError::ProductNotCovered);
        }
        match action.price {
            Some(price) if price < delegation.price_floor => {
                Err(CollaborationError::PriceBelowFloor {
                    floor: delegation.price_floor,
                })
            }
            _ => Ok(()),
        }
    }
}
