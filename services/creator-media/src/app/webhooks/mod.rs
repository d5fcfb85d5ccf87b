//! Partner webhooks: endpoints registered for a tie-in's promotion feed
//! (commands and reads), the queue projection that turns each promotion
//! event of the log into a pending delivery for every enabled endpoint of
//! every tie-in that includes it, the worker that POSTs them signed and
//! retries them, and replay from a feed cursor.

mod commands;
mod queue;
mod rows;
mod signing;
mod telemetry;
mod worker;

pub use commands::NewWebhook;
pub use queue::WebhookQueue;
pub use signing::{SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_ID_HEADER, signature};
pub use worker::DeliveryWorker;
