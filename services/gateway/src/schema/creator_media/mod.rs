//! Creator media, first slice: creators (a unique handle, channels,
//! categories, region, languages) and the programme's shared studios, booked
//! by slot. The creator-media service decides who may do what from the
//! caller; the gateway passes the caller on.

mod mutations;
mod queries;
mod types;
mod webhooks;

pub(crate) use mutations::CreatorMediaMutation;
pub(crate) use queries::{CreatorMediaQuery, find_creator, find_studio};
pub(crate) use types::{Creator, Studio};
pub(crate) use webhooks::{Webhook, WebhookMutation, WebhookQuery, find_webhook};
