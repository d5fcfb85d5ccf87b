//! The creator-media service's webhook routes.

use golmok_contracts::creator_media::http::{
    self as contract, DeliveryView, ReplayView, WebhookView, WebhookWithSecret,
};
use http::Method;
use uuid::Uuid;

use super::{Answer, CreatorMedia};
use crate::relay::ListPage;
use crate::upstream::{Key, segments};

impl CreatorMedia<'_> {
    pub(crate) async fn webhook(&self, id: Uuid) -> Answer<Option<WebhookView>> {
        self.0.find(&segments!["webhooks", id]).await
    }

    /// The calling partner's webhooks, oldest first.
    pub(crate) async fn webhooks(
        &self,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<WebhookView>> {
        self.0.list(&segments!["webhooks"], &[], first, after).await
    }

    /// A webhook's delivery log, newest first.
    pub(crate) async fn webhook_deliveries(
        &self,
        id: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<DeliveryView>> {
        let path = segments!["webhooks", id, "deliveries"];
        self.0.list(&path, &[], first, after).await
    }

    pub(crate) async fn register_webhook(
        &self,
        body: &contract::RegisterWebhook,
        key: Key<'_>,
    ) -> Answer<WebhookWithSecret> {
        let path = segments!["webhooks"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn rotate_webhook_secret(
        &self,
        id: Uuid,
        key: Key<'_>,
    ) -> Answer<WebhookWithSecret> {
        let path = segments!["webhooks", id, "secret"];
        let body = contract::Empty {};
        self.0.command(Method::POST, &path, Some(&body), key).await
    }

    pub(crate) async fn disable_webhook(&self, id: Uuid, key: Key<'_>) -> Answer<WebhookView> {
        let path = segments!["webhooks", id, "disable"];
        let body = contract::Empty {};
        self.0.command(Method::POST, &path, Some(&body), key).await
    }

    pub(crate) async fn delete_webhook(&self, id: Uuid, key: Key<'_>) -> Answer<WebhookView> {
        let path = segments!["webhooks", id, "deletion"];
        let body = contract::Empty {};
        self.0.command(Method::POST, &path, Some(&body), key).await
    }

    pub(crate) async fn replay_webhook(
        &self,
        id: Uuid,
        body: &contract::ReplayWebhook,
    ) -> Answer<ReplayView> {
        let path = segments!["webhooks", id, "replay"];
        self.0.command(Method::POST, &path, Some(body), None).await
    }
}
