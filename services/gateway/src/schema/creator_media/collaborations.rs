//! Collaborations between a merchant and a creator over GraphQL: invite or
//! apply, accept, decline, end; the collaboration as a node with its terms
//! and, for the merchant, the audit trail of every action the creator took on
//! its behalf (delegated selling is enforced in `schema/delegation.rs`).

use async_graphql::connection::Connection;
use async_graphql::{
    Context, ErrorExtensions, ID, InputObject, Object, Result, ResultExt, SimpleObject,
};
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::http::{
    AuditEntryView, AuditOutcome, CollaborationMode, CollaborationParty, CollaborationStatus,
    CollaborationView, DelegatedActionKind, DelegationScope, ProductCommission,
    ProposeCollaboration,
};
use golmok_runtime::Role;
use uuid::Uuid;

use super::types::Creator;
use crate::relay::{GlobalId, ListId, NodeType, PageRequest, page};
use crate::schema::context::ContextExt;
use crate::schema::merchants::{Merchant, find_merchant};
use crate::schema::outcome::{
    InputNames, Refusal, UserError, idempotency_key, input_id, payload, settle,
};
use crate::schema::scalars::Won;
use crate::upstream::{Answering, CreatorMedia};

/// Refusals about ids point at their inputs; the service's field names are the inputs'.
const NAMES: InputNames = InputNames {
    renames: &[],
    codes: &[
        ("CREATOR_NOT_FOUND", "creatorId"),
        ("COLLABORATION_NOT_FOUND", "collaborationId"),
    ],
};

/// A collaboration between a merchant and a creator.
pub(crate) struct Collaboration(pub(crate) CollaborationView);

/// A commission for one product, overriding the default.
#[derive(SimpleObject)]
pub(crate) struct ProductCommissionRate {
    /// The product's global id.
    product_id: ID,
    bps: i32,
}

/// What a creator may do for the merchant in delegated selling.
#[derive(SimpleObject)]
pub(crate) struct DelegationTerms {
    scopes: Vec<DelegationScope>,
    /// The creator never sets a price below it.
    price_floor: Won,
    revenue_share_bps: i32,
}

fn product_id(id: Uuid) -> ID {
    GlobalId::new(NodeType::Product, id).to_id()
}

fn bps(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

#[Object]
impl Collaboration {
    /// The collaboration's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::Collaboration, self.0.id).to_id()
    }

    async fn merchant(&self, ctx: &Context<'_>) -> Result<Option<Merchant>> {
        find_merchant(ctx, self.0.merchant_id).await
    }

    async fn creator(&self, ctx: &Context<'_>) -> Result<Option<Creator>> {
        super::find_creator(ctx, self.0.creator_id).await
    }

    async fn proposed_by(&self) -> CollaborationParty {
        self.0.proposed_by
    }

    async fn status(&self) -> CollaborationStatus {
        self.0.status
    }

    /// The products covered (global ids); empty covers every product of the merchant.
    async fn product_ids(&self) -> Vec<ID> {
        self.0.products.iter().copied().map(product_id).collect()
    }

    /// The default commission, in basis points.
    async fn commission_bps(&self) -> i32 {
        bps(self.0.commission_bps)
    }

    async fn product_commissions(&self) -> Vec<ProductCommissionRate> {
        self.0
            .product_commissions
            .iter()
            .map(|c| ProductCommissionRate {
                product_id: product_id(c.product_id),
                bps: bps(c.bps),
            })
            .collect()
    }

    async fn starts(&self) -> DateTime<Utc> {
        self.0.starts
    }

    async fn ends(&self) -> DateTime<Utc> {
        self.0.ends
    }

    /// A proposal not answered by then expires.
    async fn respond_by(&self) -> DateTime<Utc> {
        self.0.respond_by
    }

    async fn mode(&self) -> CollaborationMode {
        self.0.mode
    }

    /// Delegated selling only.
    async fn delegation(&self) -> Option<DelegationTerms> {
        self.0.delegation.as_ref().map(|d| DelegationTerms {
            scopes: d.scopes.clone(),
            price_floor: Won(d.price_floor),
            revenue_share_bps: bps(d.revenue_share_bps),
        })
    }

    async fn proposed_at(&self) -> DateTime<Utc> {
        self.0.proposed_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Every action the creator took on the merchant's behalf, oldest first,
    /// each with its outcome (an entry without one was requested and its
    /// outcome never recorded). The merchant's record: its merchant and
    /// operators read it; for the creator it is null with a FORBIDDEN error.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Option<Connection<String, AuditEntry>>> {
        let id = self.0.id;
        let media = &ctx.request().upstream::<CreatorMedia>();
        page(
            PageRequest::new(ListId::new("auditTrail", &id.to_string()), first, after)?,
            |first, after| async move { media.audit_trail(id, first, after.as_deref()).await },
            AuditEntry,
        )
        .await
        .map(Some)
        .extend()
    }
}

