//! Given events, when a command, then events or an error.

use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::domain::Won;
use crate::domain::merchant::MerchantStanding;

pub(super) const NOW: &str = "2024-06-01T03:00:00Z";

pub(super) fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

pub(super) fn merchant_id() -> Uuid {
    Uuid::from_u128(1)
}

pub(super) fn product_id(n: u128) -> Uuid {
    Uuid::from_u128(100 + n)
}

fn added(n: u128, price: i64, stock: u64) -> ShopEvent {
    ShopEvent::ProductAdded(ProductAdded {
        product_id: product_id(n),
        merchant_id: merchant_id(),
        name: format!("상품 {n}"),
        description: String::new(),
        price: Won(price),
        stock,
        at: at(NOW),
    })
}

fn published(n: u128) -> ShopEvent {
    ShopEvent::ProductPublished {
        product_id: product_id(n),
        at: at(NOW),
    }
}

/// Two published products: #1 at 5,000 won with 10 units, #2 at 12,000 won with 3.
pub(super) fn catalogue() -> Vec<ShopEvent> {
    vec![
        added(1, 5_000, 10),
        published(1),
        added(2, 12_000, 3),
        published(2),
    ]
}

fn new_product(name: &str, price: i64, stock: i64) -> ShopCommand {
    ShopCommand::AddProduct(NewProduct {
        product_id: product_id(9),
        merchant_id: merchant_id(),
        merchant: MerchantStanding::Active,
        name: name.into(),
        description: "수제 막걸리".into(),
        price,
        stock,
        at: at(NOW),
    })
}

pub(super) fn order(lines: &[(u128, i64)]) -> ShopCommand {
    order_with(Uuid::from_u128(500), MerchantStanding::Active, lines)
}

fn order_with(order_id: Uuid, merchant: MerchantStanding, lines: &[(u128, i64)]) -> ShopCommand {
    ShopCommand::PlaceOrder(OrderRequest {
        order_id,
        merchant_id: merchant_id(),
        merchant,
        buyer: "citizen-1".into(),
        lines: lines
            .iter()
            .map(|(n, quantity)| LineRequest {
                product_id: product_id(*n),
                quantity: *quantity,
            })
            .collect(),
        payment: PaymentMethod::Voucher,
        source: OrderSource::default(),
        at: at(NOW),
    })
}

fn order_paid_by(method: PaymentMethod) -> ShopCommand {
    match order(&[(1, 1)]) {
        ShopCommand::PlaceOrder(request) => ShopCommand::PlaceOrder(OrderRequest {
            payment: method,
            ..request
        }),
        other => other,
    }
}

fn product(state: &ShopState, n: u128) -> &Product {
    &state.products[&product_id(n)]
}

#[test]
fn given_an_empty_shop_when_a_product_is_added_then_it_is_unpublished_with_its_stock() {
    let state = Shop::given_nothing()
        .when(new_product(" 막걸리 ", 8_000, 20))
        .state();
    let product = &state.products[&product_id(9)];
    assert_eq!(product.name, "막걸리");
    assert_eq!(
        (product.price, product.stock, product.reserved),
        (Won(8_000), 20, 0)
    );
    assert!(!product.published);
}

#[test]
fn products_need_a_name_a_positive_price_and_non_negative_stock() {
    let error = |command| Shop::given_nothing().when(command).error();
    assert_eq!(
        error(new_product(" ", 1, 1)).field().as_deref(),
        Some("name")
    );
    assert_eq!(error(new_product("a", 0, 1)).code(), "PRICE_NOT_POSITIVE");
    assert_eq!(
        error(new_product("a", -5, 1)).field().as_deref(),
        Some("price")
    );
    assert_eq!(error(new_product("a", 1, -1)).code(), "STOCK_NEGATIVE");
    let too_long = ShopCommand::AddProduct(NewProduct {
        description: "x".repeat(5_001),
        ..match new_product("a", 1, 1) {
            ShopCommand::AddProduct(p) => p,
            _ => unreachable!(),
        }
    });
    assert_eq!(error(too_long).field().as_deref(), Some("description"));
}

