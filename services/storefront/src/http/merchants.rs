use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use golmok_runtime::Role;
use golmok_runtime::edge::{ApiError, Caller, Command, Json, ListParams, Reply, path_id};
use uuid::Uuid;

use crate::app::views::{ListPage, MerchantView};
use crate::app::vocabulary::HeritageBadge;
use crate::app::{DirectoryFilter, NewMerchant, Storefront, Visibility};
use crate::domain::merchant::{DiagnosisInput, MerchantCommand, ProfileChanges};
use golmok_contracts::storefront::http as bodies;

type Answer = Result<Reply<MerchantView>, ApiError>;

fn merchant_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "MERCHANT_NOT_FOUND", "merchant")
}

pub async fn register(
    State(storefront): State<Arc<Storefront>>,
    command: Command<bodies::Register>,
) -> Answer {
    let actor = command
        .caller
        .with_role(&[Role::Merchant, Role::Official, Role::Operator])?;
    // A merchant signs itself up under the id its token names; anyone else
    // registers under an id its idempotency key derives, so a retry of a try
    // whose outcome was unknown (its business-number claim committed) is
    // the same registration.
    let id = match actor.role {
        Role::Merchant => actor.merchant_id.unwrap_or_else(|| command.meta.new_id()),
        _ => command.meta.new_id(),
    };
    let body = command.body;
    let input = NewMerchant {
        business_number: body.business_number,
        name: body.name,
        kind: body.kind.into(),
        category: body.category,
        district: body.district,
        founded_on: body.founded_on,
        revenue_tier: body.revenue_tier.into(),
    };
    let committed = storefront.register(id, input, &command.meta).await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

pub async fn get(
    State(storefront): State<Arc<Storefront>>,
    _: Caller,
    Path(id): Path<String>,
) -> Result<Json<MerchantView>, ApiError> {
    storefront
        .merchant(merchant_id(&id)?)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("MERCHANT_NOT_FOUND", "merchant"))
}

pub async fn list(
    State(storefront): State<Arc<Storefront>>,
    caller: Caller,
    params: ListParams,
) -> Result<Json<ListPage<MerchantView>>, ApiError> {
    let suspended = if params.flag("includeSuspended")? {
        caller.with_role(&[Role::Official, Role::Operator])?;
        Visibility::All
    } else {
        Visibility::Public
    };
    let heritage = params
        .text("heritage")
        .map(|code| {
            serde_json::from_value::<HeritageBadge>(serde_json::Value::String(code)).map_err(|_| {
                ApiError::bad_request(
                    "INVALID_PARAMETER",
                    "heritage",
                    "heritage is CENTURY_STORE or MASTER_ARTISAN",
                )
            })
        })
        .transpose()?;
    let filter = DirectoryFilter {
        district: params.text("district"),
        category: params.text("category"),
        heritage,
        suspended,
    };
    Ok(params.listed(storefront.directory(&filter, &params.page()?).await?))
}

/// Runs a merchant command built from the validated id.
async fn run(
    storefront: &Storefront,
    id: Uuid,
    command: MerchantCommand,
    meta: &golmok_kernel::CommandMeta,
) -> Answer {
    Ok(Reply(
        StatusCode::OK,
        storefront.merchant_command(id, command, meta).await?,
    ))
}

pub async fn update(
    State(storefront): State<Arc<Storefront>>,
    Path(id): Path<String>,
    command: Command<bodies::UpdateProfile>,
) -> Answer {
    let id = merchant_id(&id)?;
    command.caller.for_merchant(id)?;
    let body = command.body;
    let change = MerchantCommand::UpdateProfile(ProfileChanges {
        name: body.name,
        category: body.category,
        district: body.district,
        revenue_tier: body.revenue_tier.map(Into::into),
        at: Utc::now(),
    });
    run(&storefront, id, change, &command.meta).await
}

