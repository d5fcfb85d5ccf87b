//! The representations of docs/storefront-http.md, defined by the contract
//! (`golmok_contracts::storefront::http`). They are both the read-model rows
//! and the API bodies, and convert losslessly to and from the domain state
//! here, so projections fold events with the domain's own `evolve` and a
//! command's response equals what a later read returns.

pub use golmok_contracts::storefront::http::{
    AttributionView, DiagnosisView, HeritageView, MerchantView, OnboardingView, OrderLineView,
    OrderReturnView, OrderView, PaymentView, ProductView, RefundStatus, RefundView,
    ReturnedLineView,
};

use super::vocabulary::{HeritageStatus, MerchantStatus, OrderStatus};
use crate::domain::Won;
use crate::domain::business_number::BusinessNumber;
use crate::domain::merchant::{self as m, MerchantProfile};
use crate::domain::shop::{self as s, Order, Product};

pub use golmok_kernel::ListPage;

/// A stored view that no longer maps onto the domain (a bug or a damaged row).
#[derive(Debug, thiserror::Error)]
#[error("stored view is inconsistent: {0}")]
pub struct InconsistentView(String);

/// A stored view read back into the domain state it was made from.
pub trait ToDomain {
    type Domain;

    fn to_domain(&self) -> Result<Self::Domain, InconsistentView>;
}

/// The view of a merchant at the stream version `version`.
pub fn merchant_view(merchant: &MerchantProfile, version: u64) -> MerchantView {
    let (status, suspension_reason) = match &merchant.status {
        m::MerchantStatus::Active => (MerchantStatus::Active, None),
        m::MerchantStatus::Suspended { reason } => {
            (MerchantStatus::Suspended, Some(reason.clone()))
        }
    };
    MerchantView {
        id: merchant.id,
        business_number: merchant.business_number.as_str().to_owned(),
        name: merchant.name.clone(),
        kind: merchant.kind.into(),
        category: merchant.category.clone(),
        district: merchant.district.clone(),
        founded_on: merchant.founded_on,
        revenue_tier: merchant.revenue_tier.into(),
        status,
        suspension_reason,
        heritage: merchant.heritage.as_ref().map(heritage_view),
        diagnosis: merchant.diagnosis.as_ref().map(|d| DiagnosisView {
            marketability: d.marketability,
            online_capability: d.online_capability,
            notes: d.notes.clone(),
            route: d.route.into(),
            expert: d.expert.clone(),
            recorded_at: d.at,
        }),
        channel_onboardings: merchant
            .channel_onboardings
            .iter()
            .map(|o| OnboardingView {
                id: o.id,
                channel: o.channel.clone(),
                market: o.market.into(),
                status: o.status.into(),
                requested_at: o.requested_at,
                updated_at: o.updated_at,
            })
            .collect(),
        registered_at: merchant.registered_at,
        version,
    }
}

impl ToDomain for MerchantView {
    type Domain = MerchantProfile;

    fn to_domain(&self) -> Result<MerchantProfile, InconsistentView> {
        let status = match (self.status, &self.suspension_reason) {
            (MerchantStatus::Active, _) => m::MerchantStatus::Active,
            (MerchantStatus::Suspended, Some(reason)) => m::MerchantStatus::Suspended {
                reason: reason.clone(),
            },
            (MerchantStatus::Suspended, None) => {
                return Err(InconsistentView("suspended without a reason".into()));
            }
        };
        let heritage = self.heritage.as_ref().map(heritage_profile).transpose()?;
        Ok(MerchantProfile {
            id: self.id,
            business_number: BusinessNumber::stored(&self.business_number)
                .map_err(|e| InconsistentView(e.to_string()))?,
            name: self.name.clone(),
            kind: self.kind.into(),
            category: self.category.clone(),
            district: self.district.clone(),
            founded_on: self.founded_on,
            revenue_tier: self.revenue_tier.into(),
            status,
            heritage,
            diagnosis: self.diagnosis.as_ref().map(|d| m::Diagnosis {
                marketability: d.marketability,
                online_capability: d.online_capability,
                notes: d.notes.clone(),
                route: d.route.into(),
                expert: d.expert.clone(),
                at: d.recorded_at,
            }),
            channel_onboardings: self
                .channel_onboardings
                .iter()
                .map(|o| m::ChannelOnboarding {
                    id: o.id,
                    channel: o.channel.clone(),
                    market: o.market.into(),
                    status: o.status.into(),
                    requested_at: o.requested_at,
                    updated_at: o.updated_at,
                })
                .collect(),
            registered_at: self.registered_at,
        })
    }
}

