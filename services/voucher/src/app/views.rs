//! What the API answers and the read models store: serde views of the domain.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::vocabulary::{CaseStatus, RedemptionStatus, RevenueTier, Rule};
use crate::domain::case::CaseEvent;
use crate::domain::ledger::{AccountId, Balance, Mode, Transfer};
use crate::domain::programme::{MerchantFacts, ProgrammeState};
use crate::domain::settlement::Batch;
use crate::domain::wallet::{self, Redemption, WalletState, WalletSubject};
use crate::domain::{Won, YearMonth, seoul_date};

/// Merchant fees per revenue tier, in basis points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeeTiersView {
    pub micro: u32,
    pub small: u32,
    pub medium: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeView {
    pub id: Uuid,
    pub issuer: String,
    pub name: String,
    pub region: String,
    pub districts: BTreeSet<String>,
    pub face_values: BTreeSet<i64>,
    pub discount_bps: u32,
    pub monthly_cap: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub categories: BTreeSet<String>,
    pub fee_tiers: FeeTiersView,
    /// Subsidy budget, committed to purchases, and what remains (whole won).
    pub budget: i64,
    pub budget_committed: i64,
    pub budget_remaining: i64,
}

impl ProgrammeView {
    /// The view of a created programme.
    pub fn new(state: &ProgrammeState) -> Option<Self> {
        let terms = state.terms.as_ref()?;
        Some(Self {
            id: terms.programme_id,
            issuer: terms.issuer.clone(),
            name: terms.name.clone(),
            region: terms.region.clone(),
            districts: terms.districts.clone(),
            face_values: terms.face_values.iter().map(|w| w.0).collect(),
            discount_bps: terms.discount.0,
            monthly_cap: terms.monthly_cap.0,
            valid_from: terms.valid_from,
            valid_until: terms.valid_until,
            categories: terms.categories.clone(),
            fee_tiers: FeeTiersView {
                micro: terms.fees.micro.0,
                small: terms.fees.small.0,
                medium: terms.fees.medium.0,
            },
            budget: terms.budget.0,
            budget_committed: state.committed.0,
            budget_remaining: state.remaining().0,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseView {
    pub id: Uuid,
    pub face: i64,
    pub discount: i64,
    pub paid: i64,
    pub at: DateTime<Utc>,
    pub refunded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedemptionView {
    pub id: Uuid,
    pub wallet_id: Uuid,
    pub programme_id: Uuid,
    pub merchant_id: Uuid,
    pub amount: i64,
    pub status: RedemptionStatus,
    /// Given back by the merchant after capture.
    pub refunded: i64,
    /// Set when declined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
    /// Set while held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

impl RedemptionView {
    pub fn new(id: Uuid, wallet_id: Uuid, programme_id: Uuid, redemption: &Redemption) -> Self {
        let (status, decline_code, expires_at, captured_at) = match redemption.status {
            wallet::RedemptionStatus::Held { expires_at } => {
                (RedemptionStatus::Held, None, Some(expires_at), None)
            }
            wallet::RedemptionStatus::Captured { at } => {
                (RedemptionStatus::Captured, None, None, Some(at))
            }
            wallet::RedemptionStatus::Voided => (RedemptionStatus::Voided, None, None, None),
            wallet::RedemptionStatus::TimedOut => (RedemptionStatus::TimedOut, None, None, None),
            wallet::RedemptionStatus::Declined(reason) => (
                RedemptionStatus::Declined,
                Some(reason.code().to_owned()),
                None,
                None,
            ),
        };
        Self {
            id,
            wallet_id,
            programme_id,
            merchant_id: redemption.merchant_id,
            amount: redemption.amount.0,
            status,
            refunded: redemption.refunded.0,
            decline_code,
            expires_at,
            captured_at,
            at: redemption.at,
        }
    }
}

/// A wallet as of an instant (holds whose time is up reserve nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletView {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub owner: String,
    /// Face value in the wallet, open holds included (whole won).
    pub balance: i64,
    pub held: i64,
    pub available: i64,
    pub expired: i64,
    /// Face value bought in the current month (Asia/Seoul).
    pub purchased_this_month: i64,
    pub purchases: Vec<PurchaseView>,
    pub redemptions: Vec<RedemptionView>,
    pub as_of: DateTime<Utc>,
}

impl WalletView {
    pub fn new(state: &WalletState, at: DateTime<Utc>) -> Option<Self> {
        let info = state.wallet.as_ref()?;
        let month = YearMonth::of(seoul_date(at));
        Some(Self {
            id: info.wallet_id,
            programme_id: info.programme_id,
            owner: info.owner.clone(),
            balance: state.balance.0,
            held: state.held_at(at).0,
            available: state.available_at(at).0,
            expired: state.expired.0,
            purchased_this_month: state
                .purchased_in
                .get(&month)
                .copied()
                .unwrap_or_default()
                .0,
            purchases: state
                .purchases
                .iter()
                .map(|(id, p)| PurchaseView {
                    id: *id,
                    face: p.face.0,
                    discount: p.discount.0,
                    paid: p.paid.0,
                    at: p.at,
                    refunded: p.refunded,
                })
                .collect(),
            redemptions: state
                .redemptions
                .iter()
                .map(|(id, r)| RedemptionView::new(*id, info.wallet_id, info.programme_id, r))
                .collect(),
            as_of: at,
        })
    }
}

/// The answer of a wallet command: the wallet and what the command was about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletReply {
    pub wallet: WalletView,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase: Option<PurchaseView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redemption: Option<RedemptionView>,
}

impl WalletReply {
    pub fn new(state: &WalletState, subject: WalletSubject, at: DateTime<Utc>) -> Option<Self> {
        let wallet = WalletView::new(state, at)?;
        let purchase = match subject {
            WalletSubject::Purchase(id) => wallet.purchases.iter().find(|p| p.id == id).cloned(),
            _ => None,
        };
        let redemption = match subject {
            WalletSubject::Redemption(id) => {
                wallet.redemptions.iter().find(|r| r.id == id).cloned()
            }
            _ => None,
        };
        Some(Self {
            wallet,
            purchase,
            redemption,
        })
    }
}

/// A wallet in its programme's list (for expiry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletSummary {
    pub id: Uuid,
    pub owner: String,
    pub balance: i64,
}

/// A hold awaiting capture, void or time-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenHold {
    pub wallet_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// A captured redemption not yet in a settlement batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsettledLine {
    pub redemption_id: Uuid,
    pub wallet_id: Uuid,
    pub captured_on: NaiveDate,
    /// Net of the merchant's refunds (whole won).
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchView {
    pub programme_id: Uuid,
    pub merchant_id: Uuid,
    pub business_date: NaiveDate,
    pub lines: Vec<UnsettledLine>,
    pub gross: i64,
    pub fee_bps: u32,
    pub fee: i64,
    pub net: i64,
    pub payout_on: NaiveDate,
    pub settled_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<DateTime<Utc>>,
}

impl From<&Batch> for BatchView {
    fn from(batch: &Batch) -> Self {
        Self {
            programme_id: batch.programme_id,
            merchant_id: batch.merchant_id,
            business_date: batch.business_date,
            lines: batch
                .lines
                .iter()
                .map(|l| UnsettledLine {
                    redemption_id: l.redemption_id,
                    wallet_id: l.wallet_id,
                    captured_on: l.captured_on,
                    amount: l.amount.0,
                })
                .collect(),
            gross: batch.gross.0,
            fee_bps: batch.fee_rate.0,
            fee: batch.fee.0,
            net: batch.net.0,
            payout_on: batch.payout_on,
            settled_at: batch.at,
            paid_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseView {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub merchant_id: Uuid,
    pub rule: Rule,
    pub evidence: String,
    pub status: CaseStatus,
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
}

impl CaseView {
    /// The view after `event`, from the view before it (`None` before `Opened`).
    pub fn evolve(before: Option<CaseView>, event: &CaseEvent) -> Option<CaseView> {
        let decided =
            |mut view: CaseView, status, official: &String, reason: Option<&String>, at| {
                view.status = status;
                view.decided_by = Some(official.clone());
                view.reason = reason.cloned();
                view.decided_at = Some(at);
                Some(view)
            };
        match (before, event) {
            (_, CaseEvent::Opened(info)) => Some(CaseView {
                id: info.case_id,
                programme_id: info.programme_id,
                merchant_id: info.merchant_id,
                rule: info.rule.into(),
                evidence: info.evidence.clone(),
                status: CaseStatus::Open,
                opened_at: info.opened_at,
                decided_by: None,
                reason: None,
                decided_at: None,
            }),
            (
                Some(view),
                CaseEvent::MerchantSuspended {
                    official,
                    reason,
                    at,
                },
            ) => decided(
                view,
                CaseStatus::MerchantSuspended,
                official,
                Some(reason),
                *at,
            ),
            (
                Some(view),
                CaseEvent::Dismissed {
                    official,
                    reason,
                    at,
                },
            ) => decided(view, CaseStatus::Dismissed, official, Some(reason), *at),
            (Some(view), CaseEvent::MerchantReinstated { official, at }) => {
                decided(view, CaseStatus::MerchantReinstated, official, None, *at)
            }
            (None, _) => None,
        }
    }

    /// The view of a case aggregate, folded from its events.
    pub fn of(events: &[CaseEvent]) -> Option<CaseView> {
        events.iter().fold(None, CaseView::evolve)
    }
}

/// A merchant as the voucher service knows it from the storefront.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantEntry {
    pub id: Uuid,
    pub name: String,
    pub district: String,
    pub category: String,
    pub revenue_tier: RevenueTier,
    pub registered_on: NaiveDate,
    /// Suspended in the storefront.
    pub suspended: bool,
}

/// A merchant and the programmes that suspended it after a fraud case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantStanding {
    #[serde(flatten)]
    pub merchant: MerchantEntry,
    pub voucher_suspended_in: Vec<Uuid>,
}

impl MerchantEntry {
    pub fn facts(&self, voucher_suspended: bool) -> MerchantFacts {
        MerchantFacts {
            merchant_id: self.id,
            district: self.district.clone(),
            category: self.category.clone(),
            revenue_tier: self.revenue_tier.into(),
            registered_on: self.registered_on,
            suspended: self.suspended,
            voucher_suspended,
        }
    }
}

/// An account's totals (whole won); `balance` is credits minus debits, posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub debits_posted: i64,
    pub credits_posted: i64,
    pub debits_pending: i64,
    pub credits_pending: i64,
}

impl From<Balance> for Totals {
    fn from(b: Balance) -> Self {
        Self {
            debits_posted: b.debits_posted.0,
            credits_posted: b.credits_posted.0,
            debits_pending: b.debits_pending.0,
            credits_pending: b.credits_pending.0,
        }
    }
}

impl From<Totals> for Balance {
    fn from(t: Totals) -> Self {
        Self {
            debits_posted: Won(t.debits_posted),
            credits_posted: Won(t.credits_posted),
            debits_pending: Won(t.debits_pending),
            credits_pending: Won(t.credits_pending),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub code: String,
    #[serde(flatten)]
    pub totals: Totals,
    pub balance: i64,
    pub available: i64,
}

impl AccountView {
    pub fn new(code: String, balance: Balance) -> Self {
        Self {
            code,
            totals: balance.into(),
            balance: balance.posted().0,
            available: balance.available().0,
        }
    }
}

/// How a transfer moved value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransferMode {
    Posted,
    Pending,
    PostPending,
    VoidPending,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferView {
    pub id: String,
    pub programme_id: Uuid,
    /// Account codes.
    pub debit: String,
    pub credit: String,
    pub amount: i64,
    pub mode: TransferMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_id: Option<String>,
    /// The event that caused it.
    pub event_id: Uuid,
    pub at: DateTime<Utc>,
}

impl TransferView {
    /// The ledger transfer back, `None` when a stored code is not an account.
    pub fn to_transfer(&self) -> Option<Transfer> {
        let account = |code: &str| AccountId::parse(self.programme_id, code);
        let mode = match (self.mode, &self.pending_id) {
            (TransferMode::Posted, None) => Mode::Posted,
            (TransferMode::Pending, None) => Mode::Pending,
            (TransferMode::PostPending, Some(id)) => Mode::PostPending {
                pending_id: id.clone(),
            },
            (TransferMode::VoidPending, Some(id)) => Mode::VoidPending {
                pending_id: id.clone(),
            },
            _ => return None,
        };
        Some(Transfer {
            id: self.id.clone(),
            debit: account(&self.debit)?,
            credit: account(&self.credit)?,
            amount: Won(self.amount),
            mode,
        })
    }

    pub fn new(transfer: &Transfer, event_id: Uuid, at: DateTime<Utc>) -> Self {
        let (mode, pending_id) = match &transfer.mode {
            Mode::Posted => (TransferMode::Posted, None),
            Mode::Pending => (TransferMode::Pending, None),
            Mode::PostPending { pending_id } => {
                (TransferMode::PostPending, Some(pending_id.clone()))
            }
            Mode::VoidPending { pending_id } => {
                (TransferMode::VoidPending, Some(pending_id.clone()))
            }
        };
        Self {
            id: transfer.id.clone(),
            programme_id: transfer.debit.programme,
            debit: transfer.debit.code(),
            credit: transfer.credit.code(),
            amount: transfer.amount.0,
            mode,
            pending_id,
            event_id,
            at,
        }
    }
}
