//! How failures reach the client: GraphQL errors with a code for reads and
//! for an unavailable service; `userErrors` in the payload for refused
//! mutations.

use async_graphql::{ErrorExtensions, ID, SimpleObject};
use golmok_runtime::IDEMPOTENCY_HEADER;
use uuid::Uuid;

use crate::errors::coded;
use crate::relay::{GlobalId, IdError, NodeType};
use crate::upstream::CallError;

/// Longest idempotency key accepted: the services take 255 characters, and
/// a delegated action's audit entry adds its suffix to the key
/// (`schema/delegation.rs`).
const MAX_IDEMPOTENCY_KEY: usize = 255 - crate::schema::delegation::AUDIT_KEY_SUFFIX.len();

impl ErrorExtensions for CallError {
    fn extend(&self) -> async_graphql::Error {
        match self {
            CallError::Rejected { body, .. } => coded(&body.code, body.message.clone()),
            CallError::Unavailable { service, reason } => {
                tracing::warn!(service, %reason, "a service call failed");
                coded(
                    "UNAVAILABLE",
                    format!("{service}: the service is unavailable; try again shortly"),
                )
            }
        }
    }
}

impl ErrorExtensions for IdError {
    fn extend(&self) -> async_graphql::Error {
        coded(self.code(), self.to_string())
    }
}

/// Why a mutation did not do what it was asked.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserError {
    /// Path to the input at fault, from the mutation's arguments
    /// (`["input", "lines", "0", "quantity"]`); null when no single input is at fault.
    pub(crate) field: Option<Vec<String>>,
    /// Human-readable; may change between releases.
    pub(crate) message: String,
    /// Stable SCREAMING_SNAKE code to switch on.
    pub(crate) code: String,
}

impl UserError {
    pub(crate) fn at(path: &str, code: &str, message: impl Into<String>) -> UserError {
        UserError {
            field: Some(input_path(path)),
            message: message.into(),
            code: code.to_owned(),
        }
    }
}

/// `"lines.0.quantity"` → `["input", "lines", "0", "quantity"]`.
fn input_path(path: &str) -> Vec<String> {
    std::iter::once("input")
        .chain(path.split('.'))
        .map(str::to_owned)
        .collect()
}

/// A mutation that did not succeed: refused (reported in `userErrors`) or
/// failed (a GraphQL error, such as UNAVAILABLE).
#[derive(Debug)]
pub(crate) enum Refusal {
    User(UserError),
    Failed(async_graphql::Error),
}

/// How a mutation's input names what the service calls otherwise.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct InputNames {
    /// Service field → input field, for fields named differently.
    pub(crate) renames: &'static [(&'static str, &'static str)],
    /// Error code → input field at fault, for errors the service reports
    /// without a field (an unknown id in the path).
    pub(crate) codes: &'static [(&'static str, &'static str)],
}

impl InputNames {
    pub(crate) const NONE: InputNames = InputNames {
        renames: &[],
        codes: &[],
    };

    /// A service refusal as a user error on the input; a failure as is.
    pub(crate) fn refusal(&self, error: CallError) -> Refusal {
        match error {
            CallError::Rejected { status, body, .. } => {
                let field = match body.field.as_deref() {
                    Some(path) => Some(self.rename(path)),
                    None => self
                        .codes
                        .iter()
                        .find(|(code, _)| *code == body.code)
                        .filter(|_| status.is_client_error())
                        .map(|(_, field)| input_path(field)),
                };
                Refusal::User(UserError {
                    field,
                    message: body.message,
                    code: body.code,
                })
            }
            failure @ CallError::Unavailable { .. } => Refusal::Failed(failure.extend()),
        }
    }

    fn rename(&self, path: &str) -> Vec<String> {
        // Every mutation takes the services' idempotency header as this input.
        if path == IDEMPOTENCY_HEADER {
            return input_path("idempotencyKey");
        }
        let (head, rest) = path
            .split_once('.')
            .map_or((path, None), |(h, r)| (h, Some(r)));
        let head = self
            .renames
            .iter()
            .find(|(service, _)| *service == head)
            .map_or(head, |(_, input)| input);
        match rest {
            Some(rest) => input_path(&format!("{head}.{rest}")),
            None => input_path(head),
        }
    }
}

/// An id argument of a mutation, decoded; a bad one is a user error on `field`.
pub(crate) fn input_id(id: &ID, expected: NodeType, field: &str) -> Result<Uuid, Refusal> {
    GlobalId::expect(id, expected)
        .map_err(|error| Refusal::User(UserError::at(field, error.code(), error.to_string())))
}

/// The idempotency key, if given: 1 to 255 visible ASCII characters.
pub(crate) fn idempotency_key(key: Option<&str>) -> Result<Option<&str>, Refusal> {
    match key {
        Some(key)
            if key.is_empty()
                || key.len() > MAX_IDEMPOTENCY_KEY
                || !key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Err(Refusal::User(UserError::at(
                "idempotencyKey",
                "INVALID_IDEMPOTENCY_KEY",
                format!(
                    "an idempotency key is 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"
                ),
            )))
        }
        key => Ok(key),
    }
}

