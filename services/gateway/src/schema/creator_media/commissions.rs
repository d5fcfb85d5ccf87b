//! A creator's commissions over GraphQL: the account (held, payable, owed,
//! paid out) and the per-order commissions on the creator, and the payout an
//! official or an operator makes. Creator media decides who may read them
//! (the creator's owner, officials, operators); for anyone else they read as
//! null.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result, ResultExt};
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::http::{
    CommissionAccountView, CommissionLineView, CommissionStatus, CommissionView, PayoutView,
};
use uuid::Uuid;

use super::types::Creator;
use crate::relay::{GlobalId, ListId, NodeType, PageRequest, page};
use crate::schema::context::ContextExt;
use crate::schema::outcome::{InputNames, Refusal, idempotency_key, input_id, payload, settle};
use crate::schema::scalars::Won;
use crate::upstream::CreatorMedia;

/// Refusals about the creator point at its input.
const NAMES: InputNames = InputNames {
    renames: &[],
    codes: &[("CREATOR_NOT_FOUND", "creatorId")],
};

fn global(node: NodeType, id: Uuid) -> ID {
    GlobalId::new(node, id).to_id()
}

/// What a creator is owed, in won.
pub(crate) struct CommissionAccount(CommissionAccountView);

#[Object]
impl CommissionAccount {
    /// Accrued on paid orders still within their return window.
    async fn held(&self) -> Won {
        Won(self.0.held)
    }

    /// Due at the next payout, before clawbacks are deducted.
    async fn payable(&self) -> Won {
        Won(self.0.payable)
    }

    /// Clawed back by returns after a commission was payable, not yet
    /// deducted from a payout.
    async fn owed(&self) -> Won {
        Won(self.0.owed)
    }

    /// The net of every payout so far.
    async fn paid_out(&self) -> Won {
        Won(self.0.paid_out)
    }
}

/// The commission of one order credited to the creator.
pub(crate) struct Commission(CommissionView);

#[Object]
impl Commission {
    /// The order's global id.
    async fn order_id(&self) -> ID {
        global(NodeType::Order, self.0.order_id)
    }

    /// The merchant's global id.
    async fn merchant_id(&self) -> ID {
        global(NodeType::Merchant, self.0.merchant_id)
    }

    /// The collaboration whose rates it earned.
    async fn collaboration(&self, ctx: &Context<'_>) -> Result<Option<super::Collaboration>> {
        super::find_collaboration(ctx, self.0.collaboration_id).await
    }

    /// The live session the order came from, if any (its global id).
    async fn live_session_id(&self) -> Option<ID> {
        self.0.live_id.map(|id| global(NodeType::LiveSession, id))
    }

    /// HELD until the order's return window ends, then PAYABLE, then PAID_OUT.
    async fn status(&self) -> CommissionStatus {
        self.0.status
    }

    /// Accrued when the order was paid.
    async fn accrued(&self) -> Won {
        Won(self.0.accrued)
    }

    /// Taken back by returns while it was held.
    async fn reversed(&self) -> Won {
        Won(self.0.reversed)
    }

    /// Taken back by returns once it was payable or paid out (deducted from
    /// a payout).
    async fn clawed_back(&self) -> Won {
        Won(self.0.clawed_back)
    }

    async fn accrued_at(&self) -> DateTime<Utc> {
        self.0.accrued_at
    }

    /// When the order's return window ends.
    async fn payable_at(&self) -> DateTime<Utc> {
        self.0.payable_at
    }

    /// The payout that settled it.
    async fn payout_id(&self) -> Option<ID> {
        self.0
            .payout_id
            .map(|id| global(NodeType::CommissionPayout, id))
    }

    /// The order lines the collaboration covers, each with its share.
    async fn lines(&self) -> Vec<CommissionLine<'_>> {
        self.0.lines.iter().map(CommissionLine).collect()
    }
}

/// One order line's share of a commission.
pub(crate) struct CommissionLine<'a>(&'a CommissionLineView);

