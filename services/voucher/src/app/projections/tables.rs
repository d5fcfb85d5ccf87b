//! Read-model tables (partition key → clustering key → JSON view).

/// partition = "all", clustering = programme id → `ProgrammeView`.
pub const PROGRAMMES: &str = "voucher_programmes";
/// partition = programme id, clustering = wallet id → `WalletSummary`.
pub const WALLETS_BY_PROGRAMME: &str = "voucher_wallets_by_programme";
/// partition = wallet id, clustering = "" → programme id (text).
pub const WALLET_PROGRAMME: &str = "voucher_wallet_programme";
/// partition = "all", clustering = redemption id → `OpenHold`.
pub const OPEN_HOLDS: &str = "voucher_open_holds";
/// partition = merchant id, clustering = redemption id → `RedemptionView`.
pub const REDEMPTIONS_BY_MERCHANT: &str = "voucher_redemptions_by_merchant";
/// partition = wallet id, clustering = redemption id → `RedemptionView` (the
/// wallet's history; the aggregate keeps only what its decisions need).
pub const REDEMPTIONS_BY_WALLET: &str = "voucher_redemptions_by_wallet";
/// partition = `<programme>:<merchant>`, clustering = redemption id → `UnsettledLine`.
pub const UNSETTLED: &str = "voucher_unsettled";
/// partition = programme id, clustering = merchant id → "" (merchants with captures).
pub const PROGRAMME_MERCHANTS: &str = "voucher_programme_merchants";
/// partition = programme id, clustering = `<business date>:<merchant>` → `BatchView`.
pub const SETTLEMENTS_BY_PROGRAMME: &str = "voucher_settlements_by_programme";
/// partition = merchant id, clustering = `<business date>:<programme>` → `BatchView`.
pub const SETTLEMENTS_BY_MERCHANT: &str = "voucher_settlements_by_merchant";
/// partition = programme id, clustering = case id → `CaseView`.
pub const CASES_BY_PROGRAMME: &str = "voucher_cases_by_programme";
/// partition = case id, clustering = "" → `CaseView`, so decisions find their programme.
pub const CASE_BY_ID: &str = "voucher_case_by_id";
/// partition = `<programme>:<merchant>`, clustering = case id → "" (suspending cases).
pub const SANCTIONS: &str = "voucher_sanctions";
/// partition = merchant id, clustering = "" → `MerchantEntry` (from storefront events).
pub const MERCHANTS: &str = "voucher_merchants";
/// partition = merchant id, clustering = "" → `RiskRecord` (fraud rule memory).
pub const FRAUD_RISK: &str = "voucher_fraud_risk";

/// partition = programme id, clustering = account code → `AccountView`.
pub const LEDGER_ACCOUNTS: &str = "voucher_ledger_accounts";
/// partition = `<programme>/<account code>`, clustering = `<position>:<index>` → `TransferView`.
pub const LEDGER_HISTORY: &str = "voucher_ledger_history";
/// partition = transfer id, clustering = "" → pending `TransferView`.
pub const LEDGER_PENDING: &str = "voucher_ledger_pending";
/// partition = transfer id, clustering = "" → "" (ids already applied).
pub const LEDGER_APPLIED: &str = "voucher_ledger_applied";

/// The single partition of the tables keyed by "all".
pub const ALL: &str = "all";

/// Every read-model table, for tools that compare or rebuild them.
pub const ALL_TABLES: [&str; 19] = [
    PROGRAMMES,
    WALLETS_BY_PROGRAMME,
    WALLET_PROGRAMME,
    OPEN_HOLDS,
    REDEMPTIONS_BY_MERCHANT,
    REDEMPTIONS_BY_WALLET,
    UNSETTLED,
    PROGRAMME_MERCHANTS,
    SETTLEMENTS_BY_PROGRAMME,
    SETTLEMENTS_BY_MERCHANT,
    CASES_BY_PROGRAMME,
    CASE_BY_ID,
    SANCTIONS,
    MERCHANTS,
    FRAUD_RISK,
    LEDGER_ACCOUNTS,
    LEDGER_HISTORY,
    LEDGER_PENDING,
    LEDGER_APPLIED,
];

pub fn pair(programme: &uuid::Uuid, merchant: &uuid::Uuid) -> String {
    format!("{programme}:{merchant}")
}
