use golmok_kernel::ScanOrder;
use golmok_kernel::{ListPage, PageRequest};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::projections::tables::{
    ALL, CASES_BY_PROGRAMME, LEDGER_ACCOUNTS, LEDGER_HISTORY, MERCHANTS, PROGRAMMES,
    REDEMPTIONS_BY_MERCHANT, REDEMPTIONS_BY_WALLET, SANCTIONS, SETTLEMENTS_BY_MERCHANT,
    SETTLEMENTS_BY_PROGRAMME, pair,
};
use super::views::{
    AccountView, BatchView, CaseView, MerchantEntry, MerchantStanding, ProgrammeView,
    RedemptionView, TransferView,
};
use super::{AppError, Voucher};
use golmok_kernel::telemetry::decode_row as decode;

const SCAN_BATCH: usize = 500;

impl Voucher {
    /// Every row of a partition that can be decoded, with its clustering
    /// key; a damaged row is logged, counted and skipped (it stays in place,
    /// so a settlement line, say, is picked up once repaired).
    pub(super) async fn scan_all<T: DeserializeOwned>(
        &self,
        table: &str,
        partition: &str,
    ) -> Result<Vec<(String, T)>, AppError> {
        let mut rows = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .tables
                .scan(
                    table,
                    partition,
                    after.as_deref(),
                    ScanOrder::Ascending,
                    SCAN_BATCH,
                )
                .await?;
            for row in page.rows {
                if let Some(value) = decode(table, partition, &row.clustering, &row.value) {
                    rows.push((row.clustering, value));
                }
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(rows),
            }
        }
    }

    /// One page of a partition, newest first when `order` says so; a damaged
    /// row is logged, counted and left out.
    async fn page<T: DeserializeOwned>(
        &self,
        table: &str,
        partition: &str,
        order: ScanOrder,
        page: &PageRequest,
    ) -> Result<ListPage<T>, AppError> {
        let found = self
            .tables
            .scan(table, partition, page.after.as_deref(), order, page.first)
            .await?;
        let mut items = Vec::with_capacity(found.rows.len());
        for row in &found.rows {
            items.extend(decode(table, partition, &row.clustering, &row.value));
        }
        Ok(ListPage {
            items,
            next_cursor: found.next,
        })
    }

    pub async fn programmes(
        &self,
        page: &PageRequest,
    ) -> Result<ListPage<ProgrammeView>, AppError> {
        self.page(PROGRAMMES, ALL, ScanOrder::Ascending, page).await
    }

    /// A merchant as known from the storefront, and where it is suspended.
    pub async fn merchant(&self, merchant_id: Uuid) -> Result<MerchantStanding, AppError> {
        let merchant: MerchantEntry = self
            .tables
            .get_json(MERCHANTS, &merchant_id.to_string(), "")
            .await?
            .ok_or(AppError::MerchantNotFound)?;
        let mut voucher_suspended_in = Vec::new();
        for (id, _) in self.scan_all::<ProgrammeView>(PROGRAMMES, ALL).await? {
            let Ok(programme) = id.parse::<Uuid>() else {
                continue;
            };
            let page = self
                .tables
                .scan(
                    SANCTIONS,
                    &pair(&programme, &merchant_id),
                    None,
                    ScanOrder::Ascending,
                    1,
                )
                .await?;
            if !page.rows.is_empty() {
                voucher_suspended_in.push(programme);
            }
        }
        Ok(MerchantStanding {
            merchant,
            voucher_suspended_in,
        })
    }

    /// A merchant's redemptions, newest first.
    pub async fn merchant_redemptions(
        &self,
        merchant_id: Uuid,
        page: &PageRequest,
    ) -> Result<ListPage<RedemptionView>, AppError> {
        self.page(
            REDEMPTIONS_BY_MERCHANT,
            &merchant_id.to_string(),
            ScanOrder::Descending,
            page,
        )
        .await
    }

    /// A wallet's redemptions, newest first (ids are time-ordered), for its
    /// owner or an operator.
    pub async fn wallet_redemptions(
        &self,
        wallet_id: Uuid,
        actor: &golmok_runtime::Actor,
        page: &PageRequest,
    ) -> Result<ListPage<RedemptionView>, AppError> {
        self.owned_wallet(wallet_id, actor).await?;
        self.page(
            REDEMPTIONS_BY_WALLET,
            &wallet_id.to_string(),
            ScanOrder::Descending,
            page,
        )
        .await
    }

    /// A redemption as the wallet's history has it.
    pub(super) async fn remembered(
        &self,
        wallet_id: Uuid,
        redemption_id: Uuid,
    ) -> Result<Option<RedemptionView>, AppError> {
        Ok(self
            .tables
            .get_json(
                REDEMPTIONS_BY_WALLET,
                &wallet_id.to_string(),
                &redemption_id.to_string(),
            )
            .await?)
    }

    /// A merchant's settlement batches, newest first.
    pub async fn merchant_settlements(
        &self,
        merchant_id: Uuid,
        page: &PageRequest,
    ) -> Result<ListPage<BatchView>, AppError> {
        self.page(
            SETTLEMENTS_BY_MERCHANT,
            &merchant_id.to_string(),
            ScanOrder::Descending,
            page,
        )
        .await
    }

    /// The settlement report of a programme: every batch, or one day's.
    pub async fn settlement_report(
        &self,
        programme_id: Uuid,
        day: Option<chrono::NaiveDate>,
    ) -> Result<Vec<BatchView>, AppError> {
        self.programme(programme_id).await?;
        let batches = self
            .scan_all::<BatchView>(SETTLEMENTS_BY_PROGRAMME, &programme_id.to_string())
            .await?;
        Ok(batches
            .into_iter()
            .map(|(_, batch)| batch)
            .filter(|b| day.is_none_or(|d| b.business_date == d))
            .collect())
    }

    /// The settlement report of an issuer: the batches of all its programmes.
    pub async fn issuer_report(
        &self,
        issuer: &str,
        day: Option<chrono::NaiveDate>,
    ) -> Result<Vec<BatchView>, AppError> {
        let mut batches = Vec::new();
        for (_, programme) in self.scan_all::<ProgrammeView>(PROGRAMMES, ALL).await? {
            if programme.issuer == issuer {
                batches.extend(self.settlement_report(programme.id, day).await?);
            }
        }
        Ok(batches)
    }

    pub async fn cases(
        &self,
        programme_id: Uuid,
        page: &PageRequest,
    ) -> Result<ListPage<CaseView>, AppError> {
        self.programme(programme_id).await?;
        self.page(
            CASES_BY_PROGRAMME,
            &programme_id.to_string(),
            ScanOrder::Descending,
            page,
        )
        .await
    }

    /// Every ledger account of a programme.
    pub async fn accounts(&self, programme_id: Uuid) -> Result<Vec<AccountView>, AppError> {
        self.programme(programme_id).await?;
        Ok(self
            .scan_all::<AccountView>(LEDGER_ACCOUNTS, &programme_id.to_string())
            .await?
            .into_iter()
            .map(|(_, account)| account)
            .collect())
    }

    pub async fn account(
        &self,
        programme_id: Uuid,
        code: &str,
    ) -> Result<Option<AccountView>, AppError> {
        Ok(self
            .tables
            .get_json(LEDGER_ACCOUNTS, &programme_id.to_string(), code)
            .await?)
    }

    /// An account's transfers, oldest first.
    pub async fn transfers(
        &self,
        programme_id: Uuid,
        code: &str,
        page: &PageRequest,
    ) -> Result<ListPage<TransferView>, AppError> {
        self.page(
            LEDGER_HISTORY,
            &format!("{programme_id}/{code}"),
            ScanOrder::Ascending,
            page,
        )
        .await
    }
}