#[test]
fn a_product_needs_a_registered_merchant_but_a_suspended_one_keeps_its_catalogue() {
    let with = |merchant| {
        ShopCommand::AddProduct(NewProduct {
            merchant,
            ..match new_product("a", 1, 1) {
                ShopCommand::AddProduct(p) => p,
                _ => unreachable!(),
            }
        })
    };
    Shop::given_nothing()
        .when(with(MerchantStanding::Unregistered))
        .then_error(ShopError::MerchantNotFound);
    assert!(
        Shop::given_nothing()
            .when(with(MerchantStanding::Suspended))
            .result()
            .is_ok()
    );
    Shop::given([added(9, 1, 1)])
        .when(with(MerchantStanding::Active))
        .then_error(ShopError::ProductAlreadyExists);
}

#[test]
fn edits_and_price_changes_record_only_real_changes() {
    let history = [added(1, 5_000, 10)];
    let edit = |name: Option<&str>, description: Option<&str>| ShopCommand::EditProduct {
        product_id: product_id(1),
        name: name.map(Into::into),
        description: description.map(Into::into),
        at: at(NOW),
    };
    Shop::given(&history)
        .when(edit(Some("상품 1"), None))
        .then_nothing();
    let state = Shop::given(&history)
        .when(edit(Some("새 이름"), Some("설명")))
        .state();
    assert_eq!(
        (
            product(&state, 1).name.as_str(),
            product(&state, 1).description.as_str()
        ),
        ("새 이름", "설명")
    );
    assert_eq!(
        Shop::given(&history)
            .when(edit(Some(""), None))
            .error()
            .field()
            .as_deref(),
        Some("name")
    );
    let price = |price| ShopCommand::ChangePrice {
        product_id: product_id(1),
        price,
        at: at(NOW),
    };
    Shop::given(&history).when(price(5_000)).then_nothing();
    assert_eq!(
        product(&Shop::given(&history).when(price(6_500)).state(), 1).price,
        Won(6_500)
    );
    Shop::given(&history)
        .when(price(0))
        .then_error(ShopError::PriceNotPositive);
    let unknown = ShopCommand::ChangePrice {
        product_id: product_id(7),
        price: 1,
        at: at(NOW),
    };
    Shop::given(&history)
        .when(unknown)
        .then_error(ShopError::ProductNotFound);
}

fn adjust(delta: i64) -> ShopCommand {
    ShopCommand::AdjustStock {
        product_id: product_id(1),
        delta,
        reason: "입고".into(),
        at: at(NOW),
    }
}

#[test]
fn stock_adjustments_never_take_available_stock_below_zero() {
    let history = catalogue();
    assert_eq!(
        product(&Shop::given(&history).when(adjust(5)).state(), 1).stock,
        15
    );
    assert_eq!(
        product(&Shop::given(&history).when(adjust(-10)).state(), 1).stock,
        0
    );
    Shop::given(&history)
        .when(adjust(-11))
        .then_error(ShopError::StockWouldGoNegative {
            available: 10,
            delta: -11,
        });
    Shop::given(&history)
        .when(adjust(0))
        .then_error(ShopError::DeltaZero);
    assert_eq!(
        Shop::given(&history).when(adjust(i64::MIN)).error().code(),
        "STOCK_WOULD_GO_NEGATIVE"
    );
    // 4 of 10 reserved: only 6 may be written off.
    let mut reserved = history.clone();
    reserved.extend(Shop::given(&history).when(order(&[(1, 4)])).events());
    assert!(Shop::given(&reserved).when(adjust(-7)).result().is_err());
    let state = Shop::given(&reserved).when(adjust(-6)).state();
    assert_eq!(
        (product(&state, 1).stock, product(&state, 1).reserved),
        (4, 4)
    );
    let blank_reason = ShopCommand::AdjustStock {
        product_id: product_id(1),
        delta: 1,
        reason: " ".into(),
        at: at(NOW),
    };
    assert_eq!(
        Shop::given(&history)
            .when(blank_reason)
            .error()
            .field()
            .as_deref(),
        Some("reason")
    );
}

