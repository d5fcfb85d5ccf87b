//! The subscription root: the feeds clients follow live (graphql-transport-ws,
//! graphql-ws or SSE; see `http/`) — a tie-in's promotions for its partner,
//! a merchant's order changes, a creator's commission changes. Each item
//! has a cursor (the producer's log position); `after:` replays exactly
//! what came after it, then the feed goes on live.

mod commissions;
mod orders;
mod promotions;

use std::sync::Arc;

use async_graphql::{Context, ID, Result, Subscription};
use futures::stream::{self, BoxStream};
use futures::{Stream, StreamExt};
use golmok_contracts::creator_media::parse_feed_cursor;
use golmok_runtime::Actor;
use uuid::Uuid;

use crate::errors::coded;
use crate::feed::{Feed, FeedItem, Feeds, Producer, RenderOne, Subscribed, Tap, Tapped};
use crate::relay::{GlobalId, NodeType};
use crate::schema::context::ContextExt;

use commissions::CommissionFeedItem;
use orders::OrderFeedItem;
use promotions::{PromotionFeedFilter, PromotionFeedItem};

#[derive(Default)]
pub(crate) struct Subscription;

#[Subscription]
impl Subscription {
    /// The promotions of an event tie-in, each change as an item with a
    /// cursor: first every item after `after` (from the start without it), in
    /// order, then each new one as it happens. Reconnect with the cursor of
    /// the last item received to get exactly what was missed. Read by the
    /// tie-in's partner, officials and operators; an item is in the feed when
    /// the tie-in includes its promotion (restricted to it, or public,
    /// matching its filter and overlapping its period) and `filter` keeps it.
    async fn promotion_feed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tie-in's global id (or its UUID).")] tie_in: ID,
        filter: Option<PromotionFeedFilter>,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<PromotionFeedItem>> + use<>> {
        let after = position(after)?;
        let feeds = feeds(ctx)?;
        let subscribed = promotions::subscribed(ctx, feeds, &tie_in, filter, after).await?;
        Ok(follow(
            ctx,
            &feeds.creator_media,
            subscribed,
            PromotionFeedItem::of,
        ))
    }

    /// Every change of a merchant's orders, as an item with a cursor: placed,
    /// paid, confirmed, cancelled, lines returned, refunded and the rest,
    /// with the order's status and payment after it. First every item after
    /// `after` (from the start without it), in order, then each new one as it
    /// happens; reconnect with the cursor of the last item received to get
    /// exactly what was missed. Read by the merchant and operators, as its
    /// orders are.
    async fn order_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The merchant's global id (or its UUID).")] merchant_id: ID,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<OrderFeedItem>> + use<>> {
        let after = position(after)?;
        let feeds = feeds(ctx)?;
        let subscribed = orders::subscribed(signed_in(ctx)?, &merchant_id, after)?;
        Ok(follow(ctx, &feeds.storefront, subscribed, |item| {
            Some(OrderFeedItem(item))
        }))
    }

    /// Every change of a creator's commissions, as an item with a cursor:
    /// accrued, payable, reversed, clawed back, paid out. First every item
    /// after `after` (from the start without it), in order, then each new one
    /// as it happens; reconnect with the cursor of the last item received to
    /// get exactly what was missed. Read by the creator (the account that
    /// registered it), officials and operators.
    async fn commission_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The creator's global id (or its UUID).")] creator_id: ID,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<CommissionFeedItem>> + use<>> {
        let after = position(after)?;
        let feeds = feeds(ctx)?;
        let subscribed =
            commissions::subscribed(signed_in(ctx)?, feeds, &creator_id, after).await?;
        Ok(follow(
            ctx,
            &feeds.creator_media,
            subscribed,
            CommissionFeedItem::of,
        ))
    }
}

/// The position `after` names: 0 without it.
fn position(after: Option<String>) -> Result<u64> {
    match after {
        None => Ok(0),
        Some(cursor) => parse_feed_cursor(&cursor).ok_or_else(|| {
            coded(
                "INVALID_CURSOR",
                "`after` is not a cursor of this feed; pass the `cursor` of an item received",
            )
        }),
    }
}

fn feeds<'c>(ctx: &Context<'c>) -> Result<&'c Feeds> {
    ctx.data_opt::<Feeds>()
        .ok_or_else(|| coded("UNAVAILABLE", "feeds are not available here"))
}

/// The caller; feeds are read signed in.
fn signed_in<'a>(ctx: &'a Context<'_>) -> Result<&'a Actor> {
    ctx.request().actor.as_ref().ok_or_else(|| {
        coded(
            "UNAUTHENTICATED",
            "sign in: send a bearer token (connection_init payload `authorization`, or the \
             Authorization header)",
        )
    })
}

/// The refusal of a feed that is not the caller's to read.
fn forbidden(message: &str) -> async_graphql::Error {
    coded("FORBIDDEN", message)
}

/// A storage failure while reading a feed.
fn unreadable(error: impl std::fmt::Display) -> async_graphql::Error {
    tracing::warn!(%error, "reading a feed failed");
    coded("UNAVAILABLE", "the feed cannot be read right now")
}

/// The items of `feed` that `subscribed` asks for, each as `item` presents
/// it (`None`: not an item of this subscription's kind, which its `wants`
/// already leaves out). When the transport renders items itself (a [`Tap`]
/// in the operation's data) they go to the tap, in order, and only a failure
/// comes out here; when it renders one item read by another subscription of
/// the same operation and caller ([`RenderOne`]), that item is all there is.
fn follow<P: Producer, T: Send + 'static>(
    ctx: &Context<'_>,
    feed: &Feed<P>,
    subscribed: Subscribed<P::Entry>,
    item: fn(Arc<FeedItem<P::Entry>>) -> Option<T>,
) -> BoxStream<'static, Result<T>> {
    if let Some(one) = ctx.data_opt::<RenderOne>() {
        let one = one
            .item::<P::Entry>()
            .filter(|read| (subscribed.wants)(&read.entry))
            .and_then(item);
        return stream::iter(one.map(Ok)).boxed();
    }
    let reads = feed.subscribe(subscribed);
    let Some(tap) = ctx.data_opt::<Tap>().cloned() else {
        return reads
            .filter_map(move |read| {
                std::future::ready(match read {
                    Ok(read) => item(read).map(Ok),
                    Err(error) => Some(Err(unavailable::<P>(error))),
                })
            })
            .boxed();
    };
    let renderings = Arc::clone(feed.renderings());
    reads
        .filter_map(move |read| {
            let tap = tap.clone();
            let renderings = Arc::clone(&renderings);
            async move {
                match read {
                    Ok(read) => {
                        // Waits while the transport is sending what it has:
                        // a subscription reads no further ahead than it sends.
                        tap.give(Tapped::new(read, renderings)).await;
                        None
                    }
                    Err(error) => Some(Err(unavailable::<P>(error))),
                }
            }
        })
        .boxed()
}

/// A feed that failed while it was followed.
fn unavailable<P: Producer>(error: impl std::fmt::Display) -> async_graphql::Error {
    tracing::warn!(%error, feed = P::FEED, "reading a feed failed");
    coded(
        "UNAVAILABLE",
        "the feed cannot be read right now; reconnect with the cursor of the last item received",
    )
}

/// The id of a `node_type` object `id` names: its global id or its plain UUID
/// (as feed items and webhooks carry it).
fn object_id(id: &ID, node_type: NodeType) -> Option<Uuid> {
    GlobalId::expect_or_uuid(id.as_str(), node_type).ok()
}
