use async_graphql::{Context, ID, InputObject, Object, Result};
use golmok_contracts::storefront::http as contract;

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

#[derive(InputObject)]
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
    idempotency_key: Option<String>,
}

impl From<&RegisterMerchantInput> for contract::Register {
    fn from(input: &RegisterMerchantInput) -> Self {
        contract::Register {
            business_number: input.business_number.clone(),
            name: input.name.clone(),
            kind: input.kind,
            category: input.category.clone(),
            district: input.district.clone(),
            founded_on: input.founded_on.0,
            revenue_tier: input.revenue_tier,
        }
    }
}

#[derive(InputObject)]
pub(crate) struct UpdateMerchantInput {
    /// The merchant's global id.
    merchant_id: ID,
    name: Option<String>,
    category: Option<String>,
    district: Option<String>,
    revenue_tier: Option<RevenueTier>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&UpdateMerchantInput> for contract::UpdateProfile {
    fn from(input: &UpdateMerchantInput) -> Self {
        contract::UpdateProfile {
            name: input.name.clone(),
            category: input.category.clone(),
            district: input.district.clone(),
            revenue_tier: input.revenue_tier,
        }
    }
}

#[derive(InputObject)]
pub(crate) struct SuspendMerchantInput {
    /// The merchant's global id.
    merchant_id: ID,
    reason: String,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&SuspendMerchantInput> for contract::Reason {
    fn from(input: &SuspendMerchantInput) -> Self {
        contract::Reason {
            reason: input.reason.clone(),
        }
    }
}

#[derive(InputObject)]
pub(crate) struct ReinstateMerchantInput {
    /// The merchant's global id.
    merchant_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct ApplyForHeritageInput {
    /// The merchant's global id.
    merchant_id: ID,
    /// 백년가게 needs 30+ years in business; 명문소공인 15+ years as a manufacturer.
    badge: HeritageBadge,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&ApplyForHeritageInput> for contract::ApplyForHeritage {
    fn from(input: &ApplyForHeritageInput) -> Self {
        contract::ApplyForHeritage { badge: input.badge }
    }
}

#[derive(InputObject)]
pub(crate) struct ApproveHeritageInput {
    /// The merchant's global id.
    merchant_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct RejectHeritageInput {
    /// The merchant's global id.
    merchant_id: ID,
    reason: String,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&RejectHeritageInput> for contract::Reason {
    fn from(input: &RejectHeritageInput) -> Self {
        contract::Reason {
            reason: input.reason.clone(),
        }
    }
}

#[derive(InputObject)]
pub(crate) struct RecordDiagnosisInput {
    /// The merchant's global id.
    merchant_id: ID,
    /// 0 to 100.
    marketability: i32,
    /// 0 to 100.
    online_capability: i32,
    notes: Option<String>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&RecordDiagnosisInput> for contract::Diagnose {
    fn from(input: &RecordDiagnosisInput) -> Self {
        contract::Diagnose {
            marketability: input.marketability.into(),
            online_capability: input.online_capability.into(),
            notes: input.notes.clone(),
        }
    }
}

#[derive(InputObject)]
pub(crate) struct RequestChannelOnboardingInput {
    /// The merchant's global id.
    merchant_id: ID,
    /// The channel, such as a domestic open market or a global mall.
    channel: String,
    market: Market,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&RequestChannelOnboardingInput> for contract::RequestOnboarding {
    fn from(input: &RequestChannelOnboardingInput) -> Self {
        contract::RequestOnboarding {
            channel: input.channel.clone(),
            market: input.market,
        }
    }
}

#[derive(InputObject)]
pub(crate) struct UpdateChannelOnboardingInput {
    /// The merchant's global id.
    merchant_id: ID,
    /// The id of one of the merchant's `channelOnboardings`.
    onboarding_id: ID,
    /// IN_REVIEW, LIVE or REJECTED.
    status: OnboardingStatus,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&UpdateChannelOnboardingInput> for contract::ChangeOnboarding {
    fn from(input: &UpdateChannelOnboardingInput) -> Self {
        contract::ChangeOnboarding {
            status: input.status,
        }
    }
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
                    .register_merchant(&contract::Register::from(&input), key)
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
                    .update_merchant(id, &contract::UpdateProfile::from(&input), key)
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
                    .suspend_merchant(id, &contract::Reason::from(&input), key)
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
                    .apply_for_heritage(id, &contract::ApplyForHeritage::from(&input), key)
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
                    .reject_heritage(id, &contract::Reason::from(&input), key)
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
                    .record_diagnosis(id, &contract::Diagnose::from(&input), key)
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
                    .request_channel_onboarding(id, &contract::RequestOnboarding::from(&input), key)
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
                    .update_channel_onboarding(
                        id,
                        onboarding,
                        &contract::ChangeOnboarding::from(&input),
                        key,
                    )
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

#[cfg(test)]
mod tests {
    use serde_json::{json, to_value};

    use super::*;

    #[test]
    fn what_was_left_out_is_not_sent() {
        let update = UpdateMerchantInput {
            merchant_id: ID::from("m"),
            name: Some("새 이름".into()),
            category: None,
            district: None,
            revenue_tier: None,
            idempotency_key: None,
        };
        let body = to_value(contract::UpdateProfile::from(&update)).unwrap();
        assert_eq!(body, json!({"name": "새 이름"}));
        let diagnosis = RecordDiagnosisInput {
            merchant_id: ID::from("m"),
            marketability: -1,
            online_capability: 101,
            notes: None,
            idempotency_key: None,
        };
        let body = to_value(contract::Diagnose::from(&diagnosis)).unwrap();
        assert_eq!(body, json!({"marketability": -1, "onlineCapability": 101}));
    }
}
