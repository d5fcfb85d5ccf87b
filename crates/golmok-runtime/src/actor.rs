use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Header carrying the gateway's signed assertion of the caller to a service
/// (see [`crate::trust`]).
pub const ACTOR_HEADER: &str = "x-golmok-actor";
/// Header carrying a command's idempotency key.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// Roles of the public programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Merchant,
    Creator,
    Citizen,
    Expert,
    Official,
    Partner,
    Operator,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Merchant,
        Role::Creator,
        Role::Citizen,
        Role::Expert,
        Role::Official,
        Role::Partner,
        Role::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Merchant => "merchant",
            Role::Creator => "creator",
            Role::Citizen => "citizen",
            Role::Expert => "expert",
            Role::Official => "official",
            Role::Partner => "partner",
            Role::Operator => "operator",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Who is calling: established by the gateway from a verified token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// The token subject: a stable id of the person or system.
    pub subject: String,
    pub role: Role,
    /// The merchant a merchant-role actor may act for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<Uuid>,
}

impl Actor {
    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// True for the merchant itself and for operators.
    pub fn acts_for_merchant(&self, merchant: Uuid) -> bool {
        self.role == Role::Operator
            || (self.role == Role::Merchant && self.merchant_id == Some(merchant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merchant_acts_only_for_its_own_store() {
        let own = Uuid::now_v7();
        let actor = Actor {
            subject: "u".into(),
            role: Role::Merchant,
            merchant_id: Some(own),
        };
        assert!(actor.acts_for_merchant(own));
        assert!(!actor.acts_for_merchant(Uuid::now_v7()));
    }
}
