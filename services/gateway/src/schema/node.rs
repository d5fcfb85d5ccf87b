use async_graphql::{Context, ErrorExtensions, ID, Interface, Object, Result};

use crate::errors::coded;
use crate::relay::GlobalId;
use crate::schema::merchants::{Merchant, find_merchant};
use crate::schema::orders::{Order, find_order};
use crate::schema::products::{Product, find_product};
use crate::schema::voucher::{
    FraudCase, VoucherProgramme, VoucherWallet, find_case, find_programme, find_wallet,
};

/// Declares every type with a global id, one line each: the `Node` types
/// with the function that finds one by id, then the types whose ids are not
/// fetched alone, with why. Generates `NodeType` (the id's type name), the
/// `Node` interface and the `node(id:)` dispatch.
macro_rules! node_types {
    (
        nodes { $($node:ident => $find:path),+ $(,)? }
        not_nodes { $($other:ident => $why:literal),+ $(,)? }
    ) => {
        /// The types whose ids are Relay global ids.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum NodeType {
            $($node,)+
            $($other,)+
        }

        impl NodeType {
            pub(crate) const ALL: &'static [NodeType] = &[$(NodeType::$node,)+ $(NodeType::$other,)+];

            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(NodeType::$node => stringify!($node),)+
                    $(NodeType::$other => stringify!($other),)+
                }
            }
        }

        /// An object with a global id, fetchable with `node(id:)`.
        #[derive(Interface)]
        #[graphql(field(name = "id", ty = "ID", desc = "The object's global id."))]
        pub(crate) enum Node {
            $($node($node),)+
        }

        /// The object `global` names; an error for a type that is not a node.
        async fn find(ctx: &Context<'_>, global: GlobalId) -> Result<Option<Node>> {
            Ok(match global.node_type {
                $(NodeType::$node => $find(ctx, global.id).await?.map(Node::$node),)+
                $(NodeType::$other => return Err(coded("NOT_A_NODE", $why)),)+
            })
        }
    };
}

node_types! {
    nodes {
        Merchant => find_merchant,
        Product => find_product,
        Order => find_order,
        VoucherProgramme => find_programme,
        VoucherWallet => find_wallet,
        FraudCase => find_case,
    }
    not_nodes {
        VoucherRedemption => "voucher redemptions are read from their wallet or their merchant's voucherRedemptions",
        ChannelOnboarding => "channel onboarding requests are read from their merchant's channelOnboardings",
    }
}

#[derive(Default)]
pub(crate) struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global id; null when there is none.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        find(ctx, GlobalId::decode(&id).map_err(|e| e.extend())?).await
    }
}
