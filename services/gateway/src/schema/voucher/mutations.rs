use async_graphql::{Context, ID, InputObject, Object, Result};
use http::Method;
use serde::Serialize;
use uuid::Uuid;

use super::types::{FraudCase, VoucherProgramme, VoucherRedemption, VoucherWallet};
use crate::relay::NodeType;
use crate::schema::context::ContextExt;
use crate::schema::outcome::{InputNames, Refusal, idempotency_key, input_id, payload, settle};
use crate::schema::scalars::{Date, Won};
use crate::upstream::voucher_model::WalletReply;
use crate::upstream::{CallError, Vouchers};

/// Refusals about ids in the path point at their inputs.
const NAMES: InputNames = InputNames {
    renames: &[],
    codes: &[
        ("PROGRAMME_NOT_FOUND", "programmeId"),
        ("WALLET_NOT_FOUND", "walletId"),
        ("REDEMPTION_NOT_FOUND", "redemptionId"),
        ("CASE_NOT_FOUND", "caseId"),
    ],
};

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VoucherFeeTiersInput {
    micro: i32,
    small: i32,
    medium: i32,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateVoucherProgrammeInput {
    /// The issuing local government.
    issuer: String,
    name: String,
    region: String,
    /// Storefront districts where the vouchers are accepted.
    districts: Vec<String>,
    /// Denominations citizens can buy.
    face_values: Vec<Won>,
    /// Discount in basis points (0 to 5000), paid from the budget.
    discount_bps: i32,
    /// Face value one person may buy per calendar month.
    monthly_cap: Won,
    valid_from: Date,
    valid_until: Date,
    categories: Vec<String>,
    /// Merchant fees per revenue tier, in basis points (0 to 1000).
    fee_tiers: VoucherFeeTiersInput,
    budget: Won,
    /// A retry with the same key returns the first answer instead of acting twice.
    #[serde(skip)]
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct PurchaseVoucherInput {
    /// The programme's global id.
    programme_id: ID,
    /// One of the programme's face values.
    face_value: Won,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct RedeemVoucherInput {
    /// The paying wallet's global id (the caller's own).
    wallet_id: ID,
    /// The merchant's global id.
    merchant_id: ID,
    amount: Won,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct VoucherHoldInput {
    /// The wallet's global id.
    wallet_id: ID,
    /// The held redemption's global id.
    redemption_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct DecideFraudCaseInput {
    /// The case's global id.
    case_id: ID,
    reason: String,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct ReinstateMerchantForFraudCaseInput {
    /// The case's global id.
    case_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

payload!(CreateVoucherProgrammePayload {
    programme: VoucherProgramme
});
payload!(PurchaseVoucherPayload {
    wallet: VoucherWallet
});
payload!(RedeemVoucherPayload {
    redemption: VoucherRedemption
});
payload!(FraudCasePayload {
    fraud_case: FraudCase
});

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Redeem {
    merchant_id: Uuid,
    amount: Won,
}

#[derive(Serialize)]
struct Reason<'a> {
    reason: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Purchase {
    face_value: Won,
}

fn redemption(answer: Result<WalletReply, CallError>) -> Result<VoucherRedemption, Refusal> {
    let reply = answer.map_err(|error| NAMES.refusal(error))?;
    reply.redemption.map(VoucherRedemption).ok_or_else(|| {
        Refusal::Failed(crate::errors::coded(
            "INTERNAL",
            "the answer named no redemption",
        ))
    })
}

#[derive(Default)]
pub(crate) struct VoucherMutation;

#[Object]
impl VoucherMutation {
    /// Creates a voucher programme with its subsidy budget (officials).
    async fn create_voucher_programme(
        &self,
        ctx: &Context<'_>,
        input: CreateVoucherProgrammeInput,
    ) -> Result<CreateVoucherProgrammePayload> {
        let request = ctx.request();
        settle(
            async {
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let created = request
                    .upstream::<Vouchers>()
                    .create_programme(&input, key)
                    .await;
                Ok(VoucherProgramme(created.map_err(|e| NAMES.refusal(e))?))
            }
            .await,
        )
    }

    /// Buys one voucher at the programme's discount (citizens); the first
    /// purchase opens the wallet. Refused past the monthly cap or the budget.
    async fn purchase_voucher(
        &self,
        ctx: &Context<'_>,
        input: PurchaseVoucherInput,
    ) -> Result<PurchaseVoucherPayload> {
        let request = ctx.request();
        settle(
            async {
                let programme = input_id(
                    &input.programme_id,
                    NodeType::VoucherProgramme,
                    "programmeId",
                )?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = Purchase {
                    face_value: input.face_value,
                };
                let reply = request
                    .upstream::<Vouchers>()
                    .purchase(programme, &body, key)
                    .await;
                Ok(VoucherWallet(reply.map_err(|e| NAMES.refusal(e))?.wallet))
            }
            .await,
        )
    }

    /// Pays a merchant from the caller's wallet in one step; declined with
    /// INSUFFICIENT_BALANCE, MERCHANT_SUSPENDED, … in `userErrors`.
    async fn pay_with_voucher(
        &self,
        ctx: &Context<'_>,
        input: RedeemVoucherInput,
    ) -> Result<RedeemVoucherPayload> {
        settle(redeem(ctx, input, "payments").await)
    }

    /// Reserves an amount for a merchant, who captures or voids it; the hold
    /// times out otherwise.
    async fn hold_voucher(
        &self,
        ctx: &Context<'_>,
        input: RedeemVoucherInput,
    ) -> Result<RedeemVoucherPayload> {
        settle(redeem(ctx, input, "holds").await)
    }

    /// Takes a held amount (the redemption's merchant).
    async fn capture_voucher_hold(
        &self,
        ctx: &Context<'_>,
        input: VoucherHoldInput,
    ) -> Result<RedeemVoucherPayload> {
        settle(second_phase(ctx, input, "capture").await)
    }

    /// Releases a hold (the merchant or the wallet's owner).
    async fn void_voucher_hold(
        &self,
        ctx: &Context<'_>,
        input: VoucherHoldInput,
    ) -> Result<RedeemVoucherPayload> {
        settle(second_phase(ctx, input, "void").await)
    }

    /// Suspends the case's merchant from the programme (officials).
    async fn suspend_merchant_for_fraud_case(
        &self,
        ctx: &Context<'_>,
        input: DecideFraudCaseInput,
    ) -> Result<FraudCasePayload> {
        settle(
            decide(
                ctx,
                &input.case_id,
                Method::POST,
                "suspension",
                Some(&input.reason),
                input.idempotency_key.as_deref(),
            )
            .await,
        )
    }

    /// Closes a case without action (officials).
    async fn dismiss_fraud_case(
        &self,
        ctx: &Context<'_>,
        input: DecideFraudCaseInput,
    ) -> Result<FraudCasePayload> {
        settle(
            decide(
                ctx,
                &input.case_id,
                Method::POST,
                "dismissal",
                Some(&input.reason),
                input.idempotency_key.as_deref(),
            )
            .await,
        )
    }

    /// Lifts a case's suspension (officials).
    async fn reinstate_merchant_for_fraud_case(
        &self,
        ctx: &Context<'_>,
        input: ReinstateMerchantForFraudCaseInput,
    ) -> Result<FraudCasePayload> {
        settle(
            decide(
                ctx,
                &input.case_id,
                Method::DELETE,
                "suspension",
                None,
                input.idempotency_key.as_deref(),
            )
            .await,
        )
    }
}

async fn redeem(
    ctx: &Context<'_>,
    input: RedeemVoucherInput,
    route: &str,
) -> Result<VoucherRedemption, Refusal> {
    let wallet = input_id(&input.wallet_id, NodeType::VoucherWallet, "walletId")?;
    let merchant_id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
    let key = idempotency_key(input.idempotency_key.as_deref())?;
    let body = Redeem {
        merchant_id,
        amount: input.amount,
    };
    redemption(
        ctx.request()
            .upstream::<Vouchers>()
            .redeem(wallet, route, &body, key)
            .await,
    )
}

async fn second_phase(
    ctx: &Context<'_>,
    input: VoucherHoldInput,
    action: &str,
) -> Result<VoucherRedemption, Refusal> {
    let wallet = input_id(&input.wallet_id, NodeType::VoucherWallet, "walletId")?;
    let held = input_id(
        &input.redemption_id,
        NodeType::VoucherRedemption,
        "redemptionId",
    )?;
    let key = idempotency_key(input.idempotency_key.as_deref())?;
    redemption(
        ctx.request()
            .upstream::<Vouchers>()
            .settle_hold(wallet, held, action, key)
            .await,
    )
}

async fn decide(
    ctx: &Context<'_>,
    case_id: &ID,
    method: Method,
    decision: &str,
    reason: Option<&String>,
    key: Option<&str>,
) -> Result<FraudCase, Refusal> {
    let case = input_id(case_id, NodeType::FraudCase, "caseId")?;
    let key = idempotency_key(key)?;
    let body = reason.map(|reason| Reason { reason });
    let decided = ctx
        .request()
        .upstream::<Vouchers>()
        .decide_case(case, method, decision, body.as_ref(), key)
        .await;
    Ok(FraudCase(decided.map_err(|e| NAMES.refusal(e))?))
}
