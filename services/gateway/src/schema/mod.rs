//! The GraphQL schema: one Relay-style schema over the services, split by
//! domain area.

mod context;
mod creator_media;
mod delegation;
mod merchants;
mod node;
mod nulls;
mod orders;
pub(crate) mod outcome;
mod products;
mod scalars;
mod subscriptions;
mod viewer;
mod voucher;

use async_graphql::{MergedObject, Schema};

pub(crate) use context::RequestContext;

use crate::config::LimitSettings;
use crate::limits::QueryLimits;

/// The gateway's schema.
pub(crate) type GatewaySchema = Schema<Query, Mutation, subscriptions::Subscription>;

#[derive(MergedObject, Default)]
pub(crate) struct Query(
    node::NodeQuery,
    viewer::ViewerQuery,
    merchants::MerchantQuery,
    products::ProductQuery,
    orders::OrderQuery,
    voucher::VoucherQuery,
    creator_media::CreatorMediaQuery,
    creator_media::LiveQuery,
    creator_media::TrainingQuery,
    creator_media::PromotionQuery,
    creator_media::CollaborationQuery,
    creator_media::WebhookQuery,
    creator_media::VideoQuery,
);

#[derive(MergedObject, Default)]
pub(crate) struct Mutation(
    merchants::MerchantMutation,
    products::ProductMutation,
    orders::OrderMutation,
    orders::OrderPaymentMutation,
    voucher::VoucherMutation,
    creator_media::CreatorMediaMutation,
    creator_media::LiveMutation,
    creator_media::TrainingMutation,
    creator_media::PromotionMutation,
    creator_media::CollaborationMutation,
    creator_media::WebhookMutation,
    creator_media::CommissionMutation,
    creator_media::VideoMutation,
);

node::node_types! {
    nodes {
        Merchant(merchants::Merchant) => merchants::find_merchant,
        Product(products::Product) => products::find_product,
        Order(orders::Order) => orders::find_order,
        VoucherProgramme(voucher::VoucherProgramme) => voucher::find_programme,
        VoucherWallet(voucher::VoucherWallet) => voucher::find_wallet,
        FraudCase(voucher::FraudCase) => voucher::find_case,
        Creator(creator_media::Creator) => creator_media::find_creator,
        Studio(creator_media::Studio) => creator_media::find_studio,
        LiveSession(creator_media::LiveSession) => creator_media::find_live,
        TrainingCohort(creator_media::TrainingCohort) => creator_media::find_cohort,
        TieIn(creator_media::TieIn) => creator_media::find_tie_in,
        Promotion(creator_media::Promotion) => creator_media::find_promotion,
        Collaboration(creator_media::Collaboration) => creator_media::find_collaboration,
        Webhook(creator_media::Webhook) => creator_media::find_webhook,
        Video(creator_media::Video) => creator_media::find_video,
    }
    not_nodes {
        VoucherRedemption => "voucher redemptions are read from their wallet or their merchant's voucherRedemptions",
        ChannelOnboarding => "channel onboarding requests are read from their merchant's channelOnboardings",
        StudioBooking => "studio bookings are read from their studio's bookings(day:)",
        AuditEntry => "audit entries are read from their collaboration's auditTrail",
        WebhookDelivery => "webhook deliveries are read from their webhook's deliveries",
        CommissionPayout => "commission payouts are read from payOutCommissions and their commissions' payoutId",
    }
}

/// The schema with its limits; introspection stays on (GraphiQL needs it).
pub(crate) fn build(limits: &LimitSettings) -> GatewaySchema {
    Schema::build(
        Query::default(),
        Mutation::default(),
        subscriptions::Subscription,
    )
    .extension(QueryLimits::from(limits))
    .extension(nulls::NullOnError)
    .finish()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn committed_sdl_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/graphql/golmok.graphql")
    }

    /// The committed SDL is what the code serves; `GOLMOK_UPDATE_SCHEMAS=1`
    /// rewrites it.
    #[test]
    fn committed_sdl_matches_the_schema() {
        let sdl = build(&LimitSettings::default()).sdl();
        let path = committed_sdl_path();
        if std::env::var("GOLMOK_UPDATE_SCHEMAS").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &sdl).expect("writing the SDL");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == sdl,
            "{} is out of date; regenerate it with GOLMOK_UPDATE_SCHEMAS=1 cargo test -p gateway",
            path.display()
        );
    }
}
