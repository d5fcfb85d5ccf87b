//! Given a catalogue, when an order names a creator's code or a live
//! session, then its attribution and the live prices it is charged.

use std::collections::BTreeMap;

use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use uuid::Uuid;

use super::tests::{NOW, at, catalogue, merchant_id, order, product_id};
use super::*;
use crate::domain::Won;

const LIVE: Uuid = Uuid::from_u128(700);
const HOST: Uuid = Uuid::from_u128(800);
const CREATOR: Uuid = Uuid::from_u128(900);

/// A live of the catalogue's merchant that tags product #1 at 3,000 won
/// (its usual price is 5,000).
fn live(status: LiveStatus) -> LiveSession {
    LiveSession {
        live_id: LIVE,
        merchant_id: merchant_id(),
        host_creator_id: Some(HOST),
        status,
        prices: BTreeMap::from([(product_id(1), Won(3_000))]),
    }
}

fn sourced(lines: &[(u128, i64)], source: OrderSource) -> ShopCommand {
    match order(lines) {
        ShopCommand::PlaceOrder(request) => {
            ShopCommand::PlaceOrder(OrderRequest { source, ..request })
        }
        other => other,
    }
}

fn during(session: Option<LiveSession>) -> OrderSource {
    OrderSource {
        code: None,
        live: Some(LiveClaim {
            live_id: LIVE,
            session,
        }),
    }
}

fn code(creator_id: Option<Uuid>) -> CreatorCode {
    CreatorCode {
        code: "@Minji.Eats".into(),
        creator_id,
    }
}

fn placed(command: ShopCommand) -> OrderPlaced {
    let events = Shop::decide(&Shop::given(catalogue()).state(), &command).unwrap();
    match events.as_slice() {
        [ShopEvent::OrderPlaced(placed)] => placed.clone(),
        other => panic!("expected one OrderPlaced, got {other:?}"),
    }
}

#[test]
fn on_air_a_tagged_product_is_charged_its_live_price_and_others_keep_theirs() {
    let placed = placed(sourced(
        &[(1, 2), (2, 1)],
        during(Some(live(LiveStatus::OnAir))),
    ));
    let prices: Vec<Won> = placed.lines.iter().map(|l| l.unit_price).collect();
    assert_eq!(prices, [Won(3_000), Won(12_000)]);
    assert_eq!(placed.total, Won(2 * 3_000 + 12_000));
    assert_eq!(
        placed.attribution,
        Some(Attribution {
            creator_id: Some(HOST),
            code: None,
            live_id: Some(LIVE),
        }),
        "credited to the live's host"
    );
    let state = Shop::given(catalogue())
        .when(sourced(&[(1, 1)], during(Some(live(LiveStatus::OnAir)))))
        .state();
    let order = &state.orders[&Uuid::from_u128(500)];
    assert_eq!(order.total, Won(3_000));
    assert_eq!(order.attribution, placed.attribution);
}

#[test]
fn a_live_that_is_not_on_air_charges_nothing_and_is_refused() {
    for status in [
        LiveStatus::Scheduled,
        LiveStatus::Ended,
        LiveStatus::Cancelled,
    ] {
        Shop::given(catalogue())
            .when(sourced(&[(1, 1)], during(Some(live(status)))))
            .then_error(ShopError::LiveNotOnAir);
    }
    assert_eq!(ShopError::LiveNotOnAir.code(), "LIVE_NOT_ON_AIR");
    assert_eq!(ShopError::LiveNotOnAir.field().as_deref(), Some("liveId"));
}

#[test]
fn an_unknown_live_or_another_merchants_is_not_found() {
    Shop::given(catalogue())
        .when(sourced(&[(1, 1)], during(None)))
        .then_error(ShopError::LiveNotFound);
    let mut elsewhere = live(LiveStatus::OnAir);
    elsewhere.merchant_id = Uuid::from_u128(2);
    Shop::given(catalogue())
        .when(sourced(&[(1, 1)], during(Some(elsewhere))))
        .then_error(ShopError::LiveNotFound);
}

#[test]
fn a_code_credits_its_creator_over_the_live_host() {
    let mut source = during(Some(live(LiveStatus::OnAir)));
    source.code = Some(code(Some(CREATOR)));
    let placed = placed(sourced(&[(1, 1)], source));
    assert_eq!(
        placed.attribution,
        Some(Attribution {
            creator_id: Some(CREATOR),
            code: Some("@Minji.Eats".into()),
            live_id: Some(LIVE),
        })
    );
    assert_eq!(placed.lines[0].unit_price, Won(3_000));
}

#[test]
fn a_code_alone_credits_its_creator_at_the_usual_prices() {
    let source = OrderSource {
        code: Some(code(Some(CREATOR))),
        live: None,
    };
    let placed = placed(sourced(&[(1, 1)], source));
    assert_eq!(placed.lines[0].unit_price, Won(5_000));
    assert_eq!(
        placed.attribution,
        Some(Attribution {
            creator_id: Some(CREATOR),
            code: Some("@Minji.Eats".into()),
            live_id: None,
        })
    );
}

#[test]
fn an_unknown_code_is_refused_and_a_hostless_live_credits_no_one() {
    let source = OrderSource {
        code: Some(code(None)),
        live: None,
    };
    Shop::given(catalogue())
        .when(sourced(&[(1, 1)], source))
        .then_error(ShopError::CreatorCodeUnknown);
    let mut hostless = live(LiveStatus::OnAir);
    hostless.host_creator_id = None;
    let placed = placed(sourced(&[(1, 1)], during(Some(hostless))));
    assert_eq!(
        placed.attribution.and_then(|a| a.creator_id),
        None,
        "no code and no host"
    );
}

#[test]
fn an_order_without_a_source_has_no_attribution() {
    let placed = placed(order(&[(1, 1)]));
    assert_eq!(placed.attribution, None);
    assert_eq!(placed.lines[0].unit_price, Won(5_000));
    assert_eq!(at(NOW), placed.at);
}
