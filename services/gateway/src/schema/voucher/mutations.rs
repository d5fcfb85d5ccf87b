use async_graphql::{Context, ID, InputObject, Object, Result};
use golmok_contracts::voucher::http as contract;
use http::Method;

use super::types::{FraudCase, VoucherProgramme, VoucherRedemption, VoucherWallet};
use crate::relay::NodeType;
use crate::schema::context::ContextExt;
use crate::schema::outcome::{
    InputNames, Payload, Refusal, UserError, idempotency_key, input_id, payload, settle,
};
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

#[derive(InputObject)]
pub(crate) struct VoucherFeeTiersInput {
    micro: i32,
    small: i32,
    medium: i32,
}

impl From<&VoucherFeeTiersInput> for contract::FeeTiers {
    fn from(input: &VoucherFeeTiersInput) -> Self {
        contract::FeeTiers {
            micro: input.micro.into(),
            small: input.small.into(),
            medium: input.medium.into(),
        }
    }
}

#[derive(InputObject)]
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
    idempotency_key: Option<String>,
}

/// Rates go as sent, negative ones too: the programme refuses them with
/// RATE_OUT_OF_RANGE on the field.
impl From<&CreateVoucherProgrammeInput> for contract::Programme {
    fn from(input: &CreateVoucherProgrammeInput) -> Self {
        contract::Programme {
            issuer: input.issuer.clone(),
            name: input.name.clone(),
            region: input.region.clone(),
            districts: input.districts.clone(),
            face_values: input.face_values.iter().map(|won| won.0).collect(),
            discount_bps: input.discount_bps.into(),
            monthly_cap: input.monthly_cap.0,
            valid_from: input.valid_from.0,
            valid_until: input.valid_until.0,
            categories: input.categories.clone(),
            fee_tiers: (&input.fee_tiers).into(),
            budget: input.budget.0,
        }
    }
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
/// A redemption mutation's answer: the redemption, and the wallet's balances
/// after it (the wallet's history is its `redemptions` connection).
#[derive(async_graphql::SimpleObject)]
pub(crate) struct RedeemVoucherPayload {
    /// The redemption after the mutation; null when it was refused.
    redemption: Option<VoucherRedemption>,
    /// The wallet after the mutation; null when it was refused.
    wallet: Option<VoucherWallet>,
    /// Why the mutation was refused; empty when it succeeded.
    user_errors: Vec<UserError>,
}

/// A redemption and its wallet, as a command answered them.
pub(crate) struct Redeemed(VoucherRedemption, VoucherWallet);

impl Payload<Redeemed> for RedeemVoucherPayload {
    fn done(Redeemed(redemption, wallet): Redeemed) -> Self {
        RedeemVoucherPayload {
            redemption: Some(redemption),
            wallet: Some(wallet),
            user_errors: Vec::new(),
        }
    }

    fn refused(errors: Vec<UserError>) -> Self {
        RedeemVoucherPayload {
            redemption: None,
            wallet: None,
            user_errors: errors,
        }
    }
}
payload!(FraudCasePayload {
    fraud_case: FraudCase
});

fn redemption(answer: Result<WalletReply, CallError>) -> Result<Redeemed, Refusal> {
    let reply = answer.map_err(|error| NAMES.refusal(error))?;
    let redemption = reply.redemption.map(VoucherRedemption).ok_or_else(|| {
        Refusal::Failed(crate::errors::coded(
            "INTERNAL",
            "the answer named no redemption",
        ))
    })?;
    Ok(Redeemed(redemption, VoucherWallet(reply.wallet)))
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
                    .create_programme(&contract::Programme::from(&input), key)
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
                let body = contract::Purchase {
                    face_value: input.face_value.0,
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
) -> Result<Redeemed, Refusal> {
    let wallet = input_id(&input.wallet_id, NodeType::VoucherWallet, "walletId")?;
    let merchant_id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
    let key = idempotency_key(input.idempotency_key.as_deref())?;
    let body = contract::Redeem {
        merchant_id,
        amount: input.amount.0,
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
) -> Result<Redeemed, Refusal> {
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
    let body = reason.map(|reason| contract::Reason {
        reason: reason.to_owned(),
    });
    let decided = ctx
        .request()
        .upstream::<Vouchers>()
        .decide_case(case, method, decision, body.as_ref(), key)
        .await;
    Ok(FraudCase(decided.map_err(|e| NAMES.refusal(e))?))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::{json, to_value};

    use super::*;

    #[test]
    fn a_programme_goes_as_given_lists_in_order_and_negative_rates_included() {
        let day = |d| Date(NaiveDate::from_ymd_opt(2025, 1, d).unwrap());
        let input = CreateVoucherProgrammeInput {
            issuer: "마포구".into(),
            name: "마포사랑상품권".into(),
            region: "서울".into(),
            districts: vec!["합정동".into(), "망원동".into(), "합정동".into()],
            face_values: vec![Won(50_000), Won(10_000)],
            discount_bps: -1,
            monthly_cap: Won(500_000),
            valid_from: day(1),
            valid_until: day(31),
            categories: vec![],
            fee_tiers: VoucherFeeTiersInput {
                micro: -5,
                small: 0,
                medium: 30,
            },
            budget: Won(1_000_000),
            idempotency_key: None,
        };
        let body = to_value(contract::Programme::from(&input)).unwrap();
        assert_eq!(
            body,
            json!({
                "issuer": "마포구", "name": "마포사랑상품권", "region": "서울",
                "districts": ["합정동", "망원동", "합정동"], "faceValues": [50000, 10000],
                "discountBps": -1, "monthlyCap": 500000,
                "validFrom": "2025-01-01", "validUntil": "2025-01-31", "categories": [],
                "feeTiers": {"micro": -5, "small": 0, "medium": 30}, "budget": 1000000
            })
        );
    }
}
