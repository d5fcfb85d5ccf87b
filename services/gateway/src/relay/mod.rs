//! Relay conventions at the GraphQL edge: global ids and forward-paged connections.

mod connection;
mod cursor;
mod global_id;

pub(crate) use connection::{ListPage, PageRequest, page};
pub(crate) use cursor::ListId;
pub(crate) use global_id::{GlobalId, IdError, NodeType};