fn heritage_view(heritage: &m::Heritage) -> HeritageView {
    let (status, decided_at, decided_by, reason) = match &heritage.decision {
        m::HeritageDecision::Pending => (HeritageStatus::Applied, None, None, None),
        m::HeritageDecision::Approved { official, at } => (
            HeritageStatus::Approved,
            Some(*at),
            Some(official.clone()),
            None,
        ),
        m::HeritageDecision::Rejected {
            official,
            reason,
            at,
        } => (
            HeritageStatus::Rejected,
            Some(*at),
            Some(official.clone()),
            Some(reason.clone()),
        ),
    };
    HeritageView {
        badge: heritage.badge.into(),
        status,
        applied_at: heritage.applied_at,
        decided_at,
        decided_by,
        reason,
    }
}

fn heritage_profile(view: &HeritageView) -> Result<m::Heritage, InconsistentView> {
    let decided = || {
        view.decided_at
            .zip(view.decided_by.clone())
            .ok_or_else(|| InconsistentView("decided heritage without decider".into()))
    };
    let decision = match view.status {
        HeritageStatus::Applied => m::HeritageDecision::Pending,
        HeritageStatus::Approved => {
            let (at, official) = decided()?;
            m::HeritageDecision::Approved { official, at }
        }
        HeritageStatus::Rejected => {
            let (at, official) = decided()?;
            m::HeritageDecision::Rejected {
                official,
                reason: view.reason.clone().unwrap_or_default(),
                at,
            }
        }
    };
    Ok(m::Heritage {
        badge: view.badge.into(),
        applied_at: view.applied_at,
        decision,
    })
}

impl From<&Product> for ProductView {
    fn from(p: &Product) -> Self {
        ProductView {
            id: p.id,
            merchant_id: p.merchant_id,
            name: p.name.clone(),
            description: p.description.clone(),
            price: p.price.0,
            stock: p.stock,
            reserved: p.reserved,
            available: p.available(),
            published: p.published,
            updated_at: p.updated_at,
        }
    }
}

impl From<&ProductView> for Product {
    fn from(v: &ProductView) -> Self {
        Product {
            id: v.id,
            merchant_id: v.merchant_id,
            name: v.name.clone(),
            description: v.description.clone(),
            price: Won(v.price),
            stock: v.stock,
            reserved: v.reserved,
            published: v.published,
            updated_at: v.updated_at,
        }
    }
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        OrderView {
            id: o.id,
            merchant_id: o.merchant_id,
            buyer: o.buyer.clone(),
            lines: o
                .lines
                .iter()
                .map(|l| OrderLineView {
                    product_id: l.product_id,
                    name: l.name.clone(),
                    unit_price: l.unit_price.0,
                    quantity: l.quantity,
                    line_total: l.total().0,
                })
                .collect(),
            total: o.total.0,
            status: if o.cancellation.is_some() {
                OrderStatus::Cancelled
            } else if o.confirmed_at.is_some() {
                OrderStatus::Confirmed
            } else {
                OrderStatus::Placed
            },
            payment: PaymentView {
                method: o.payment.method.into(),
                status: o.payment.status.into(),
                programme_id: o.payment.programme_id,
                payment_id: o.payment.payment_id,
                code: o.payment.decline.as_ref().map(|d| d.code.clone()),
                reason: o.payment.decline.as_ref().map(|d| d.reason.clone()),
            },
            placed_at: o.placed_at,
            confirmed_at: o.confirmed_at,
            cancelled_at: o.cancellation.as_ref().map(|c| c.at),
            cancel_reason: o.cancellation.as_ref().map(|c| c.reason.clone()),
            returns: o.returns.iter().map(return_view).collect(),
            attribution: o.attribution.as_ref().map(|a| AttributionView {
                creator_id: a.creator_id,
                creator_code: a.code.clone(),
                live_id: a.live_id,
            }),
        }
    }
}

fn return_view(r: &s::OrderReturn) -> OrderReturnView {
    let (status, at, code, reason) = match &r.refund {
        s::Refund::NotApplicable => (RefundStatus::NotApplicable, None, None, None),
        s::Refund::Pending => (RefundStatus::Pending, None, None, None),
        s::Refund::Refunded { at } => (RefundStatus::Refunded, Some(*at), None, None),
        s::Refund::Declined { code, reason, at } => (
            RefundStatus::Declined,
            Some(*at),
            Some(code.clone()),
            Some(reason.clone()),
        ),
    };
    OrderReturnView {
        id: r.id,
        lines: r
            .lines
            .iter()
            .map(|l| ReturnedLineView {
                product_id: l.product_id,
                quantity: l.quantity,
                amount: l.amount.0,
            })
            .collect(),
        amount: r.amount.0,
        reason: r.reason.clone(),
        at: r.at,
        refund: RefundView {
            status,
            at,
            code,
            reason,
        },
    }
}

