use async_graphql::{Context, ID, InputObject, Object, Result};
use serde::Serialize;

use super::types::Merchant;
use crate::relay::NodeType;
use crate::schema::context::{ContextExt, RequestContext};
use crate::schema::outcome::{InputNames, Refusal, idempotency_key, input_id, payload, settle};
use crate::schema::scalars::Date;
use crate::upstream::Storefront;
use crate::upstream::model::{
    self, HeritageBadge, Market, MerchantKind, OnboardingStatus, RevenueTier,
};

/// Refusals about the merchant in the path point at `merchantId`.
const MERCHANT: InputNames = InputNames {
    renames: &[],
    codes: &[("MERCHANT_NOT_FOUND", "merchantId")],
};

/// Refusals about the onboarding request point at `onboardingId`.
const ONBOARDING: InputNames = InputNames {
    renames: &[("requestId", "onboardingId")],
    codes: &[
        ("MERCHANT_NOT_FOUND", "merchantId"),
        ("ONBOARDING_NOT_FOUND", "onboardingId"),
    ],
};

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegisterMerchantInput {
    /// 사업자등록번호: 10 digits (dashes allowed), checked against its check digit.
    business_number: String,
    name: String,
    kind: MerchantKind,
    category: String,
    /// 상권: the commercial district.
    district: String,
    founded_on: Date,
    revenue_tier: RevenueTier,
    /// A retry with the same key returns the first answer instead of acting twice.
    #[serde(skip)]
    idempotency_key: Option<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateMerchantInput {
    /// The merchant's global id.
    #[serde(skip)]
    merchant_id: ID,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    district: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revenue_tier: Option<RevenueTier>,
    /// A retry with the same key returns the first answer instead of acting twice.
    #[serde(skip)]
    idempotency_key: Option<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SuspendMerchantInput {
    /// The merchant's global id.
    #[serde(skip)]
    merchant_id: ID,
    reason: String,
    /// A retry with the same key returns the first answer instead of acting twice.
    #[serde(skip)]
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct ReinstateMerchantInput {
    /// The merchant's global id.
    merchant_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApplyForHeritageInput {
    /// The merchant's global id.
    #[serde(skip)]
    merchant_id: ID,
    /// 백년가게 needs 30+ years in business; 명문소공인 15+ years as a manufacturer.
    badge: HeritageBadge,
    /// A retry with the same key returns the first answer instead of acting twice.
    #[serde(skip)]
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct ApproveHeritageInput {
    /// The merchant's global id.
    merchant_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RejectHeritageInput {
    /// The merchant's global id.
    #[serde(skip)]
    merchant_id: ID,
    reason: String,
    /// A retry with the same key returns the first answer instead of acting twice.
    #[serde(skip)]
    idempotency_key: Option<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RecordDiagnosisInput {
    /// The merchant's global id.
    #[serde(skip)]
    merchant_id: ID,
    /// 0 to 100.
    marketability: i32,
    /// 0 to 100.
    online_capability: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    /// A retry with the same key returns the first answer instead of acting twice.
    #[serde(skip)]
    idempotency_key: Option<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestChannelOnboardingInput {
    /// The merchant's global id.
    #[serde(skip)]
    merchant_id: ID,
    /// The channel, such as a domestic open market or a global mall.
    channel: String,
    market: Market,
    /// A retry with the same key returns the first answer instead of acting twice.
    #[serde(skip)]
    idempotency_key: Option<String>,
}

#[derive(InputObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateChannelOnboardingInput {
    /// The merchant's global id.
    #[serde(skip)]
    merchant_id: ID,
    /// The id of one of the merchant's `channelOnboardings`.
    #[serde(skip)]
    onboarding_id: ID,
    /// IN_REVIEW, LIVE or REJECTED.
    status: OnboardingStatus,
    /// A retry with the same key returns the first answer instead of acting twice.
    #[serde(skip)]
    idempotency_key: Option<String>,
}

payload!(RegisterMerchantPayload { merchant: Merchant });
payload!(UpdateMerchantPayload { merchant: Merchant });
payload!(SuspendMerchantPayload { merchant: Merchant });
payload!(ReinstateMerchantPayload { merchant: Merchant });
payload!(ApplyForHeritagePayload { merchant: Merchant });
payload!(ApproveHeritagePayload { merchant: Merchant });
payload!(RejectHeritagePayload { merchant: Merchant });
payload!(RecordDiagnosisPayload { merchant: Merchant });
payload!(RequestChannelOnboardingPayload { merchant: Merchant });
payload!(UpdateChannelOnboardingPayload { merchant: Merchant });

#[derive(Default)]
pub(crate) struct MerchantMutation;

#[Object]
impl MerchantMutation {
    /// Registers a store: a merchant signing itself up, an official or an operator.
    async fn register_merchant(
        &self,
        ctx: &Context<'_>,
        input: RegisterMerchantInput,
    ) -> Result<RegisterMerchantPayload> {
        let request = ctx.request();
        settle(
            async {
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let merchant = request
                    .upstream::<Storefront>()
                    .register_merchant(&input, key)
                    .await;
                fresh(request, merchant, &InputNames::NONE).await
            }
            .await,
        )
    }

    /// Changes a merchant's master data (the merchant itself or an operator).
    async fn update_merchant(
        &self,
        ctx: &Context<'_>,
        input: UpdateMerchantInput,
    ) -> Result<UpdateMerchantPayload> {
        let request = ctx.request();
        settle(
            async {
                let id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let merchant = request
                    .upstream::<Storefront>()
                    .update_merchant(id, &input, key)
                    .await;
                fresh(request, merchant, &MERCHANT).await
            }
            .await,
        )
    }

    /// Suspends a merchant (officials and operators): it leaves the directory and cannot sell.
    async fn suspend_merchant(
        &self,
        ctx: &Context<'_>,
        input: SuspendMerchantInput,
    ) -> Result<SuspendMerchantPayload> {
        let request = ctx.request();
        settle(
            async {
                let id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let merchant = request
                    .upstream::<Storefront>()
                    .suspend_merchant(id, &input, key)
                    .await;
                fresh(request, merchant, &MERCHANT).await
            }
            .await,
        )
    }

    /// Lifts a merchant's suspension (officials and operators).
    async fn reinstate_merchant(
        &self,
        ctx: &Context<'_>,
        input: ReinstateMerchantInput,
    ) -> Result<ReinstateMerchantPayload> {
        let request = ctx.request();
        settle(
            async {
                let id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let merchant = request
                    .upstream::<Storefront>()
                    .reinstate_merchant(id, key)
                    .await;
                fresh(request, merchant, &MERCHANT).await
            }
            .await,
        )
    }

    /// Applies for a heritage badge (the merchant itself); checked against the founding date.
    async fn apply_for_heritage(
        &self,
        ctx: &Context<'_>,
        input: ApplyForHeritageInput,
    ) -> Result<ApplyForHeritagePayload> {
        let request = ctx.request();
        settle(
            async {
                let id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let merchant = request
                    .upstream::<Storefront>()
                    .apply_for_heritage(id, &input, key)
                    .await;
                fresh(request, merchant, &MERCHANT).await
            }
            .await,
        )
    }

    /// Approves a heritage badge application (officials).
    async fn approve_heritage(
        &self,
        ctx: &Context<'_>,
        input: ApproveHeritageInput,
    ) -> Result<ApproveHeritagePayload> {
        let request = ctx.request();
        settle(
            async {
                let id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let merchant = request
                    .upstream::<Storefront>()
                    .approve_heritage(id, key)
                    .await;
                fresh(request, merchant, &MERCHANT).await
            }
            .await,
        )
    }

    /// Rejects a heritage badge application (officials).
    async fn reject_heritage(
        &self,
        ctx: &Context<'_>,
        input: RejectHeritageInput,
    ) -> Result<RejectHeritagePayload> {
        let request = ctx.request();
        settle(
            async {
                let id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let merchant = request
                    .upstream::<Storefront>()
                    .reject_heritage(id, &input, key)
                    .await;
                fresh(request, merchant, &MERCHANT).await
            }
            .await,
        )
    }

    /// Records an expert's diagnosis (experts), which routes the merchant to
    /// channel listing, a dedicated seller or education.
    async fn record_diagnosis(
        &self,
        ctx: &Context<'_>,
        input: RecordDiagnosisInput,
    ) -> Result<RecordDiagnosisPayload> {
        let request = ctx.request();
        settle(
            async {
                let id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let merchant = request
                    .upstream::<Storefront>()
                    .record_diagnosis(id, &input, key)
                    .await;
                fresh(request, merchant, &MERCHANT).await
            }
            .await,
        )
    }

    /// Asks to sell on an online channel (the merchant itself).
    async fn request_channel_onboarding(
        &self,
        ctx: &Context<'_>,
        input: RequestChannelOnboardingInput,
    ) -> Result<RequestChannelOnboardingPayload> {
        let request = ctx.request();
        settle(
            async {
                let id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let merchant = request
                    .upstream::<Storefront>()
                    .request_channel_onboarding(id, &input, key)
                    .await;
                fresh(request, merchant, &MERCHANT).await
            }
            .await,
        )
    }

    /// Moves a channel onboarding request along (officials and operators).
    async fn update_channel_onboarding(
        &self,
        ctx: &Context<'_>,
        input: UpdateChannelOnboardingInput,
    ) -> Result<UpdateChannelOnboardingPayload> {
        let request = ctx.request();
        settle(
            async {
                let id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let onboarding = input_id(
                    &input.onboarding_id,
                    NodeType::ChannelOnboarding,
                    "onboardingId",
                )?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let merchant = request
                    .upstream::<Storefront>()
                    .update_channel_onboarding(id, onboarding, &input, key)
                    .await;
                fresh(request, merchant, &ONBOARDING).await
            }
            .await,
        )
    }
}

/// The merchant a command answered with, also kept for the rest of the request.
async fn fresh(
    request: &RequestContext,
    answer: Result<model::Merchant, crate::upstream::CallError>,
    names: &InputNames,
) -> Result<Merchant, Refusal> {
    let merchant = answer.map_err(|error| names.refusal(error))?;
    request.remember(merchant.id, merchant.clone()).await;
    Ok(Merchant(merchant))
}
