use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::relay::{GlobalId, ListId, NodeType, PageRequest};
use crate::schema::context::ContextExt;
use crate::schema::merchants::{Merchant, find_merchant};
use crate::schema::scalars::{Date, Won, int};
use crate::upstream::Vouchers;
use crate::upstream::voucher_model::{
    self as model, FeeTiers, FraudCaseStatus, FraudRule, RedemptionStatus,
};

/// A local government's voucher programme (지역사랑상품권) and its subsidy budget.
pub(crate) struct VoucherProgramme(pub(crate) model::Programme);

#[Object]
impl VoucherProgramme {
    /// The programme's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::VoucherProgramme, self.0.id).to_id()
    }

    /// The issuing local government.
    async fn issuer(&self) -> &str {
        &self.0.issuer
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn region(&self) -> &str {
        &self.0.region
    }

    /// Storefront districts where the vouchers are accepted.
    async fn districts(&self) -> Vec<&str> {
        self.0.districts.iter().map(String::as_str).collect()
    }

    /// Merchant categories where the vouchers are accepted.
    async fn categories(&self) -> Vec<&str> {
        self.0.categories.iter().map(String::as_str).collect()
    }

    /// The denominations a citizen can buy.
    async fn face_values(&self) -> Vec<Won> {
        self.0.face_values.iter().copied().map(Won).collect()
    }

    /// Discount on purchases in basis points (100 = 1 %), paid from the budget.
    async fn discount_bps(&self) -> Result<i32> {
        int(self.0.discount_bps)
    }

    /// Face value one person may buy per calendar month.
    async fn monthly_cap(&self) -> Won {
        Won(self.0.monthly_cap)
    }

    async fn valid_from(&self) -> Date {
        Date(self.0.valid_from)
    }

    async fn valid_until(&self) -> Date {
        Date(self.0.valid_until)
    }

    /// Merchant fees per revenue tier, in basis points.
    async fn fee_tiers(&self) -> &FeeTiers {
        &self.0.fee_tiers
    }

    /// The subsidy budget, what purchases have committed, and what remains.
    async fn budget(&self) -> Won {
        Won(self.0.budget)
    }

    async fn budget_committed(&self) -> Won {
        Won(self.0.budget_committed)
    }

    async fn budget_remaining(&self) -> Won {
        Won(self.0.budget_remaining)
    }
}

/// A citizen's vouchers in one programme.
pub(crate) struct VoucherWallet(pub(crate) model::Wallet);

#[Object]
impl VoucherWallet {
    /// The wallet's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::VoucherWallet, self.0.id).to_id()
    }

    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<VoucherProgramme>> {
        super::find_programme(ctx, self.0.programme_id).await
    }

    /// Face value held, including what open holds reserve.
    async fn balance(&self) -> Won {
        Won(self.0.balance)
    }

    /// What open holds reserve.
    async fn held(&self) -> Won {
        Won(self.0.held)
    }

    /// What can be spent now.
    async fn available(&self) -> Won {
        Won(self.0.available)
    }

    /// Value that expired unused after the programme's validity.
    async fn expired(&self) -> Won {
        Won(self.0.expired)
    }

    /// Face value bought this month (counts against the monthly cap).
    async fn purchased_this_month(&self) -> Won {
        Won(self.0.purchased_this_month)
    }

    async fn purchases(&self) -> Vec<VoucherPurchase> {
        self.0
            .purchases
            .iter()
            .cloned()
            .map(VoucherPurchase)
            .collect()
    }

    /// The wallet's redemptions, newest first (its owner, operators).
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn redemptions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, VoucherRedemption>> {
        let wallet = self.0.id;
        let vouchers = &ctx.request().upstream::<Vouchers>();
        super::queries::connection(
            ListId::new("voucherWalletRedemptions", &wallet.to_string()),
            first,
            after,
            |first, after| async move {
                vouchers
                    .wallet_redemptions(wallet, first, after.as_deref())
                    .await
            },
            VoucherRedemption,
        )
        .await
    }
}