#[Object]
impl CommissionLine<'_> {
    /// The product's global id.
    async fn product_id(&self) -> ID {
        global(NodeType::Product, self.0.product_id)
    }

    /// What the buyer paid for the line.
    async fn sales(&self) -> Won {
        Won(self.0.sales)
    }

    /// The collaboration's rate for the product, in basis points.
    async fn bps(&self) -> u32 {
        self.0.bps
    }

    /// `sales × bps / 10000`, rounded down.
    async fn commission(&self) -> Won {
        Won(self.0.commission)
    }

    /// How much of it returns took back.
    async fn taken_back(&self) -> Won {
        Won(self.0.taken_back)
    }
}

/// A payout of a creator's payable commissions, less what was clawed back.
pub(crate) struct CommissionPayout(PayoutView);

#[Object]
impl CommissionPayout {
    /// The payout's global id (read from `payOutCommissions` and each
    /// commission's `payoutId`).
    async fn id(&self) -> ID {
        global(NodeType::CommissionPayout, self.0.id)
    }

    async fn creator(&self, ctx: &Context<'_>) -> Result<Option<Creator>> {
        super::find_creator(ctx, self.0.creator_id).await
    }

    /// The orders whose commissions it settled (global ids).
    async fn order_ids(&self) -> Vec<ID> {
        self.0
            .orders
            .iter()
            .map(|id| global(NodeType::Order, *id))
            .collect()
    }

    /// The payable commissions settled.
    async fn payable(&self) -> Won {
        Won(self.0.payable)
    }

    /// Clawbacks deducted; what they exceed is still owed.
    async fn clawed_back(&self) -> Won {
        Won(self.0.clawed_back)
    }

    /// What was paid: `payable − clawedBack`.
    async fn net(&self) -> Won {
        Won(self.0.net)
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// The creator's commission account; null for a caller who may not read it.
pub(crate) async fn commission_account(
    ctx: &Context<'_>,
    creator: Uuid,
) -> Result<Option<CommissionAccount>> {
    let found = ctx
        .request()
        .upstream::<CreatorMedia>()
        .commission_account(creator)
        .await
        .extend()?;
    Ok(found.map(|view| CommissionAccount(view.account)))
}

/// The creator's commissions in accrual order; an error (and null) for a
/// caller who may not read them.
pub(crate) async fn commissions(
    ctx: &Context<'_>,
    creator: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Option<Connection<String, Commission>>> {
    let media = &ctx.request().upstream::<CreatorMedia>();
    page(
        PageRequest::new(
            ListId::new("commissions", &creator.to_string()),
            first,
            after,
        )?,
        |first, after| async move { media.commissions(creator, first, after.as_deref()).await },
        Commission,
    )
    .await
    .map(Some)
    .extend()
}

/// Pay out a creator's payable commissions.
#[derive(InputObject)]
pub(crate) struct PayOutCommissionsInput {
    /// The creator's global id.
    creator_id: ID,
    /// A retry with the same key returns the first payout instead of paying twice.
    idempotency_key: Option<String>,
}

payload!(PayOutCommissionsPayload {
    payout: CommissionPayout
});

#[derive(Default)]
pub(crate) struct CommissionMutation;

async fn pay_out(
    ctx: &Context<'_>,
    input: &PayOutCommissionsInput,
) -> Result<CommissionPayout, Refusal> {
    let creator = input_id(&input.creator_id, NodeType::Creator, "creatorId")?;
    let key = idempotency_key(input.idempotency_key.as_deref())?;
    let paid = ctx
        .request()
        .upstream::<CreatorMedia>()
        .pay_out_commissions(creator, key)
        .await;
    Ok(CommissionPayout(paid.map_err(|e| NAMES.refusal(e))?))
}

#[Object]
impl CommissionMutation {
    /// An official or an operator pays out everything payable to the
    /// creator, less what it owes (NOTHING_TO_PAY_OUT when nothing is
    /// payable; a clawback larger than the payout carries over).
    async fn pay_out_commissions(
        &self,
        ctx: &Context<'_>,
        input: PayOutCommissionsInput,
    ) -> Result<PayOutCommissionsPayload> {
        settle(pay_out(ctx, &input).await)
    }
}