/// One action a creator took on the merchant's behalf.
pub(crate) struct AuditEntry(AuditEntryView);

#[Object]
impl AuditEntry {
    /// The entry's global id (read from its collaboration's `auditTrail`).
    async fn id(&self) -> ID {
        GlobalId::new(NodeType::AuditEntry, self.0.id).to_id()
    }

    async fn action(&self) -> DelegatedActionKind {
        self.0.action
    }

    /// The product's global id; null when the action created one.
    async fn product_id(&self) -> Option<ID> {
        self.0.product_id.map(product_id)
    }

    /// The price the action set, if any.
    async fn price(&self) -> Option<Won> {
        self.0.price.map(Won)
    }

    /// What was asked, in a line.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// The creator's token subject.
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    async fn outcome(&self) -> AuditOutcome {
        self.0.outcome
    }

    /// The storefront's code when the action was refused.
    async fn error_code(&self) -> Option<&str> {
        self.0.error_code.as_deref()
    }
}

#[derive(Default)]
pub(crate) struct CollaborationQuery;

#[Object]
impl CollaborationQuery {
    /// A collaboration by global id (either party, operators).
    async fn collaboration(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Collaboration>> {
        let id = GlobalId::expect(&id, NodeType::Collaboration).map_err(|e| e.extend())?;
        find_collaboration(ctx, id).await
    }

    /// The caller's collaborations in proposal order: a merchant's, or a creator's.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn collaborations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, Collaboration>> {
        let request = ctx.request();
        let subject = request.actor.as_ref().map_or("", |a| a.subject.as_str());
        let media = &request.upstream::<CreatorMedia>();
        page(
            PageRequest::new(ListId::new("collaborations", subject), first, after)?,
            |first, after| async move { media.collaborations(first, after.as_deref()).await },
            Collaboration,
        )
        .await
        .extend()
    }
}

pub(crate) async fn find_collaboration(
    ctx: &Context<'_>,
    id: Uuid,
) -> Result<Option<Collaboration>> {
    Ok(ctx
        .request()
        .upstream::<CreatorMedia>()
        .collaboration(id)
        .await
        .extend()?
        .map(Collaboration))
}

/// A commission for one product.
#[derive(InputObject)]
pub(crate) struct ProductCommissionInput {
    /// The product's global id.
    product_id: ID,
    /// 0 to 10,000.
    bps: i32,
}

/// The terms a merchant invites a creator on, or a creator applies with.
#[derive(InputObject)]
pub(crate) struct CollaborationInput {
    /// The merchant's global id.
    merchant_id: ID,
    /// The creator's global id.
    creator_id: ID,
    /// The products covered (global ids); empty or absent covers every product.
    product_ids: Option<Vec<ID>>,
    /// The default commission, 0 to 10,000 basis points.
    commission_bps: i32,
    /// Per-product commissions, overriding the default.
    product_commissions: Option<Vec<ProductCommissionInput>>,
    starts: DateTime<Utc>,
    /// After `starts`, in the future.
    ends: DateTime<Utc>,
    /// Default: 7 days from now, or `ends` if sooner.
    respond_by: Option<DateTime<Utc>>,
    mode: CollaborationMode,
    /// Delegated selling only: what the creator may do.
    scopes: Option<Vec<DelegationScope>>,
    /// Delegated selling only: the lowest price the creator may set.
    price_floor: Option<Won>,
    /// Delegated selling only: the creator's share, 0 to 10,000 basis points.
    revenue_share_bps: Option<i32>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl CollaborationInput {
    fn body(&self) -> Result<ProposeCollaboration, Refusal> {
        let products = self
            .product_ids
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, id)| input_id(id, NodeType::Product, &format!("productIds.{i}")))
            .collect::<Result<_, _>>()?;
        let product_commissions = self
            .product_commissions
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, c)| {
                let field = format!("productCommissions.{i}.productId");
                Ok(ProductCommission {
                    product_id: input_id(&c.product_id, NodeType::Product, &field)?,
                    bps: c.bps.into(),
                })
            })
            .collect::<Result<_, Refusal>>()?;
        Ok(ProposeCollaboration {
            merchant_id: input_id(&self.merchant_id, NodeType::Merchant, "merchantId")?,
            creator_id: input_id(&self.creator_id, NodeType::Creator, "creatorId")?,
            products,
            commission_bps: self.commission_bps.into(),
            product_commissions,
            starts: self.starts,
            ends: self.ends,
            respond_by: self.respond_by,
            mode: self.mode,
            scopes: self
                .scopes
                .as_ref()
                .map(|scopes| scopes.iter().map(scope_name).collect()),
            price_floor: self.price_floor.map(|w| w.0),
            revenue_share_bps: self.revenue_share_bps.map(i64::from),
        })
    }
}

