//! A creator's commission changes, for the creator, officials and operators.

use std::sync::Arc;

use async_graphql::{ID, Object, Result};
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::feed_cursor;
use golmok_runtime::{Actor, Role};

use super::{forbidden, object_id, unreadable};
use crate::feed::{CommissionChange, CommissionKind, FeedItem, Feeds, MediaEntry, Subscribed};
use crate::relay::{GlobalId, NodeType};
use crate::schema::scalars::Won;

/// What a subscription to the commission changes of `creator` asks for,
/// once `actor` may read them: officials and operators read any creator's;
/// a creator account reads those of the creator it registered (as
/// creator-media's `CreatorRegistered` names it). Anyone else, and a
/// creator account naming a creator not its own or none, is FORBIDDEN.
pub(super) async fn subscribed(
    actor: &Actor,
    feeds: &Feeds,
    creator: &ID,
    after: u64,
) -> Result<Subscribed<MediaEntry>> {
    let refused =
        || forbidden("a creator's commissions are read by its creator, officials and operators");
    let creator = object_id(creator, NodeType::Creator).ok_or_else(refused)?;
    let programme = actor.is(Role::Official) || actor.is(Role::Operator);
    if !programme {
        let owner = if actor.is(Role::Creator) {
            feeds
                .creator_media
                .store()
                .creator_owner(creator)
                .await
                .map_err(unreadable)?
        } else {
            None
        };
        if owner.as_deref() != Some(actor.subject.as_str()) {
            return Err(refused());
        }
    }
    Ok(Subscribed {
        wants: Box::new(
            move |entry: &MediaEntry| matches!(entry, MediaEntry::Commission { commission } if commission.creator_id == creator),
        ),
        after,
    })
}

/// One change of a creator's commissions.
pub(crate) struct CommissionFeedItem {
    position: u64,
    change: CommissionChange,
}

impl CommissionFeedItem {
    /// The commission change `item` is, if it is one.
    pub(super) fn of(item: Arc<FeedItem<MediaEntry>>) -> Option<CommissionFeedItem> {
        match &item.entry {
            MediaEntry::Commission { commission } => Some(CommissionFeedItem {
                position: item.position,
                change: commission.clone(),
            }),
            MediaEntry::Promotion(_) => None,
        }
    }
}

#[Object]
impl CommissionFeedItem {
    /// Where this item sits in the feed: pass it as `after` to continue
    /// after it (the same on every gateway and across restarts).
    async fn cursor(&self) -> String {
        feed_cursor(self.position)
    }

    async fn kind(&self) -> CommissionKind {
        self.change.kind
    }

    /// The creator's global id.
    async fn creator_id(&self) -> ID {
        GlobalId::new(NodeType::Creator, self.change.creator_id).to_id()
    }

    /// The order's global id; null for PAID_OUT (see `orders`).
    async fn order_id(&self) -> Option<ID> {
        self.change
            .order_id
            .map(|id| GlobalId::new(NodeType::Order, id).to_id())
    }

    /// The commission accrued or payable, the share reversed or clawed
    /// back, or the net paid out.
    async fn amount(&self) -> Won {
        Won(self.change.amount)
    }

    /// When an accrued commission becomes payable (ACCRUED).
    async fn payable_at(&self) -> Option<DateTime<Utc>> {
        self.change.payable_at
    }

    /// The storefront's return (a UUID), for REVERSED and CLAWED_BACK.
    async fn return_id(&self) -> Option<ID> {
        self.change.return_id.map(|id| ID(id.to_string()))
    }

    /// The payout's id (a UUID), for PAID_OUT.
    async fn payout_id(&self) -> Option<ID> {
        let payout = self.change.payout.as_ref()?;
        Some(ID(payout.payout_id.to_string()))
    }

    /// Global ids of the orders a payout settles (PAID_OUT; empty otherwise).
    async fn orders(&self) -> Vec<ID> {
        self.change.payout.as_ref().map_or_else(Vec::new, |payout| {
            payout
                .orders
                .iter()
                .map(|id| GlobalId::new(NodeType::Order, *id).to_id())
                .collect()
        })
    }

    /// The payable commissions a payout settles (PAID_OUT).
    async fn payable(&self) -> Option<Won> {
        self.change
            .payout
            .as_ref()
            .map(|payout| Won(payout.payable))
    }

    /// The clawbacks a payout deducted (PAID_OUT).
    async fn clawed_back(&self) -> Option<Won> {
        self.change
            .payout
            .as_ref()
            .map(|payout| Won(payout.clawed_back))
    }

    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.change.at
    }
}