#[test]
fn publishing_is_idempotent_both_ways() {
    let history = [added(1, 5_000, 10)];
    let publish = ShopCommand::Publish {
        product_id: product_id(1),
        at: at(NOW),
    };
    let unpublish = ShopCommand::Unpublish {
        product_id: product_id(1),
        at: at(NOW),
    };
    Shop::given(&history).when(unpublish.clone()).then_nothing();
    let state = Shop::given(&history).when(publish.clone()).state();
    assert!(product(&state, 1).published);
    let live = [added(1, 5_000, 10), published(1)];
    Shop::given(&live).when(publish).then_nothing();
    assert!(!product(&Shop::given(&live).when(unpublish).state(), 1).published);
}

#[test]
fn an_order_reserves_every_line_and_snapshots_names_and_prices() {
    let state = Shop::given(catalogue())
        .when(order(&[(1, 2), (2, 3)]))
        .state();
    assert_eq!(
        (product(&state, 1).reserved, product(&state, 1).available()),
        (2, 8)
    );
    assert_eq!(
        (product(&state, 2).reserved, product(&state, 2).available()),
        (3, 0)
    );
    let placed = &state.orders[&Uuid::from_u128(500)];
    assert_eq!(placed.total, Won(2 * 5_000 + 3 * 12_000));
    assert_eq!(placed.lines[1].name, "상품 2");
    assert_eq!(placed.lines[1].total(), Won(36_000));
    assert_eq!(placed.payment, Payment::awaiting(PaymentMethod::Voucher));
}

#[test]
fn an_order_with_one_bad_line_reserves_nothing() {
    let history = catalogue();
    let error = Shop::given(&history).when(order(&[(1, 2), (2, 4)])).error();
    assert_eq!(
        error,
        ShopError::InsufficientStock {
            line: 1,
            available: 3
        }
    );
    assert_eq!(error.field().as_deref(), Some("lines.1.quantity"));
    assert_eq!(error.code(), "INSUFFICIENT_STOCK");
}

#[test]
fn order_lines_are_validated_with_their_index() {
    let history = catalogue();
    let fails = |lines: &[(u128, i64)]| Shop::given(&history).when(order(lines)).error();
    assert_eq!(fails(&[]), ShopError::NoLines);
    assert_eq!(
        fails(&[(1, 1), (2, 0)]).field().as_deref(),
        Some("lines.1.quantity")
    );
    assert_eq!(fails(&[(1, -3)]).code(), "QUANTITY_NOT_POSITIVE");
    assert_eq!(
        fails(&[(1, 1), (1, 1)]),
        ShopError::DuplicateLine { line: 1 }
    );
    assert_eq!(
        fails(&[(1, 1), (7, 1)]).field().as_deref(),
        Some("lines.1.productId")
    );
    let too_many: Vec<(u128, i64)> = (0..=MAX_ORDER_LINES as u128).map(|n| (n, 1)).collect();
    assert_eq!(fails(&too_many).code(), "TOO_MANY_ORDER_LINES");
    let mut unpublished = history.clone();
    unpublished.push(added(3, 100, 5));
    Shop::given(&unpublished)
        .when(order(&[(3, 1)]))
        .then_error(ShopError::ProductNotPublished { line: 0 });
}

#[test]
fn an_order_total_that_overflows_is_refused() {
    let history = [added(1, i64::MAX, 10), published(1)];
    Shop::given(&history)
        .when(order(&[(1, 2)]))
        .then_error(ShopError::AmountTooLarge);
}

#[test]
fn only_an_active_merchant_takes_orders() {
    let history = catalogue();
    let with = |standing| order_with(Uuid::from_u128(501), standing, &[(1, 1)]);
    Shop::given(&history)
        .when(with(MerchantStanding::Suspended))
        .then_error(ShopError::MerchantNotActive);
    Shop::given(&history)
        .when(with(MerchantStanding::Unregistered))
        .then_error(ShopError::MerchantNotFound);
    let error = ShopError::MerchantNotActive;
    assert_eq!(error.code(), "MERCHANT_NOT_ACTIVE");
}

#[test]
fn placing_the_same_order_id_twice_has_no_second_effect() {
    let mut history = catalogue();
    history.extend(Shop::given(&history).when(order(&[(1, 2)])).events());
    Shop::given(&history).when(order(&[(1, 2)])).then_nothing();
}

fn cancel(reason: &str) -> ShopCommand {
    ShopCommand::CancelOrder {
        order_id: Uuid::from_u128(500),
        reason: reason.into(),
        at: at(NOW),
    }
}