/// A discounted purchase: the citizen paid `paid`, the budget `discount`.
pub(crate) struct VoucherPurchase(pub(crate) model::Purchase);

#[Object]
impl VoucherPurchase {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn face_value(&self) -> Won {
        Won(self.0.face)
    }

    async fn discount(&self) -> Won {
        Won(self.0.discount)
    }

    async fn paid(&self) -> Won {
        Won(self.0.paid)
    }

    async fn refunded(&self) -> bool {
        self.0.refunded
    }

    async fn purchased_at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// A redemption at a merchant: a hold, a capture or a one-step payment.
pub(crate) struct VoucherRedemption(pub(crate) model::Redemption);

#[Object]
impl VoucherRedemption {
    /// The redemption's global id.
    async fn id(&self) -> ID {
        GlobalId::new(NodeType::VoucherRedemption, self.0.id).to_id()
    }

    /// The wallet's global id.
    async fn wallet_id(&self) -> ID {
        GlobalId::new(NodeType::VoucherWallet, self.0.wallet_id).to_id()
    }

    /// The paying wallet; null for callers who may not see it.
    async fn wallet(&self, ctx: &Context<'_>) -> Result<Option<VoucherWallet>> {
        super::find_wallet(ctx, self.0.wallet_id).await
    }

    async fn merchant(&self, ctx: &Context<'_>) -> Result<Option<Merchant>> {
        find_merchant(ctx, self.0.merchant_id).await
    }

    async fn amount(&self) -> Won {
        Won(self.0.amount)
    }

    async fn status(&self) -> RedemptionStatus {
        self.0.status
    }

    /// Given back by the merchant after capture.
    async fn refunded(&self) -> Won {
        Won(self.0.refunded)
    }

    /// Why it was declined (INSUFFICIENT_BALANCE, MERCHANT_SUSPENDED, …).
    async fn decline_code(&self) -> Option<&str> {
        self.0.decline_code.as_deref()
    }

    /// When an open hold times out.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }

    async fn captured_at(&self) -> Option<DateTime<Utc>> {
        self.0.captured_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// A merchant's daily settlement batch, paid T+2 business days.
pub(crate) struct SettlementBatch(pub(crate) model::Batch);

#[Object]
impl SettlementBatch {
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<VoucherProgramme>> {
        super::find_programme(ctx, self.0.programme_id).await
    }

    async fn business_date(&self) -> Date {
        Date(self.0.business_date)
    }

    /// Captured redemptions net of the merchant's refunds.
    async fn gross(&self) -> Won {
        Won(self.0.gross)
    }

    async fn fee_bps(&self) -> Result<i32> {
        int(self.0.fee_bps)
    }

    async fn fee(&self) -> Won {
        Won(self.0.fee)
    }

    /// What the merchant is paid.
    async fn net(&self) -> Won {
        Won(self.0.net)
    }

    async fn payout_on(&self) -> Date {
        Date(self.0.payout_on)
    }

    async fn settled_at(&self) -> DateTime<Utc> {
        self.0.settled_at
    }

    async fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_at
    }
}

/// A fraud (깡) case opened by a rule, for an official to decide.
pub(crate) struct FraudCase(pub(crate) model::Case);

#[Object]
impl FraudCase {
    /// The case's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::FraudCase, self.0.id).to_id()
    }

    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<VoucherProgramme>> {
        super::find_programme(ctx, self.0.programme_id).await
    }

    async fn merchant(&self, ctx: &Context<'_>) -> Result<Option<Merchant>> {
        find_merchant(ctx, self.0.merchant_id).await
    }

    async fn rule(&self) -> FraudRule {
        self.0.rule
    }

    /// What the rule saw.
    async fn evidence(&self) -> &str {
        &self.0.evidence
    }

    async fn status(&self) -> FraudCaseStatus {
        self.0.status
    }

    async fn opened_at(&self) -> DateTime<Utc> {
        self.0.opened_at
    }

    /// The official who decided, and why.
    async fn decided_by(&self) -> Option<&str> {
        self.0.decided_by.as_deref()
    }

    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}