pub async fn suspend(
    State(storefront): State<Arc<Storefront>>,
    Path(id): Path<String>,
    command: Command<bodies::Reason>,
) -> Answer {
    let id = merchant_id(&id)?;
    command
        .caller
        .with_role(&[Role::Official, Role::Operator])?;
    let suspend = MerchantCommand::Suspend {
        reason: command.body.reason,
        at: Utc::now(),
    };
    run(&storefront, id, suspend, &command.meta).await
}

pub async fn reinstate(
    State(storefront): State<Arc<Storefront>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Answer {
    let id = merchant_id(&id)?;
    command
        .caller
        .with_role(&[Role::Official, Role::Operator])?;
    run(
        &storefront,
        id,
        MerchantCommand::Reinstate { at: Utc::now() },
        &command.meta,
    )
    .await
}

pub async fn apply_for_heritage(
    State(storefront): State<Arc<Storefront>>,
    Path(id): Path<String>,
    command: Command<bodies::ApplyForHeritage>,
) -> Answer {
    let id = merchant_id(&id)?;
    command.caller.for_merchant(id)?;
    let apply = MerchantCommand::ApplyForHeritage {
        badge: command.body.badge.into(),
        at: Utc::now(),
    };
    run(&storefront, id, apply, &command.meta).await
}

pub async fn approve_heritage(
    State(storefront): State<Arc<Storefront>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Answer {
    let id = merchant_id(&id)?;
    let official = command.caller.with_role(&[Role::Official])?;
    let approve = MerchantCommand::ApproveHeritage {
        official: official.subject.clone(),
        at: Utc::now(),
    };
    run(&storefront, id, approve, &command.meta).await
}

pub async fn reject_heritage(
    State(storefront): State<Arc<Storefront>>,
    Path(id): Path<String>,
    command: Command<bodies::Reason>,
) -> Answer {
    let id = merchant_id(&id)?;
    let official = command.caller.with_role(&[Role::Official])?;
    let reject = MerchantCommand::RejectHeritage {
        official: official.subject.clone(),
        reason: command.body.reason,
        at: Utc::now(),
    };
    run(&storefront, id, reject, &command.meta).await
}

pub async fn diagnose(
    State(storefront): State<Arc<Storefront>>,
    Path(id): Path<String>,
    command: Command<bodies::Diagnose>,
) -> Answer {
    let id = merchant_id(&id)?;
    let expert = command.caller.with_role(&[Role::Expert])?;
    let diagnose = MerchantCommand::RecordDiagnosis(DiagnosisInput {
        marketability: command.body.marketability,
        online_capability: command.body.online_capability,
        notes: command.body.notes.unwrap_or_default(),
        expert: expert.subject.clone(),
        policy: storefront.diagnosis_policy(),
        at: Utc::now(),
    });
    run(&storefront, id, diagnose, &command.meta).await
}

pub async fn request_onboarding(
    State(storefront): State<Arc<Storefront>>,
    Path(id): Path<String>,
    command: Command<bodies::RequestOnboarding>,
) -> Answer {
    let id = merchant_id(&id)?;
    command.caller.for_merchant(id)?;
    let request = MerchantCommand::RequestChannelOnboarding {
        request_id: Uuid::now_v7(),
        channel: command.body.channel,
        market: command.body.market.into(),
        at: Utc::now(),
    };
    run(&storefront, id, request, &command.meta).await
}

pub async fn change_onboarding(
    State(storefront): State<Arc<Storefront>>,
    Path((id, request_id)): Path<(String, String)>,
    command: Command<bodies::ChangeOnboarding>,
) -> Answer {
    let id = merchant_id(&id)?;
    let request_id = path_id(
        &request_id,
        "ONBOARDING_NOT_FOUND",
        "channel onboarding request",
    )?;
    command
        .caller
        .with_role(&[Role::Official, Role::Operator])?;
    let change = MerchantCommand::ChangeChannelOnboarding {
        request_id,
        status: command.body.status.into(),
        at: Utc::now(),
    };
    run(&storefront, id, change, &command.meta).await
}