#[test]
fn cancelling_releases_the_reservation_and_voids_the_payment() {
    let mut history = catalogue();
    history.extend(
        Shop::given(&history)
            .when(order(&[(1, 2), (2, 3)]))
            .events(),
    );
    let state = Shop::given(&history).when(cancel("변심")).state();
    assert_eq!(product(&state, 1).available(), 10);
    assert_eq!(product(&state, 2).reserved, 0);
    let cancelled = &state.orders[&Uuid::from_u128(500)];
    assert_eq!(cancelled.cancellation.as_ref().unwrap().reason, "변심");
    assert_eq!(cancelled.payment.status, PaymentStatus::Voided);

    history.extend(Shop::given(&history).when(cancel("변심")).events());
    Shop::given(&history)
        .when(cancel("again"))
        .then_error(ShopError::OrderAlreadyCancelled);
    Shop::given(catalogue())
        .when(cancel("x"))
        .then_error(ShopError::OrderNotFound);
}

#[test]
fn a_cancellation_needs_a_reason() {
    let mut history = catalogue();
    history.extend(Shop::given(&history).when(order(&[(1, 1)])).events());
    assert_eq!(
        Shop::given(&history)
            .when(cancel(" "))
            .error()
            .field()
            .as_deref(),
        Some("reason")
    );
}

const ORDER: Uuid = Uuid::from_u128(500);
const PROGRAMME: Uuid = Uuid::from_u128(700);

fn attempt(n: u128) -> Uuid {
    Uuid::from_u128(800 + n)
}

fn request_payment(n: u128) -> ShopCommand {
    ShopCommand::RequestVoucherPayment {
        order_id: ORDER,
        programme_id: PROGRAMME,
        payment_id: attempt(n),
        at: at(NOW),
    }
}

fn answer(n: u128, outcome: PaymentOutcome) -> ShopCommand {
    ShopCommand::RecordPayment {
        order_id: ORDER,
        payment_id: attempt(n),
        outcome,
        at: at(NOW),
    }
}

fn declined(code: &str) -> PaymentOutcome {
    PaymentOutcome::Declined(PaymentDecline {
        code: code.into(),
        reason: "잔액 부족".into(),
    })
}

fn confirm() -> ShopCommand {
    ShopCommand::ConfirmOrder {
        order_id: ORDER,
        at: at(NOW),
    }
}

/// The catalogue, an order of one unit of #1 paid by voucher, and `commands` in turn.
fn voucher_order(commands: Vec<ShopCommand>) -> Vec<ShopEvent> {
    let mut history = catalogue();
    history.extend(Shop::given(&history).when(order(&[(1, 1)])).events());
    for command in commands {
        history.extend(Shop::given(&history).when(command).events());
    }
    history
}

fn payment_of(history: &[ShopEvent]) -> Payment {
    Shop::given(history).state().orders[&ORDER].payment.clone()
}

#[test]
fn a_voucher_payment_request_names_the_total_buyer_and_attempt() {
    let history = voucher_order(vec![]);
    let events = Shop::given(&history).when(request_payment(1)).events();
    assert_eq!(
        events,
        vec![ShopEvent::VoucherPaymentRequested(
            VoucherPaymentRequested {
                order_id: ORDER,
                merchant_id: merchant_id(),
                buyer: "citizen-1".into(),
                programme_id: PROGRAMME,
                payment_id: attempt(1),
                amount: Won(5_000),
                at: at(NOW),
            }
        )]
    );
    let history = voucher_order(vec![request_payment(1)]);
    let payment = payment_of(&history);
    assert_eq!(payment.status, PaymentStatus::Requested);
    assert_eq!(payment.programme_id, Some(PROGRAMME));
    Shop::given(&history)
        .when(request_payment(2))
        .then_error(ShopError::PaymentTransition {
            from: PaymentStatus::Requested,
            to: PaymentStatus::Requested,
        });
}

#[test]
fn only_voucher_orders_that_are_open_can_be_paid_by_voucher() {
    let mut history = catalogue();
    history.extend(
        Shop::given(&history)
            .when(order_paid_by(PaymentMethod::Card))
            .events(),
    );
    Shop::given(&history)
        .when(request_payment(1))
        .then_error(ShopError::PaymentMethodNotVoucher);
    let cancelled = voucher_order(vec![cancel("변심")]);
    Shop::given(&cancelled)
        .when(request_payment(1))
        .then_error(ShopError::OrderAlreadyCancelled);
}