/// A lookup that found nothing, as a user error on the id input.
pub(crate) fn not_found(code: &str, field: &str, what: &str) -> Refusal {
    Refusal::User(UserError::at(field, code, format!("no such {what}")))
}

/// Turns a mutation's outcome into its payload, or a GraphQL error when it failed.
pub(crate) fn settle<T, P>(outcome: Result<T, Refusal>) -> async_graphql::Result<P>
where
    P: Payload<T>,
{
    match outcome {
        Ok(value) => Ok(P::done(value)),
        Err(Refusal::User(error)) => Ok(P::refused(vec![error])),
        Err(Refusal::Failed(error)) => Err(error),
    }
}

/// A mutation payload: the object, or why the mutation was refused.
pub(crate) trait Payload<T> {
    fn done(value: T) -> Self;
    fn refused(errors: Vec<UserError>) -> Self;
}

/// Declares a mutation payload `{ <field>: <Type>, userErrors }`.
macro_rules! payload {
    ($(#[$doc:meta])* $name:ident { $field:ident: $ty:ty }) => {
        $(#[$doc])*
        #[derive(async_graphql::SimpleObject)]
        pub(crate) struct $name {
            /// The object after the mutation; null when it was refused.
            pub(crate) $field: Option<$ty>,
            /// Why the mutation was refused; empty when it succeeded.
            pub(crate) user_errors: Vec<$crate::schema::outcome::UserError>,
        }

        impl $crate::schema::outcome::Payload<$ty> for $name {
            fn done(value: $ty) -> Self {
                $name {
                    $field: Some(value),
                    user_errors: Vec::new(),
                }
            }

            fn refused(errors: Vec<$crate::schema::outcome::UserError>) -> Self {
                $name {
                    $field: None,
                    user_errors: errors,
                }
            }
        }
    };
}
pub(crate) use payload;

#[cfg(test)]
mod tests {
    use golmok_runtime::ErrorBody;
    use http::StatusCode;

    use super::*;
    use crate::errors::code_of;

    fn rejected(status: StatusCode, code: &str, field: Option<&str>) -> CallError {
        CallError::Rejected {
            service: "storefront",
            status,
            body: ErrorBody {
                code: code.into(),
                message: "no".into(),
                field: field.map(str::to_owned),
            },
        }
    }

    const NAMES: InputNames = InputNames {
        renames: &[("requestId", "onboardingId")],
        codes: &[("MERCHANT_NOT_FOUND", "merchantId")],
    };

    fn user_error(refusal: Refusal) -> UserError {
        match refusal {
            Refusal::User(error) => error,
            Refusal::Failed(error) => panic!("{error:?}"),
        }
    }

    #[test]
    fn service_fields_become_input_paths() {
        let error = user_error(NAMES.refusal(rejected(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INSUFFICIENT_STOCK",
            Some("lines.2.quantity"),
        )));
        assert_eq!(
            error,
            UserError {
                field: Some(vec![
                    "input".into(),
                    "lines".into(),
                    "2".into(),
                    "quantity".into()
                ]),
                message: "no".into(),
                code: "INSUFFICIENT_STOCK".into(),
            }
        );
        let renamed = user_error(NAMES.refusal(rejected(
            StatusCode::BAD_REQUEST,
            "BAD_STATUS",
            Some("requestId"),
        )));
        assert_eq!(
            renamed.field,
            Some(vec!["input".into(), "onboardingId".into()])
        );
    }

    #[test]
    fn an_unknown_path_id_points_at_its_input() {
        let error =
            user_error(NAMES.refusal(rejected(StatusCode::NOT_FOUND, "MERCHANT_NOT_FOUND", None)));
        assert_eq!(error.field, Some(vec!["input".into(), "merchantId".into()]));
        let unmapped =
            user_error(NAMES.refusal(rejected(StatusCode::FORBIDDEN, "FORBIDDEN", None)));
        assert_eq!(unmapped.field, None);
        assert_eq!(unmapped.code, "FORBIDDEN");
    }

    #[test]
    fn an_unavailable_service_is_a_graphql_error() {
        let down = CallError::Unavailable {
            service: "voucher",
            reason: "down".into(),
        };
        match NAMES.refusal(down) {
            Refusal::Failed(error) => {
                assert_eq!(code_of(&error).as_deref(), Some("UNAVAILABLE"));
                assert!(error.message.starts_with("voucher: "), "{}", error.message);
                assert!(!error.message.contains("down"), "{}", error.message);
            }
            Refusal::User(error) => panic!("{error:?}"),
        }
    }

    #[test]
    fn idempotency_keys_are_checked() {
        assert_eq!(idempotency_key(None).unwrap(), None);
        assert_eq!(idempotency_key(Some("order-1")).unwrap(), Some("order-1"));
        let too_long = "k".repeat(MAX_IDEMPOTENCY_KEY + 1);
        for bad in ["", "with space", "줄", too_long.as_str()] {
            match idempotency_key(Some(bad)) {
                Err(Refusal::User(error)) => assert_eq!(error.code, "INVALID_IDEMPOTENCY_KEY"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
