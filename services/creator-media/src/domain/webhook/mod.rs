//! Partner webhook endpoints (stream `webhook-<id>`): where an event
//! partner wants the items of a tie-in's promotion feed POSTed, signed with a
//! secret that is kept outside the log (only its version is an event).

mod decider;
#[cfg(test)]
mod tests;
mod url;

pub use decider::{Endpoint, Webhook, WebhookCommand, WebhookError, WebhookEvent, WebhookState};
pub use url::{UrlInvalid, check_url};