#[test]
fn a_held_payment_is_captured_after_the_merchant_confirms() {
    let history = voucher_order(vec![request_payment(1)]);
    Shop::given(&history)
        .when(confirm())
        .then_error(ShopError::PaymentNotHeld);
    let history = voucher_order(vec![
        request_payment(1),
        answer(1, PaymentOutcome::Held),
        confirm(),
    ]);
    assert_eq!(payment_of(&history).status, PaymentStatus::Held);
    assert!(
        Shop::given(&history).state().orders[&ORDER]
            .confirmed_at
            .is_some()
    );
    Shop::given(&history)
        .when(confirm())
        .then_error(ShopError::OrderAlreadyConfirmed);
    Shop::given(&history)
        .when(cancel("늦음"))
        .then_error(ShopError::OrderAlreadyConfirmed);
    let paid = voucher_order(vec![
        request_payment(1),
        answer(1, PaymentOutcome::Held),
        confirm(),
        answer(1, PaymentOutcome::Paid),
    ]);
    assert_eq!(payment_of(&paid).status, PaymentStatus::Paid);
    Shop::given(&paid)
        .when(cancel("late"))
        .then_error(ShopError::PaymentAlreadyCaptured);
}

#[test]
fn redelivered_and_stale_answers_change_nothing() {
    let history = voucher_order(vec![request_payment(1), answer(1, PaymentOutcome::Held)]);
    Shop::given(&history)
        .when(answer(1, PaymentOutcome::Held))
        .then_nothing();
    Shop::given(&history)
        .when(answer(9, PaymentOutcome::Paid))
        .then_nothing();
    let retried = voucher_order(vec![
        request_payment(1),
        answer(1, declined("INSUFFICIENT_BALANCE")),
        request_payment(2),
    ]);
    Shop::given(&retried)
        .when(answer(1, declined("INSUFFICIENT_BALANCE")))
        .then_nothing();
    assert_eq!(payment_of(&retried).status, PaymentStatus::Requested);
    assert_eq!(payment_of(&retried).decline, None);
}

#[test]
fn a_declined_payment_keeps_its_code_and_may_be_requested_again() {
    let history = voucher_order(vec![
        request_payment(1),
        answer(1, declined("INSUFFICIENT_BALANCE")),
    ]);
    let payment = payment_of(&history);
    assert_eq!(payment.status, PaymentStatus::Declined);
    assert_eq!(
        payment.decline.map(|d| d.code).as_deref(),
        Some("INSUFFICIENT_BALANCE")
    );
    Shop::given(&history)
        .when(confirm())
        .then_error(ShopError::PaymentNotHeld);
    let again = voucher_order(vec![
        request_payment(1),
        answer(1, declined("INSUFFICIENT_BALANCE")),
        request_payment(2),
        answer(2, PaymentOutcome::Held),
    ]);
    assert_eq!(payment_of(&again).status, PaymentStatus::Held);
}

#[test]
fn cancelling_a_held_order_leaves_the_release_to_the_voucher_service() {
    let history = voucher_order(vec![
        request_payment(1),
        answer(1, PaymentOutcome::Held),
        cancel("변심"),
    ]);
    assert_eq!(payment_of(&history).status, PaymentStatus::Held);
    assert_eq!(product(&Shop::given(&history).state(), 1).reserved, 0);
    let voided = voucher_order(vec![
        request_payment(1),
        answer(1, PaymentOutcome::Held),
        cancel("변심"),
        answer(1, PaymentOutcome::Voided),
    ]);
    assert_eq!(payment_of(&voided).status, PaymentStatus::Voided);
}

#[test]
fn an_answer_that_skips_a_step_is_refused() {
    let history = voucher_order(vec![request_payment(1)]);
    assert_eq!(
        Shop::given(&history)
            .when(answer(1, PaymentOutcome::Paid))
            .error()
            .code(),
        "PAYMENT_TRANSITION_NOT_ALLOWED"
    );
}

