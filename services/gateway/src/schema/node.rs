use async_graphql::{Context, ErrorExtensions, ID, Interface, Object, Result};

use crate::errors::coded;
use crate::relay::{GlobalId, NodeType};
use crate::schema::merchants::{Merchant, find_merchant};
use crate::schema::orders::{Order, find_order};
use crate::schema::products::{Product, find_product};
use crate::schema::voucher::{
    FraudCase, VoucherProgramme, VoucherWallet, find_case, find_programme, find_wallet,
};

/// An object with a global id, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's global id."))]
pub(crate) enum Node {
    Merchant(Merchant),
    Product(Product),
    Order(Order),
    VoucherProgramme(VoucherProgramme),
    VoucherWallet(VoucherWallet),
    FraudCase(FraudCase),
}

#[derive(Default)]
pub(crate) struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global id; null when there is none.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let global = GlobalId::decode(&id).map_err(|e| e.extend())?;
        Ok(match global.node_type {
            NodeType::Merchant => find_merchant(ctx, global.id).await?.map(Node::Merchant),
            NodeType::Product => find_product(ctx, global.id).await?.map(Node::Product),
            NodeType::Order => find_order(ctx, global.id).await?.map(Node::Order),
            NodeType::VoucherProgramme => find_programme(ctx, global.id)
                .await?
                .map(Node::VoucherProgramme),
            NodeType::VoucherWallet => find_wallet(ctx, global.id).await?.map(Node::VoucherWallet),
            NodeType::FraudCase => find_case(ctx, global.id).await?.map(Node::FraudCase),
            NodeType::VoucherRedemption => {
                return Err(coded(
                    "NOT_A_NODE",
                    "voucher redemptions are read from their wallet or their merchant's voucherRedemptions",
                ));
            }
            NodeType::ChannelOnboarding => {
                return Err(coded(
                    "NOT_A_NODE",
                    "channel onboarding requests are read from their merchant's channelOnboardings",
                ));
            }
        })
    }
}
