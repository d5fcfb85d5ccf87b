//! The voucher service's HTTP API (`docs/voucher-http.md`), one method per
//! route; a command sends the contract's request body, so what goes out is checked.

pub(crate) mod model;

use golmok_contracts::voucher::http as contract;
use http::Method;
use uuid::Uuid;

use self::model::{Batch, Case, Programme, Redemption, Wallet, WalletReply};
use super::{CallError, Key, NO_BODY, Routes, Upstream, segments};
use crate::relay::ListPage;

/// The voucher service's name in [`Upstreams`](super::Upstreams).
pub(crate) const SERVICE: &str = "voucher";

/// The voucher service as seen by one caller.
#[derive(Clone, Copy)]
pub(crate) struct Vouchers<'a>(Upstream<'a>);

impl<'a> Routes<'a> for Vouchers<'a> {
    const SERVICE: &'static str = SERVICE;

    fn new(upstream: Upstream<'a>) -> Self {
        Vouchers(upstream)
    }
}

type Answer<T> = Result<T, CallError>;

impl Vouchers<'_> {
    // Programmes

    pub(crate) async fn programme(&self, id: Uuid) -> Answer<Option<Programme>> {
        self.0.find(&segments!["programmes", id]).await
    }

    pub(crate) async fn programmes(
        &self,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Programme>> {
        self.0
            .list(&segments!["programmes"], &[], first, after)
            .await
    }

    pub(crate) async fn create_programme(
        &self,
        body: &contract::Programme,
        key: Key<'_>,
    ) -> Answer<Programme> {
        let path = segments!["programmes"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    // Wallets

    pub(crate) async fn wallet(&self, id: Uuid) -> Answer<Option<Wallet>> {
        self.0.find(&segments!["wallets", id]).await
    }

    /// The caller's wallet in a programme; `None` before its first purchase.
    pub(crate) async fn my_wallet(&self, programme: Uuid) -> Answer<Option<Wallet>> {
        self.0
            .find(&segments!["programmes", programme, "wallet"])
            .await
    }

    pub(crate) async fn purchase(
        &self,
        programme: Uuid,
        body: &contract::Purchase,
        key: Key<'_>,
    ) -> Answer<WalletReply> {
        let path = segments!["programmes", programme, "purchases"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    /// A hold (`route` = "holds") or a one-step payment ("payments").
    pub(crate) async fn redeem(
        &self,
        wallet: Uuid,
        route: &str,
        body: &contract::Redeem,
        key: Key<'_>,
    ) -> Answer<WalletReply> {
        let path = segments!["wallets", wallet, route];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    /// `action` = "capture" or "void".
    pub(crate) async fn settle_hold(
        &self,
        wallet: Uuid,
        redemption: Uuid,
        action: &str,
        key: Key<'_>,
    ) -> Answer<WalletReply> {
        let path = segments!["wallets", wallet, "redemptions", redemption, action];
        self.0.command(Method::POST, &path, NO_BODY, key).await
    }

    /// A wallet's redemptions, newest first.
    pub(crate) async fn wallet_redemptions(
        &self,
        wallet: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Redemption>> {
        let path = segments!["wallets", wallet, "redemptions"];
        self.0.list(&path, &[], first, after).await
    }

    // Merchants

    pub(crate) async fn redemptions(
        &self,
        merchant: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Redemption>> {
        let path = segments!["merchants", merchant, "redemptions"];
        self.0.list(&path, &[], first, after).await
    }

    pub(crate) async fn settlements(
        &self,
        merchant: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Batch>> {
        let path = segments!["merchants", merchant, "settlements"];
        self.0.list(&path, &[], first, after).await
    }

    // Fraud cases

    pub(crate) async fn case(&self, id: Uuid) -> Answer<Option<Case>> {
        self.0.find(&segments!["cases", id]).await
    }

    pub(crate) async fn cases(
        &self,
        programme: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Case>> {
        let path = segments!["programmes", programme, "cases"];
        self.0.list(&path, &[], first, after).await
    }

    /// `decision` = "suspension" (POST with a reason), "dismissal" (POST
    /// with a reason) or lifting the suspension (DELETE "suspension").
    pub(crate) async fn decide_case(
        &self,
        case: Uuid,
        method: Method,
        decision: &str,
        body: Option<&contract::Reason>,
        key: Key<'_>,
    ) -> Answer<Case> {
        let path = segments!["cases", case, decision];
        self.0.command(method, &path, body, key).await
    }
}