#[test]
fn payment_transitions_match_the_documented_machine() {
    use PaymentStatus::*;
    let all = [Awaiting, Requested, Held, Paid, Voided, Declined];
    let allowed: Vec<_> = all
        .iter()
        .flat_map(|from| all.iter().map(move |to| (*from, *to)))
        .filter(|(from, to)| from.can_become(*to))
        .collect();
    assert_eq!(
        allowed,
        vec![
            (Awaiting, Requested),
            (Awaiting, Voided),
            (Requested, Held),
            (Requested, Declined),
            (Held, Paid),
            (Held, Voided),
            (Held, Declined),
            (Declined, Requested),
        ]
    );
}

#[derive(Debug, Clone)]
enum Step {
    Order(Vec<(u128, i64)>),
    Cancel(usize),
    Adjust(u128, i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        prop::collection::vec((1u128..=2, -2i64..6), 1..3).prop_map(Step::Order),
        (0usize..20).prop_map(Step::Cancel),
        ((1u128..=2), -8i64..8).prop_map(|(n, d)| Step::Adjust(n, d)),
    ]
}

proptest! {
    /// Any sequence of orders, cancellations and adjustments keeps every
    /// product's reservation within its stock and equal to its open orders.
    #[test]
    fn stock_is_never_negative_and_reservations_match_open_orders(steps in prop::collection::vec(step(), 1..40)) {
        let mut history = catalogue();
        let mut placed: Vec<Uuid> = Vec::new();
        for (i, step) in steps.into_iter().enumerate() {
            let command = match step {
                Step::Order(lines) => {
                    let id = Uuid::from_u128(10_000 + i as u128);
                    placed.push(id);
                    order_with(id, MerchantStanding::Active, &lines)
                }
                Step::Cancel(k) if !placed.is_empty() => ShopCommand::CancelOrder {
                    order_id: placed[k % placed.len()],
                    reason: "r".into(),
                    at: at(NOW),
                },
                Step::Cancel(_) => continue,
                Step::Adjust(n, delta) => ShopCommand::AdjustStock {
                    product_id: product_id(n),
                    delta,
                    reason: "r".into(),
                    at: at(NOW),
                },
            };
            if let Ok(events) = Shop::given(&history).when(command).result() {
                history.extend(events);
            }
            let state = Shop::given(&history).state();
            for product in state.products.values() {
                prop_assert!(product.reserved <= product.stock);
                let open: u64 = state
                    .orders
                    .values()
                    .filter(|o| o.cancellation.is_none())
                    .flat_map(|o| &o.lines)
                    .filter(|l| l.product_id == product.id)
                    .map(|l| l.quantity)
                    .sum();
                prop_assert_eq!(product.reserved, open);
            }
        }
    }
}

#[test]
fn a_stock_above_the_32_bit_bound_is_refused_and_nothing_changes() {
    let history = catalogue();
    // 10 on hand: up to MAX_STOCK − 10 more fits exactly.
    let fits = i64::try_from(MAX_STOCK).unwrap() - 10;
    assert_eq!(
        product(&Shop::given(&history).when(adjust(fits)).state(), 1).stock,
        MAX_STOCK
    );
    for delta in [fits + 1, i64::from(i32::MAX), i64::MAX] {
        let refused = Shop::given(&history).when(adjust(delta)).error();
        assert_eq!(
            refused,
            ShopError::StockOutOfRange {
                field: "delta",
                max: MAX_STOCK
            }
        );
        assert_eq!(refused.code(), "STOCK_OUT_OF_RANGE");
        assert_eq!(refused.field().as_deref(), Some("delta"));
    }
    let at_bound = [added(1, 5_000, MAX_STOCK)];
    assert_eq!(
        Shop::given(&at_bound).when(adjust(1)).error().code(),
        "STOCK_OUT_OF_RANGE"
    );
    assert_eq!(
        product(&Shop::given(&at_bound).when(adjust(-1)).state(), 1).stock,
        MAX_STOCK - 1
    );
}

#[test]
fn a_new_product_with_a_stock_above_the_bound_is_refused() {
    let max = i64::try_from(MAX_STOCK).unwrap();
    assert_eq!(
        product(
            &Shop::given_nothing()
                .when(new_product("막걸리", 8_000, max))
                .state(),
            9
        )
        .stock,
        MAX_STOCK
    );
    for stock in [max + 1, i64::MAX] {
        let refused = Shop::given_nothing()
            .when(new_product("막걸리", 8_000, stock))
            .error();
        assert_eq!(refused.code(), "STOCK_OUT_OF_RANGE");
        assert_eq!(refused.field().as_deref(), Some("stock"));
    }
    Shop::given_nothing()
        .when(new_product("막걸리", 8_000, i64::MIN))
        .then_error(ShopError::StockNegative);
}

