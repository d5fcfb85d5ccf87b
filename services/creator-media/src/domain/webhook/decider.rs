use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use super::url::check_url;
use crate::domain::{Refusal, TextRule};

/// A partner's webhook endpoint: stream `webhook-<id>`.
pub struct Webhook;

/// An endpoint as registered (and as entered: `decide` checks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub webhook_id: Uuid,
    pub tie_in: Uuid,
    /// The token subject of the tie-in's partner: the endpoint is its.
    pub partner: String,
    pub url: String,
    pub description: String,
    /// Names the signing secret, which is stored outside the log.
    pub secret_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WebhookCommand {
    Register(Endpoint),
    /// A new signing secret (stored outside the log under `secret_id`)
    /// replaces the current one.
    RotateSecret {
        secret_id: Uuid,
        at: DateTime<Utc>,
    },
    /// Deliveries stop; what was enqueued before still goes out.
    Disable {
        at: DateTime<Utc>,
    },
    Delete {
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEvent {
    Registered(Endpoint),
    /// Deliveries are signed with the secret stored under `secret_id`.
    SecretRotated {
        webhook_id: Uuid,
        secret_id: Uuid,
        at: DateTime<Utc>,
    },
    Disabled {
        webhook_id: Uuid,
        at: DateTime<Utc>,
    },
    Deleted {
        webhook_id: Uuid,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum WebhookState {
    #[default]
    Unknown,
    Live {
        endpoint: Endpoint,
        secret_id: Uuid,
        enabled: bool,
    },
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    UrlInvalid(#[from] super::UrlInvalid),
    #[error("description {0}")]
    Description(Refusal),
    #[error("no such webhook")]
    NotFound,
    #[error("the webhook already exists")]
    AlreadyExists,
}

impl WebhookError {
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::UrlInvalid(_) => "WEBHOOK_URL_INVALID",
            WebhookError::Description(refusal) => refusal.code(),
            WebhookError::NotFound => "WEBHOOK_NOT_FOUND",
            WebhookError::AlreadyExists => "WEBHOOK_EXISTS",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            WebhookError::UrlInvalid(_) => Some("url"),
            WebhookError::Description(_) => Some("description"),
            _ => None,
        }
    }
}

const DESCRIPTION: TextRule = TextRule { max: 200 };

impl Endpoint {
    /// The endpoint as it is stored: its URL checked and trimmed, its
    /// description checked (an empty one is allowed).
    pub fn checked(&self) -> Result<Endpoint, WebhookError> {
        let description = match self.description.trim() {
            "" => String::new(),
            text => DESCRIPTION.check(text).map_err(WebhookError::Description)?,
        };
        Ok(Endpoint {
            url: check_url(&self.url)?,
            description,
            ..self.clone()
        })
    }
}

impl Decider for Webhook {
    type State = WebhookState;
    type Command = WebhookCommand;
    type Event = WebhookEvent;
    type Error = WebhookError;

    fn decide(
        state: &WebhookState,
        command: &WebhookCommand,
    ) -> Result<Vec<WebhookEvent>, WebhookError> {
        match (state, command) {
            (WebhookState::Unknown, WebhookCommand::Register(endpoint)) => {
                Ok(vec![WebhookEvent::Registered(endpoint.checked()?)])
            }
            (WebhookState::Live { endpoint, .. }, WebhookCommand::Register(again)) => {
                let same = |e: &Endpoint| Endpoint {
                    secret_id: Uuid::nil(),
                    ..e.clone()
                };
                if again.checked().ok().map(|e| same(&e)) == Some(same(endpoint)) {
                    Ok(Vec::new())
                } else {
                    Err(WebhookError::AlreadyExists)
                }
            }
            (WebhookState::Deleted, WebhookCommand::Register(_)) => {
                Err(WebhookError::AlreadyExists)
            }
            (WebhookState::Unknown | WebhookState::Deleted, _) => Err(WebhookError::NotFound),
            (
                WebhookState::Live { secret_id, .. },
                WebhookCommand::RotateSecret { secret_id: new, .. },
            ) if secret_id == new => Ok(Vec::new()),
            (
                WebhookState::Live { endpoint, .. },
                WebhookCommand::RotateSecret { secret_id, at },
            ) => Ok(vec![WebhookEvent::SecretRotated {
                webhook_id: endpoint.webhook_id,
                secret_id: *secret_id,
                at: *at,
            }]),
            (WebhookState::Live { enabled: false, .. }, WebhookCommand::Disable { .. }) => {
                Ok(Vec::new())
            }
            (WebhookState::Live { endpoint, .. }, WebhookCommand::Disable { at }) => {
                Ok(vec![WebhookEvent::Disabled {
                    webhook_id: endpoint.webhook_id,
                    at: *at,
                }])
            }
            (WebhookState::Live { endpoint, .. }, WebhookCommand::Delete { at }) => {
                Ok(vec![WebhookEvent::Deleted {
                    webhook_id: endpoint.webhook_id,
                    at: *at,
                }])
            }
        }
    }

    fn evolve(state: WebhookState, event: &WebhookEvent) -> WebhookState {
        match (state, event) {
            (_, WebhookEvent::Registered(endpoint)) => WebhookState::Live {
                endpoint: endpoint.clone(),
                secret_id: endpoint.secret_id,
                enabled: true,
            },
            (
                WebhookState::Live {
                    endpoint, enabled, ..
                },
                WebhookEvent::SecretRotated { secret_id, .. },
            ) => WebhookState::Live {
                endpoint,
                secret_id: *secret_id,
                enabled,
            },
            (
                WebhookState::Live {
                    endpoint,
                    secret_id,
                    ..
                },
                WebhookEvent::Disabled { .. },
            ) => WebhookState::Live {
                endpoint,
                secret_id,
                enabled: false,
            },
            (_, WebhookEvent::Deleted { .. }) => WebhookState::Deleted,
            (state, _) => state,
        }
    }
}