/// A scope as the service names it (`EDIT_LISTINGS`).
fn scope_name(scope: &DelegationScope) -> String {
    serde_json::to_value(scope)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Accept, decline or end a collaboration.
#[derive(InputObject)]
pub(crate) struct CollaborationAnswerInput {
    /// The collaboration's global id.
    collaboration_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

payload!(InviteCreatorPayload {
    collaboration: Collaboration
});
payload!(ApplyToMerchantPayload {
    collaboration: Collaboration
});
payload!(AcceptCollaborationPayload {
    collaboration: Collaboration
});
payload!(DeclineCollaborationPayload {
    collaboration: Collaboration
});
payload!(EndCollaborationPayload {
    collaboration: Collaboration
});

#[derive(Default)]
pub(crate) struct CollaborationMutation;

/// Proposes as `role` (a merchant invites, a creator applies); FORBIDDEN for any other caller.
async fn propose(
    ctx: &Context<'_>,
    input: &CollaborationInput,
    role: Role,
) -> Result<Collaboration, Refusal> {
    let request = ctx.request();
    if request.actor.as_ref().map(|a| a.role) != Some(role) {
        return Err(Refusal::User(UserError {
            field: None,
            message: "the caller may not do this".into(),
            code: "FORBIDDEN".into(),
        }));
    }
    let key = idempotency_key(input.idempotency_key.as_deref())?;
    let body = input.body()?;
    let proposed = request
        .upstream::<CreatorMedia>()
        .propose_collaboration(&body, key)
        .await;
    Ok(Collaboration(proposed.map_err(|e| NAMES.refusal(e))?))
}

async fn answer(
    ctx: &Context<'_>,
    input: &CollaborationAnswerInput,
    answering: Answering,
) -> Result<Collaboration, Refusal> {
    let id = input_id(
        &input.collaboration_id,
        NodeType::Collaboration,
        "collaborationId",
    )?;
    let key = idempotency_key(input.idempotency_key.as_deref())?;
    let answered = ctx
        .request()
        .upstream::<CreatorMedia>()
        .answer_collaboration(id, answering, key)
        .await;
    Ok(Collaboration(answered.map_err(|e| NAMES.refusal(e))?))
}

#[Object]
impl CollaborationMutation {
    /// A merchant invites a registered creator (a merchant token for that merchant).
    async fn invite_creator(
        &self,
        ctx: &Context<'_>,
        input: CollaborationInput,
    ) -> Result<InviteCreatorPayload> {
        settle(propose(ctx, &input, Role::Merchant).await)
    }

    /// A creator applies to a merchant (the creator's own token).
    async fn apply_to_merchant(
        &self,
        ctx: &Context<'_>,
        input: CollaborationInput,
    ) -> Result<ApplyToMerchantPayload> {
        settle(propose(ctx, &input, Role::Creator).await)
    }

    /// The other party accepts a proposal; the proposer gets NOT_THE_COUNTERPARTY.
    async fn accept_collaboration(
        &self,
        ctx: &Context<'_>,
        input: CollaborationAnswerInput,
    ) -> Result<AcceptCollaborationPayload> {
        settle(answer(ctx, &input, Answering::Accept).await)
    }

    /// The other party declines a proposal.
    async fn decline_collaboration(
        &self,
        ctx: &Context<'_>,
        input: CollaborationAnswerInput,
    ) -> Result<DeclineCollaborationPayload> {
        settle(answer(ctx, &input, Answering::Decline).await)
    }

    /// Either party ends an active collaboration; nothing more is done on the
    /// merchant's behalf.
    async fn end_collaboration(
        &self,
        ctx: &Context<'_>,
        input: CollaborationAnswerInput,
    ) -> Result<EndCollaborationPayload> {
        settle(answer(ctx, &input, Answering::End).await)
    }
}
