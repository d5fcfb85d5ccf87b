use std::fmt;

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use uuid::Uuid;

pub(crate) use crate::schema::NodeType;

impl fmt::Display for NodeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an `ID` argument was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum IdError {
    #[error("{0:?} is not a Golmok id")]
    Malformed(String),
    #[error("expected a {expected} id, got a {found} id")]
    WrongType { expected: NodeType, found: NodeType },
}

impl IdError {
    /// The stable error code partners switch on.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            IdError::Malformed(_) => "INVALID_ID",
            IdError::WrongType { .. } => "WRONG_ID_TYPE",
        }
    }
}

/// A Relay global id: `base64("<Type>:<uuid>")`, one spelling per object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GlobalId {
    pub(crate) node_type: NodeType,
    pub(crate) id: Uuid,
}

impl GlobalId {
    pub(crate) fn new(node_type: NodeType, id: Uuid) -> GlobalId {
        GlobalId { node_type, id }
    }

    pub(crate) fn to_id(self) -> ID {
        ID(STANDARD.encode(format!("{}:{}", self.node_type, self.id.hyphenated())))
    }

    /// Decodes any global id. Only the canonical spelling is accepted, so an
    /// object has exactly one id.
    pub(crate) fn decode(text: &str) -> Result<GlobalId, IdError> {
        let malformed = || IdError::Malformed(text.chars().take(64).collect());
        let bytes = STANDARD.decode(text).map_err(|_| malformed())?;
        let plain = String::from_utf8(bytes).map_err(|_| malformed())?;
        let (type_name, uuid) = plain.split_once(':').ok_or_else(malformed)?;
        let node_type = NodeType::ALL
            .iter()
            .copied()
            .find(|t| t.name() == type_name)
            .ok_or_else(malformed)?;
        let id = Uuid::try_parse(uuid).map_err(|_| malformed())?;
        let decoded = GlobalId { node_type, id };
        if decoded.to_id().0 != text {
            return Err(malformed());
        }
        Ok(decoded)
    }

    /// Decodes an id that must be of `expected` type.
    pub(crate) fn expect(text: &str, expected: NodeType) -> Result<Uuid, IdError> {
        let decoded = GlobalId::decode(text)?;
        if decoded.node_type != expected {
            return Err(IdError::WrongType {
                expected,
                found: decoded.node_type,
            });
        }
        Ok(decoded.id)
    }

    /// The id `text` names: a global id of `expected`, or a plain UUID (as
    /// feed items, webhooks and the services' own answers carry it).
    pub(crate) fn expect_or_uuid(text: &str, expected: NodeType) -> Result<Uuid, IdError> {
        GlobalId::expect(text, expected).or_else(|error| Uuid::parse_str(text).map_err(|_| error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_for_every_type() {
        for &node_type in NodeType::ALL {
            let id = Uuid::now_v7();
            let global = GlobalId::new(node_type, id).to_id();
            assert_eq!(GlobalId::decode(&global), Ok(GlobalId { node_type, id }));
            assert_eq!(GlobalId::expect(&global, node_type), Ok(id));
        }
    }

    #[test]
    fn the_encoding_is_base64_of_type_and_uuid() {
        let id = Uuid::parse_str("0190a5a8-7b3c-7def-8abc-0123456789ab").unwrap();
        let global = GlobalId::new(NodeType::Merchant, id).to_id();
        assert_eq!(
            STANDARD.decode(global.as_str()).unwrap(),
            b"Merchant:0190a5a8-7b3c-7def-8abc-0123456789ab"
        );
    }

    #[test]
    fn a_wrong_type_is_named() {
        let global = GlobalId::new(NodeType::Product, Uuid::now_v7()).to_id();
        let error = GlobalId::expect(&global, NodeType::Merchant).unwrap_err();
        assert_eq!(error.code(), "WRONG_ID_TYPE");
        assert_eq!(
            error.to_string(),
            "expected a Merchant id, got a Product id"
        );
    }

    #[test]
    fn malformed_ids_are_refused() {
        let id = Uuid::now_v7();
        let cases = [
            String::new(),
            "not base64!".to_owned(),
            STANDARD.encode("Merchant"),
            STANDARD.encode(format!("Shop:{id}")),
            STANDARD.encode("Merchant:not-a-uuid"),
            STANDARD.encode(format!("Merchant:{}", id.simple())),
            STANDARD.encode(format!(
                "Merchant:{}",
                id.hyphenated().to_string().to_uppercase()
            )),
            STANDARD.encode(format!("merchant:{id}")),
            id.to_string(),
            STANDARD
                .encode(format!("Merchant:{id}"))
                .trim_end_matches('=')
                .to_owned()
                + "~",
        ];
        for text in cases {
            let error = GlobalId::decode(&text).unwrap_err();
            assert_eq!(error.code(), "INVALID_ID", "{text:?}");
        }
    }
}
