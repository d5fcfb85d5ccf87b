use serde::{Deserialize, Serialize};

/// The JSON body of every 4xx/5xx answer of a Golmok HTTP API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Stable SCREAMING_SNAKE code partners can switch on.
    pub code: String,
    /// Human-readable; may change between releases.
    pub message: String,
    /// The input field at fault, as a path (`lines.0.quantity`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