#[test]
fn a_stock_recorded_above_the_bound_before_it_existed_can_still_be_lowered_and_unpublished() {
    // What the old decider let through: 10 + (u64::MAX − 10) units.
    let history = [
        added(1, 5_000, 10),
        published(1),
        ShopEvent::StockAdjusted {
            product_id: product_id(1),
            delta: i64::MAX,
            reason: "입고".into(),
            at: at(NOW),
        },
    ];
    let huge = product(&Shop::given(&history).state(), 1).stock;
    assert!(huge > MAX_STOCK);
    assert_eq!(
        Shop::given(&history).when(adjust(1)).error().code(),
        "STOCK_OUT_OF_RANGE"
    );
    let repair = -i64::try_from(huge - 10).unwrap();
    assert_eq!(
        product(&Shop::given(&history).when(adjust(repair)).state(), 1).stock,
        10
    );
    let unpublish = ShopCommand::Unpublish {
        product_id: product_id(1),
        at: at(NOW),
    };
    assert!(!product(&Shop::given(&history).when(unpublish).state(), 1).published);
}

#[test]
fn a_line_quantity_above_the_32_bit_bound_is_refused_before_stock_is_looked_at() {
    let history = [added(1, 1, MAX_STOCK), published(1)];
    let max = i64::try_from(MAX_LINE_QUANTITY).unwrap();
    let state = Shop::given(&history).when(order(&[(1, max)])).state();
    assert_eq!(product(&state, 1).reserved, MAX_STOCK);
    for quantity in [max + 1, i64::MAX] {
        let refused = Shop::given(&history).when(order(&[(1, quantity)])).error();
        assert_eq!(
            refused,
            ShopError::QuantityOutOfRange {
                line: 0,
                max: MAX_LINE_QUANTITY
            }
        );
        assert_eq!(refused.code(), "QUANTITY_OUT_OF_RANGE");
        assert_eq!(refused.field().as_deref(), Some("lines.0.quantity"));
    }
    assert_eq!(
        Shop::given(&history)
            .when(order(&[(1, i64::MIN)]))
            .error()
            .code(),
        "QUANTITY_NOT_POSITIVE"
    );
}

#[test]
fn names_and_reasons_with_control_characters_are_refused() {
    for name in ["막\0걸리", "막걸리\u{1b}[2J", "막\u{9b}걸리", "막\n걸리"] {
        let refused = Shop::given_nothing()
            .when(new_product(name, 8_000, 1))
            .error();
        assert_eq!(refused.code(), "INVALID_TEXT", "{name:?}");
        assert_eq!(refused.field().as_deref(), Some("name"));
    }
    let bad_reason = ShopCommand::AdjustStock {
        product_id: product_id(1),
        delta: 1,
        reason: "입\0고".into(),
        at: at(NOW),
    };
    assert_eq!(
        Shop::given(catalogue()).when(bad_reason).error().code(),
        "INVALID_TEXT"
    );
    let multi_line = ShopCommand::EditProduct {
        product_id: product_id(1),
        name: None,
        description: Some("첫 줄\n둘째 줄".into()),
        at: at(NOW),
    };
    assert_eq!(
        product(&Shop::given(catalogue()).when(multi_line).state(), 1).description,
        "첫 줄\n둘째 줄"
    );
    let nul_description = ShopCommand::EditProduct {
        product_id: product_id(1),
        name: None,
        description: Some("첫 줄\0".into()),
        at: at(NOW),
    };
    assert_eq!(
        Shop::given(catalogue())
            .when(nul_description)
            .error()
            .code(),
        "INVALID_TEXT"
    );
}

/// The values a hostile or careless client sends.
fn extreme() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(-1),
        Just(i64::from(i32::MAX)),
        Just(i64::from(i32::MAX) + 1),
        Just(i64::from(i32::MIN)),
        Just(i64::MAX),
        Just(i64::MAX - 1),
        Just(i64::MIN),
        Just(i64::MIN + 1),
        -10i64..10,
        any::<i64>(),
    ]
}

