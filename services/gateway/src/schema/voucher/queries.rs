use async_graphql::connection::Connection;
use std::future::Future;

use async_graphql::{Context, ErrorExtensions, ID, Object, OutputType, Result, ResultExt};
use uuid::Uuid;

use super::types::{
    FraudCase, SettlementBatch, VoucherProgramme, VoucherRedemption, VoucherWallet,
};
use crate::relay::{GlobalId, ListId, ListPage, NodeType, PageRequest, page};
use crate::schema::context::ContextExt;
use crate::upstream::{CallError, Vouchers};

#[derive(Default)]
pub(crate) struct VoucherQuery;

fn expect(id: &ID, node_type: NodeType) -> Result<Uuid> {
    GlobalId::expect(id, node_type).map_err(|e| e.extend())
}

#[Object]
impl VoucherQuery {
    /// A voucher programme by global id (any signed-in caller).
    async fn voucher_programme(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<VoucherProgramme>> {
        find_programme(ctx, expect(&id, NodeType::VoucherProgramme)?).await
    }

    /// Every voucher programme, with its budget figures.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn voucher_programmes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, VoucherProgramme>> {
        let vouchers = &ctx.request().upstream::<Vouchers>();
        connection(
            ListId::new("voucherProgrammes", ""),
            first,
            after,
            |first, after| async move { vouchers.programmes(first, after.as_deref()).await },
            VoucherProgramme,
        )
        .await
    }

    /// The calling citizen's wallet in a programme; null before the first purchase.
    async fn my_voucher_wallet(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme's global id.")] programme_id: ID,
    ) -> Result<Option<VoucherWallet>> {
        let programme = expect(&programme_id, NodeType::VoucherProgramme)?;
        Ok(ctx
            .request()
            .upstream::<Vouchers>()
            .my_wallet(programme)
            .await
            .extend()?
            .map(VoucherWallet))
    }

    /// A merchant's voucher redemptions, newest first (the merchant, officials).
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn voucher_redemptions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The merchant's global id.")] merchant_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, VoucherRedemption>> {
        let merchant = expect(&merchant_id, NodeType::Merchant)?;
        let vouchers = &ctx.request().upstream::<Vouchers>();
        connection(
            ListId::new("voucherRedemptions", &merchant.to_string()),
            first,
            after,
            |first, after| async move {
                vouchers
                    .redemptions(merchant, first, after.as_deref())
                    .await
            },
            VoucherRedemption,
        )
        .await
    }

    /// A merchant's settlement batches, newest first (the merchant, officials).
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn voucher_settlements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The merchant's global id.")] merchant_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, SettlementBatch>> {
        let merchant = expect(&merchant_id, NodeType::Merchant)?;
        let vouchers = &ctx.request().upstream::<Vouchers>();
        connection(
            ListId::new("voucherSettlements", &merchant.to_string()),
            first,
            after,
            |first, after| async move {
                vouchers
                    .settlements(merchant, first, after.as_deref())
                    .await
            },
            SettlementBatch,
        )
        .await
    }

    /// A programme's fraud cases, newest first (officials).
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn fraud_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme's global id.")] programme_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, FraudCase>> {
        let programme = expect(&programme_id, NodeType::VoucherProgramme)?;
        let vouchers = &ctx.request().upstream::<Vouchers>();
        connection(
            ListId::new("fraudCases", &programme.to_string()),
            first,
            after,
            |first, after| async move { vouchers.cases(programme, first, after.as_deref()).await },
            FraudCase,
        )
        .await
    }
}

/// One page of a voucher service list as a Relay connection.
pub(super) async fn connection<T, N, F, Fut>(
    list: ListId,
    first: Option<i32>,
    after: Option<String>,
    fetch: F,
    node: fn(T) -> N,
) -> Result<Connection<String, N>>
where
    N: OutputType,
    F: FnMut(usize, Option<String>) -> Fut,
    Fut: Future<Output = std::result::Result<ListPage<T>, CallError>>,
{
    page(PageRequest::new(list, first, after)?, fetch, node)
        .await
        .extend()
}

pub(crate) async fn find_programme(
    ctx: &Context<'_>,
    id: Uuid,
) -> Result<Option<VoucherProgramme>> {
    Ok(ctx
        .request()
        .upstream::<Vouchers>()
        .programme(id)
        .await
        .extend()?
        .map(VoucherProgramme))
}

pub(crate) async fn find_wallet(ctx: &Context<'_>, id: Uuid) -> Result<Option<VoucherWallet>> {
    Ok(ctx
        .request()
        .upstream::<Vouchers>()
        .wallet(id)
        .await
        .extend()?
        .map(VoucherWallet))
}

pub(crate) async fn find_case(ctx: &Context<'_>, id: Uuid) -> Result<Option<FraudCase>> {
    Ok(ctx
        .request()
        .upstream::<Vouchers>()
        .case(id)
        .await
        .extend()?
        .map(FraudCase))
}
