//! The voucher service's HTTP API (`docs/voucher-http.md`), one method per route.

pub(crate) mod model;

use golmok_runtime::Actor;
use http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use self::model::{Batch, Case, Programme, Redemption, Wallet, WalletReply};
use super::client::{Call, CallError, ServiceClient};
use super::storefront::Key;
use crate::relay::ListPage;

/// The voucher service as seen by one caller: every call carries the caller
/// as the actor header.
#[derive(Clone, Debug)]
pub(crate) struct Vouchers {
    client: ServiceClient,
    actor: Option<Actor>,
}

impl Vouchers {
    pub(crate) fn new(client: ServiceClient, actor: Option<Actor>) -> Vouchers {
        Vouchers { client, actor }
    }

    /// A GET of one object; `None` when it is not there or not the caller's
    /// to see ([`ServiceClient::find`]).
    async fn find<T: DeserializeOwned>(&self, segments: &[&str]) -> Result<Option<T>, CallError> {
        self.client.find(segments, self.actor.as_ref()).await
    }

    async fn list<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        first: usize,
        after: Option<&str>,
    ) -> Result<ListPage<T>, CallError> {
        let first = first.to_string();
        let mut pairs = vec![("first", first.as_str())];
        if let Some(after) = after {
            pairs.push(("after", after));
        }
        let call = Call::new(Method::GET, segments.iter().copied(), pairs);
        self.client.call(call, self.actor.as_ref()).await
    }

    /// A POST (or DELETE) command with an optional body and idempotency key.
    async fn command<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        key: Key<'_>,
    ) -> Result<T, CallError> {
        let mut call = Call::new(method, segments.iter().copied(), []).idempotency_key(key);
        if let Some(body) = body {
            call = call.json(body);
        }
        self.client.call(call, self.actor.as_ref()).await
    }

    // Programmes

    pub(crate) async fn programme(&self, id: Uuid) -> Result<Option<Programme>, CallError> {
        self.find(&["programmes", &id.to_string()]).await
    }

    pub(crate) async fn programmes(
        &self,
        first: usize,
        after: Option<&str>,
    ) -> Result<ListPage<Programme>, CallError> {
        self.list(&["programmes"], first, after).await
    }

    pub(crate) async fn create_programme(
        &self,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Programme, CallError> {
        self.command(Method::POST, &["programmes"], Some(&json(body)), key)
            .await
    }

    // Wallets

    pub(crate) async fn wallet(&self, id: Uuid) -> Result<Option<Wallet>, CallError> {
        self.find(&["wallets", &id.to_string()]).await
    }

    /// The caller's wallet in a programme; `None` before its first purchase.
    pub(crate) async fn my_wallet(&self, programme: Uuid) -> Result<Option<Wallet>, CallError> {
        self.find(&["programmes", &programme.to_string(), "wallet"])
            .await
    }

    pub(crate) async fn purchase(
        &self,
        programme: Uuid,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<WalletReply, CallError> {
        let programme = programme.to_string();
        let path = ["programmes", programme.as_str(), "purchases"];
        self.command(Method::POST, &path, Some(&json(body)), key)
            .await
    }

    /// A hold (`route` = "holds") or a one-step payment ("payments").
    pub(crate) async fn redeem(
        &self,
        wallet: Uuid,
        route: &str,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<WalletReply, CallError> {
        let wallet = wallet.to_string();
        let path = ["wallets", wallet.as_str(), route];
        self.command(Method::POST, &path, Some(&json(body)), key)
            .await
    }

    /// `action` = "capture" or "void".
    pub(crate) async fn settle_hold(
        &self,
        wallet: Uuid,
        redemption: Uuid,
        action: &str,
        key: Key<'_>,
    ) -> Result<WalletReply, CallError> {
        let (wallet, redemption) = (wallet.to_string(), redemption.to_string());
        let path = [
            "wallets",
            wallet.as_str(),
            "redemptions",
            redemption.as_str(),
            action,
        ];
        self.command(Method::POST, &path, None, key).await
    }

    // Merchants

    pub(crate) async fn redemptions(
        &self,
        merchant: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Result<ListPage<Redemption>, CallError> {
        let merchant = merchant.to_string();
        self.list(&["merchants", &merchant, "redemptions"], first, after)
            .await
    }

    pub(crate) async fn settlements(
        &self,
        merchant: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Result<ListPage<Batch>, CallError> {
        let merchant = merchant.to_string();
        self.list(&["merchants", &merchant, "settlements"], first, after)
            .await
    }

    // Fraud cases

    pub(crate) async fn case(&self, id: Uuid) -> Result<Option<Case>, CallError> {
        self.find(&["cases", &id.to_string()]).await
    }

    pub(crate) async fn cases(
        &self,
        programme: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Result<ListPage<Case>, CallError> {
        let programme = programme.to_string();
        self.list(&["programmes", &programme, "cases"], first, after)
            .await
    }

    /// `decision` = "suspension" (POST with a reason), "dismissal" (POST
    /// with a reason) or lifting the suspension (DELETE "suspension").
    pub(crate) async fn decide_case(
        &self,
        case: Uuid,
        method: Method,
        decision: &str,
        body: Option<&impl Serialize>,
        key: Key<'_>,
    ) -> Result<Case, CallError> {
        let case = case.to_string();
        let path = ["cases", case.as_str(), decision];
        let body = body.map(json);
        self.command(method, &path, body.as_ref(), key).await
    }
}

fn json(body: &impl Serialize) -> Value {
    serde_json::to_value(body).expect("inputs serialize")
}