#[derive(Debug, Clone)]
enum Hostile {
    Add(u128, i64, i64),
    Adjust(u128, i64),
    Price(u128, i64),
    Publish(u128),
    Order(Vec<(u128, i64)>),
    Cancel(usize),
}

fn hostile() -> impl Strategy<Value = Hostile> {
    prop_oneof![
        (1u128..=3, extreme(), extreme()).prop_map(|(n, p, s)| Hostile::Add(n, p, s)),
        (1u128..=3, extreme()).prop_map(|(n, d)| Hostile::Adjust(n, d)),
        (1u128..=3, extreme()).prop_map(|(n, p)| Hostile::Price(n, p)),
        (1u128..=3).prop_map(Hostile::Publish),
        prop::collection::vec((1u128..=3, extreme()), 1..4).prop_map(Hostile::Order),
        (0usize..20).prop_map(Hostile::Cancel),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Extreme values never panic the decider; a rejection has a stable code
    /// and changes nothing; every accepted state keeps
    /// 0 ≤ reserved ≤ stock ≤ MAX_STOCK, line quantities within the bound and
    /// order totals equal to the exact sum of their lines.
    #[test]
    fn extreme_values_never_break_the_shop(steps in prop::collection::vec(hostile(), 1..30)) {
        let mut history: Vec<ShopEvent> = Vec::new();
        let mut placed: Vec<Uuid> = Vec::new();
        for (i, step) in steps.into_iter().enumerate() {
            let command = match step {
                Hostile::Add(n, price, stock) => ShopCommand::AddProduct(NewProduct {
                    product_id: product_id(n),
                    merchant_id: merchant_id(),
                    merchant: MerchantStanding::Active,
                    name: format!("상품 {n}"),
                    description: String::new(),
                    price,
                    stock,
                    at: at(NOW),
                }),
                Hostile::Adjust(n, delta) => ShopCommand::AdjustStock {
                    product_id: product_id(n),
                    delta,
                    reason: "r".into(),
                    at: at(NOW),
                },
                Hostile::Price(n, price) => ShopCommand::ChangePrice {
                    product_id: product_id(n),
                    price,
                    at: at(NOW),
                },
                Hostile::Publish(n) => ShopCommand::Publish { product_id: product_id(n), at: at(NOW) },
                Hostile::Order(lines) => {
                    let id = Uuid::from_u128(10_000 + i as u128);
                    placed.push(id);
                    order_with(id, MerchantStanding::Active, &lines)
                }
                Hostile::Cancel(k) if !placed.is_empty() => ShopCommand::CancelOrder {
                    order_id: placed[k % placed.len()],
                    reason: "r".into(),
                    at: at(NOW),
                },
                Hostile::Cancel(_) => continue,
            };
            let before = Shop::given(&history).state();
            match Shop::decide(&before, &command) {
                Err(error) => {
                    prop_assert!(!error.code().is_empty());
                    prop_assert_eq!(Shop::given(&history).state(), before);
                }
                Ok(events) => {
                    for event in &events {
                        if let ShopEvent::StockAdjusted { product_id, delta, .. } = event {
                            let stock = before.products[product_id].stock;
                            let exact = stock.checked_add_signed(*delta);
                            prop_assert!(exact.is_some_and(|s| s <= MAX_STOCK), "{stock} {delta:+}");
                        }
                    }
                    history.extend(events);
                }
            }
            let state = Shop::given(&history).state();
            for product in state.products.values() {
                prop_assert!(product.reserved <= product.stock);
                prop_assert!(product.stock <= MAX_STOCK);
                prop_assert!(product.price.is_positive());
            }
            for order in state.orders.values() {
                let mut total = Won::ZERO;
                for line in &order.lines {
                    prop_assert!(line.quantity >= 1 && line.quantity <= MAX_LINE_QUANTITY);
                    let line_total = line.unit_price.times(line.quantity);
                    prop_assert!(line_total.is_some());
                    total = total.plus(line_total.unwrap_or_default()).unwrap_or(Won(-1));
                }
                prop_assert_eq!(order.total, total);
            }
        }
    }
}
