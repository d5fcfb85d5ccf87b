//! The collaboration events' hand-written conversions for the codec table
//! (`codec.rs`): the proposal's terms and a requested action are nested in
//! the domain and flat on the wire.

use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::{
    CollaborationMode, CollaborationParty, CollaborationProposedV1, DelegatedActionKind,
    DelegatedActionRequestedV1, DelegationScope, DelegationV1, ProductCommissionV1,
};
use golmok_contracts::map_codes;
use uuid::Uuid;

use crate::domain::collaboration::{self, Action, Delegation, Proposal, Terms};

map_codes!(CollaborationParty <=> collaboration::Party { Merchant, Creator });
map_codes!(CollaborationMode <=> collaboration::Mode { Promotion, DelegatedSelling });
map_codes!(DelegationScope <=> collaboration::Scope {
    EditListings, ChangePrices, AdjustStock, PublishListings, RunLives
});
map_codes!(DelegatedActionKind <=> collaboration::ActionKind {
    CreateProduct, UpdateProduct, ChangePrice, AdjustStock, PublishProduct, UnpublishProduct,
    ScheduleLive, StartLive, PinLiveProduct, EndLive, CancelLive
});

pub(super) fn proposed_to_wire(proposal: &Proposal) -> CollaborationProposedV1 {
    let terms = &proposal.terms;
    CollaborationProposedV1 {
        collaboration_id: proposal.collaboration_id,
        merchant_id: proposal.merchant_id,
        creator_id: proposal.creator_id,
        creator_owner: proposal.creator_owner.clone(),
        proposed_by: proposal.proposed_by.into(),
        products: terms.products.clone(),
        commission_bps: terms.commission_bps,
        product_commissions: terms
            .product_commissions
            .iter()
            .map(|(product_id, bps)| ProductCommissionV1 {
                product_id: *product_id,
                bps: *bps,
            })
            .collect(),
        starts: terms.starts,
        ends: terms.ends,
        respond_by: proposal.respond_by,
        mode: terms.mode.into(),
        delegation: terms.delegation.as_ref().map(|d| DelegationV1 {
            scopes: d.scopes.iter().map(|s| (*s).into()).collect(),
            price_floor: d.price_floor,
            revenue_share_bps: d.revenue_share_bps,
        }),
        at: proposal.at,
    }
}

pub(super) fn proposed_from_wire(w: CollaborationProposedV1) -> Result<(Proposal,), String> {
    let terms = Terms {
        products: w.products,
        commission_bps: w.commission_bps,
        product_commissions: w
            .product_commissions
            .into_iter()
            .map(|c| (c.product_id, c.bps))
            .collect(),
        starts: w.starts,
        ends: w.ends,
        mode: w.mode.into(),
        delegation: w.delegation.map(|d| Delegation {
            scopes: d.scopes.into_iter().map(Into::into).collect(),
            price_floor: d.price_floor,
            revenue_share_bps: d.revenue_share_bps,
        }),
    };
    if terms.starts >= terms.ends {
        return Err("a collaboration starts before it ends".into());
    }
    Ok((Proposal {
        collaboration_id: w.collaboration_id,
        merchant_id: w.merchant_id,
        creator_id: w.creator_id,
        creator_owner: w.creator_owner,
        proposed_by: w.proposed_by.into(),
        terms,
        respond_by: w.respond_by,
        at: w.at,
    },))
}

pub(super) fn requested_to_wire(
    entry_id: &Uuid,
    action: &Action,
    actor: &str,
    at: &DateTime<Utc>,
) -> DelegatedActionRequestedV1 {
    DelegatedActionRequestedV1 {
        entry_id: *entry_id,
        action: action.kind.into(),
        product_id: action.product_id,
        price: action.price,
        summary: action.summary.clone(),
        actor: actor.to_owned(),
        at: *at,
    }
}

type Requested = (Uuid, Action, String, DateTime<Utc>);

pub(super) fn requested_from_wire(w: DelegatedActionRequestedV1) -> Result<Requested, String> {
    let action = Action {
        kind: w.action.into(),
        product_id: w.product_id,
        price: w.price,
        summary: w.summary,
    };
    Ok((w.entry_id, action, w.actor, w.at))
}

/// One sample of each collaboration event, in the codec's order.
#[cfg(any(test, feature = "samples"))]
pub(super) fn samples(
    at: DateTime<Utc>,
    id: fn(u128) -> Uuid,
) -> Vec<super::codec::CreatorMediaEvent> {
    use crate::domain::collaboration::{ActionKind, CollaborationEvent, Mode, Party, Scope};
    let terms = Terms {
        products: vec![id(20)],
        commission_bps: 1_000,
        product_commissions: [(id(20), 1_500)].into_iter().collect(),
        starts: at,
        ends: at + chrono::TimeDelta::days(90),
        mode: Mode::DelegatedSelling,
        delegation: Some(Delegation {
            scopes: [Scope::EditListings, Scope::ChangePrices]
                .into_iter()
                .collect(),
            price_floor: 5_000,
            revenue_share_bps: 2_000,
        }),
    };
    let by = Party::Creator;
    vec![
        CollaborationEvent::Proposed {
            proposal: Proposal {
                collaboration_id: id(10),
                merchant_id: id(11),
                creator_id: id(1),
                creator_owner: Some("creator-kim".into()),
                proposed_by: Party::Merchant,
                terms,
                respond_by: at + chrono::TimeDelta::days(7),
                at,
            },
        },
        CollaborationEvent::Accepted { by, at },
        CollaborationEvent::Declined { by, at },
        CollaborationEvent::Ended { by, at },
        CollaborationEvent::Expired { at },
        CollaborationEvent::ActionRequested {
            entry_id: id(12),
            action: Action {
                kind: ActionKind::ChangePrice,
                product_id: Some(id(20)),
                price: Some(6_000),
                summary: "price 6000".into(),
            },
            actor: "creator-kim".into(),
            at,
        },
        CollaborationEvent::ActionCompleted {
            entry_id: id(12),
            error_code: None,
            at,
        },
    ]
    .into_iter()
    .map(Into::into)
    .collect()
}