fn order_return(view: &OrderReturnView) -> Result<s::OrderReturn, InconsistentView> {
    let refund = &view.refund;
    let refund = match (refund.status, refund.at, &refund.code, &refund.reason) {
        (RefundStatus::NotApplicable, _, _, _) => s::Refund::NotApplicable,
        (RefundStatus::Pending, _, _, _) => s::Refund::Pending,
        (RefundStatus::Refunded, Some(at), _, _) => s::Refund::Refunded { at },
        (RefundStatus::Declined, Some(at), Some(code), Some(reason)) => s::Refund::Declined {
            code: code.clone(),
            reason: reason.clone(),
            at,
        },
        _ => return Err(InconsistentView("refund without its details".into())),
    };
    Ok(s::OrderReturn {
        id: view.id,
        lines: view
            .lines
            .iter()
            .map(|l| s::ReturnedLine {
                product_id: l.product_id,
                quantity: l.quantity,
                amount: Won(l.amount),
            })
            .collect(),
        amount: Won(view.amount),
        reason: view.reason.clone(),
        at: view.at,
        refund,
    })
}

impl ToDomain for OrderView {
    type Domain = Order;

    fn to_domain(&self) -> Result<Order, InconsistentView> {
        let cancellation = match (self.status, self.cancelled_at, &self.cancel_reason) {
            (OrderStatus::Placed | OrderStatus::Confirmed, _, _) => None,
            (OrderStatus::Cancelled, Some(at), Some(reason)) => Some(s::Cancellation {
                reason: reason.clone(),
                at,
            }),
            (OrderStatus::Cancelled, _, _) => {
                return Err(InconsistentView("cancelled order without details".into()));
            }
        };
        Ok(Order {
            id: self.id,
            merchant_id: self.merchant_id,
            buyer: self.buyer.clone(),
            lines: self
                .lines
                .iter()
                .map(|l| s::OrderLine {
                    product_id: l.product_id,
                    name: l.name.clone(),
                    unit_price: Won(l.unit_price),
                    quantity: l.quantity,
                })
                .collect(),
            total: Won(self.total),
            payment: s::Payment {
                method: self.payment.method.into(),
                status: self.payment.status.into(),
                programme_id: self.payment.programme_id,
                payment_id: self.payment.payment_id,
                decline: match (&self.payment.code, &self.payment.reason) {
                    (Some(code), Some(reason)) => Some(s::PaymentDecline {
                        code: code.clone(),
                        reason: reason.clone(),
                    }),
                    _ => None,
                },
            },
            placed_at: self.placed_at,
            confirmed_at: self.confirmed_at,
            cancellation,
            returns: self
                .returns
                .iter()
                .map(order_return)
                .collect::<Result<_, _>>()?,
            attribution: self.attribution.as_ref().map(|a| s::Attribution {
                creator_id: a.creator_id,
                code: a.creator_code.clone(),
                live_id: a.live_id,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use golmok_kernel::Decider;

    use super::*;
    use crate::app::codec::StorefrontEvent;
    use crate::domain::merchant::{Merchant, MerchantEvent, MerchantState};
    use crate::domain::shop::Shop;

    /// Every sample merchant event folded in turn: each intermediate state
    /// survives a trip through the view.
    #[test]
    fn merchant_views_round_trip_through_the_domain() {
        let mut state = MerchantState::Unregistered;
        let events = crate::app::samples::all()
            .into_iter()
            .filter_map(|e| match e {
                StorefrontEvent::Merchant(MerchantEvent::RegistrationAbandoned { .. }) => None,
                StorefrontEvent::Merchant(e) => Some(e),
                _ => None,
            });
        for (version, event) in events.enumerate() {
            state = Merchant::evolve(state, &event);
            let profile = state.profile().unwrap();
            let view = merchant_view(profile, version as u64 + 1);
            assert_eq!(&view.to_domain().unwrap(), profile, "after {event:?}");
        }
    }

    #[test]
    fn shop_views_round_trip_through_the_domain() {
        let mut state = Default::default();
        for event in crate::app::samples::all() {
            if let StorefrontEvent::Shop(event) = event {
                state = Shop::evolve(state, &event);
            }
            for product in state.products.values() {
                assert_eq!(&Product::from(&ProductView::from(product)), product);
            }
            for order in state.orders.values() {
                assert_eq!(&OrderView::from(order).to_domain().unwrap(), order);
            }
        }
    }
}
