//! Delegated selling, enforced by the gateway. A creator token calling a
//! product mutation on a merchant's product is let through only under an
//! active delegated-selling collaboration with that merchant: the gateway
//! first records the action in the collaboration's audit trail
//! (creator-media decides there whether the terms permit it: the scope, the
//! products covered, the price floor, the period), then calls the storefront
//! as an actor acting for that merchant (role merchant, its merchant id, the
//! creator's subject), then records the outcome. A crash between the two
//! writes leaves an entry without outcome, never an unrecorded action. Any
//! other caller, or a creator without a delegation for that merchant, takes
//! the path every caller took before (the storefront decides, FORBIDDEN for
//! a creator).

use golmok_contracts::creator_media::http::{
    CollaborationView, CompleteDelegatedAction, DelegatedActionKind, RequestDelegatedAction,
};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use crate::schema::context::RequestContext;
use crate::schema::outcome::{InputNames, Refusal, not_found};
use crate::upstream::{CallError, Caller, CreatorMedia, Key, Routes, Storefront, model};

/// What an audit entry's idempotency key adds to the action's: a live action
/// calls creator-media with the action's key too.
pub(crate) const AUDIT_KEY_SUFFIX: &str = ":audit";

/// The longest summary kept in an audit entry.
const SUMMARY_CHARS: usize = 200;

/// Refusals of the audit trail point at the inputs they name.
const NAMES: InputNames = InputNames::NONE;

/// An action a creator asks for on a merchant's behalf.
pub(crate) struct Intent {
    pub(crate) kind: DelegatedActionKind,
    pub(crate) product: Option<Uuid>,
    pub(crate) price: Option<i64>,
    pub(crate) summary: String,
}

/// Who a product mutation calls the storefront as: the caller itself, or a
/// creator acting for a merchant under a recorded audit entry.
pub(crate) struct Acting {
    delegated: Option<Delegated>,
}

struct Delegated {
    collaboration: Uuid,
    entry: Uuid,
    caller: Caller,
}

/// Whether the caller is a creator, the only role that acts under a
/// delegation.
pub(crate) fn by_creator(request: &RequestContext) -> bool {
    request.actor.as_ref().map(|a| a.role) == Some(Role::Creator)
}

/// The calling creator's active delegations; none for any other caller.
async fn delegations(request: &RequestContext) -> Result<Vec<CollaborationView>, Refusal> {
    if !by_creator(request) {
        return Ok(Vec::new());
    }
    request
        .upstream::<CreatorMedia>()
        .delegations()
        .await
        .map_err(|error| NAMES.refusal(error))
}

/// The caller acting for `merchant`: the creator's subject with the
/// merchant's role and id.
fn acting_for(request: &RequestContext, merchant: Uuid) -> Caller {
    let subject = request
        .actor
        .as_ref()
        .map(|a| a.subject.clone())
        .unwrap_or_default();
    request.acting_as(Actor {
        subject,
        role: Role::Merchant,
        merchant_id: Some(merchant),
    })
}

/// The creator's delegation from `merchant`, if it has an active one.
pub(crate) async fn delegation_from(
    request: &RequestContext,
    merchant: Uuid,
) -> Result<Option<CollaborationView>, Refusal> {
    Ok(delegations(request)
        .await?
        .into_iter()
        .find(|d| d.merchant_id == merchant))
}

/// The product `id` as the caller may change it, with the delegation it acts
/// under: for a creator with delegations, a product of a delegating merchant
/// (read as that merchant, so an unpublished one too); otherwise the product
/// as the caller sees it, as before.
pub(crate) async fn product_to_change(
    request: &RequestContext,
    id: Uuid,
) -> Result<(model::Product, Option<CollaborationView>), Refusal> {
    let names = InputNames {
        renames: &[],
        codes: &[("PRODUCT_NOT_FOUND", "productId")],
    };
    let missing = || not_found("PRODUCT_NOT_FOUND", "productId", "product");
    let seen = request
        .upstream::<Storefront>()
        .product(id)
        .await
        .map_err(|error| names.refusal(error))?;
    let delegations = delegations(request).await?;
    if let Some(product) = seen {
        let delegation = delegations
            .into_iter()
            .find(|d| d.merchant_id == product.merchant_id);
        return Ok((product, delegation));
    }
    for delegation in delegations {
        let caller = acting_for(request, delegation.merchant_id);
        let found = request
            .upstream_as::<Storefront>(&caller)
            .product(id)
            .await
            .map_err(|error| names.refusal(error))?;
        if let Some(product) = found.filter(|p| p.merchant_id == delegation.merchant_id) {
            return Ok((product, Some(delegation)));
        }
    }
    Err(missing())
}

/// Starts an action: under a delegation, records it in the collaboration's
/// audit trail first (refused there unless the terms permit it, with the
/// service's code: DELEGATION_SCOPE_MISSING, PRICE_BELOW_FLOOR,
/// PRODUCT_NOT_COVERED, COLLABORATION_NOT_ACTIVE); otherwise nothing.
pub(crate) async fn begin(
    request: &RequestContext,
    delegation: Option<CollaborationView>,
    intent: Intent,
    key: Key<'_>,
) -> Result<Acting, Refusal> {
    let Some(delegation) = delegation else {
        return Ok(Acting { delegated: None });
    };
    let body = RequestDelegatedAction {
        action: intent.kind,
        product_id: intent.product,
        price: intent.price,
        summary: intent.summary.chars().take(SUMMARY_CHARS).collect(),
    };
    let entry_key = key.map(|key| format!("{key}{AUDIT_KEY_SUFFIX}"));
    let entry = request
        .upstream::<CreatorMedia>()
        .request_action(delegation.id, &body, entry_key.as_deref())
        .await
        .map_err(|error| NAMES.refusal(error))?;
    Ok(Acting {
        delegated: Some(Delegated {
            collaboration: delegation.id,
            entry: entry.id,
            caller: acting_for(request, delegation.merchant_id),
        }),
    })
}

impl Acting {
    /// The service (the storefront, or creator-media for a live) as this
    /// action calls it.
    pub(crate) fn upstream<'a, R: Routes<'a>>(&'a self, request: &'a RequestContext) -> R {
        match &self.delegated {
            Some(delegated) => request.upstream_as::<R>(&delegated.caller),
            None => request.upstream::<R>(),
        }
    }

    /// Records the storefront's answer as the entry's outcome (done, or its
    /// refusal code) and passes it on. An unavailable storefront leaves the
    /// outcome unknown, so the entry stays without one; so does a failure to
    /// record it (logged).
    pub(crate) async fn finish<T>(
        &self,
        request: &RequestContext,
        answer: Result<T, CallError>,
    ) -> Result<T, CallError> {
        let Some(delegated) = &self.delegated else {
            return answer;
        };
        let error_code = match &answer {
            Ok(_) => None,
            Err(CallError::Rejected { body, .. }) => Some(body.code.clone()),
            Err(CallError::Unavailable { .. }) => return answer,
        };
        let recorded = request
            .upstream::<CreatorMedia>()
            .complete_action(
                delegated.collaboration,
                delegated.entry,
                &CompleteDelegatedAction { error_code },
            )
            .await;
        if let Err(error) = recorded {
            tracing::warn!(
                collaboration = %delegated.collaboration,
                entry = %delegated.entry,
                %error,
                "the outcome of a delegated action was not recorded"
            );
        }
        answer
    }
}
