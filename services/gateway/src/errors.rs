//! Stable error codes on GraphQL errors (`extensions.code`).

use async_graphql::{ErrorExtensionValues, ErrorExtensions, ServerError};

/// A GraphQL error carrying `extensions.code`.
pub(crate) fn coded(code: &str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
}

/// A request-level GraphQL error (before execution) carrying `extensions.code`.
pub(crate) fn coded_server_error(code: &str, message: impl Into<String>) -> ServerError {
    let mut error = ServerError::new(message, None);
    with_code(&mut error, code);
    error
}

/// Sets `extensions.code` on `error` unless it has one.
pub(crate) fn with_code(error: &mut ServerError, code: &str) {
    let extensions = error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
}

/// The `extensions.code` of an error, if set.
#[cfg(test)]
pub(crate) fn code_of(error: &async_graphql::Error) -> Option<String> {
    match error.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code.clone()),
        _ => None,
    }
}
