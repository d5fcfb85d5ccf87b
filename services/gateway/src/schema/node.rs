use async_graphql::{Context, ErrorExtensions, ID, Object, Result};

use crate::relay::GlobalId;
use crate::schema::{Node, find};

/// Declares every type with a global id, one line each: the `Node` types
/// (variant, object type) with the function that finds one by id, then the
/// types whose ids are not fetched alone, with why. Generates `NodeType` (the
/// id's type name), the `Node` interface and the `node(id:)` dispatch. The
/// table itself is in the schema's root module, beside `Query` and `Mutation`.
macro_rules! node_types {
    (
        nodes { $($node:ident($module:ident::$object:ident) => $find:path),+ $(,)? }
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
        #[derive(async_graphql::Interface)]
        #[graphql(field(name = "id", ty = "async_graphql::ID", desc = "The object's global id."))]
        pub(crate) enum Node {
            $($node($module::$object),)+
        }

        /// The object `global` names; an error for a type that is not a node.
        pub(crate) async fn find(
            ctx: &async_graphql::Context<'_>,
            global: $crate::relay::GlobalId,
        ) -> async_graphql::Result<Option<Node>> {
            Ok(match global.node_type {
                $(NodeType::$node => $find(ctx, global.id).await?.map(Node::$node),)+
                $(NodeType::$other => return Err($crate::errors::coded("NOT_A_NODE", $why)),)+
            })
        }
    };
}

pub(crate) use node_types;

#[derive(Default)]
pub(crate) struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global id; null when there is none.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        find(ctx, GlobalId::decode(&id).map_err(|e| e.extend())?).await
    }
}
